"""The matching engine, one behaviour per example: pure, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from yecai.receivables.domain.matching import BankReceipt, Memory, OpenItem, Proposal, Settings, match
from yecai.receivables.domain.names import NameIndex, core_name
from yecai.receivables.domain.refs import doc_keys, remark_keys

D = date(2025, 7, 1)


def item(
    item_id: str,
    amount: str,
    *,
    customer: str = "C1",
    name: str = "上海华东商贸有限公司",
    doc: str | None = None,
    day: str = "2025-03-01",
    currency: str = "CNY",
) -> OpenItem:
    return OpenItem(
        item_id,
        customer,
        name,
        doc or item_id,
        date.fromisoformat(day),
        date.fromisoformat(day),
        int(Decimal(amount) * 100),
        currency,
    )


def receipt(
    amount: str,
    *,
    remark: str = "",
    name: str = "",
    account: str = "",
    txn: str = "T1",
    currency: str = "CNY",
) -> BankReceipt:
    return BankReceipt(txn, D, int(Decimal(amount) * 100), currency, name, account, remark)


def applied(p: Proposal) -> dict[str, str]:
    return {a.item_id: str(a.applied_amount) for a in p.applications}


def reasons(p: Proposal) -> set[str]:
    return {r.code for r in p.reasons}


OTHERS = [
    item("X1", "1000.00", customer="C2", name="北京远航电子有限公司", doc="INV-2025-0001"),
    item("X2", "2000.00", customer="C3", name="深圳鑫达科技股份有限公司", doc="INV-2025-0002"),
]


# --- references ----------------------------------------------------------------------------------


def test_reference_written_in_many_ways_finds_the_invoice() -> None:
    items = [item("A", "1130.00", doc="INV-2025-0012"), *OTHERS]
    for remark in (
        "INV-2025-0012",
        "付INV20250012货款",
        "2025-0012",
        "2025/12",
        "ＩＮＶ－２０２５－００１２",
        "inv 2025 0012",
    ):
        (p,) = match([receipt("1130.00", remark=remark)], items)
        assert applied(p) == {"A": "1130.00"}, remark
        assert {"reference_match", "amount_exact"} <= reasons(p) and p.auto, remark


def test_bare_number_counts_for_the_payers_own_invoice() -> None:
    items = [item("A", "1130.00", doc="INV-2025-0012"), item("B", "1130.00", doc="INV-2025-0013"), *OTHERS]
    for remark in ("发票号0012", "No.12", "发票号:12"):
        (p,) = match([receipt("1130.00", remark=remark, name="上海华东商贸有限公司")], items)
        assert applied(p) == {"A": "1130.00"}, remark
        assert "reference_number" in reasons(p)


def test_several_numbers_in_one_remark_pay_several_invoices() -> None:
    items = [
        item("A", "100.00", doc="INV-2025-0012"),
        item("B", "200.00", doc="INV-2025-0013"),
        item("C", "300.00", doc="INV-2025-0014"),
        *OTHERS,
    ]
    (p,) = match([receipt("600.00", remark="INV-2025-0012,0013,0014")], items)
    assert applied(p) == {"A": "100.00", "B": "200.00", "C": "300.00"} and p.auto
    # One of the numbers is not paid (or mistyped): the subset that fits the amount.
    (p,) = match([receipt("500.00", remark="INV-2025-0012、0013、0014")], items)
    assert applied(p) == {"B": "200.00", "C": "300.00"}


def test_einvoice_twenty_digit_number() -> None:
    items = [item("A", "8800.00", doc="25312000000012345678"), *OTHERS]
    (p,) = match([receipt("8800.00", remark="数电票25312000000012345678")], items)
    assert applied(p) == {"A": "8800.00"} and p.auto
    (p,) = match([receipt("8800.00", remark="发票12345678", name="华东商贸")], items)
    assert applied(p) == {"A": "8800.00"}


def test_a_date_in_the_remark_is_not_a_reference() -> None:
    assert remark_keys("2025-07-03 货款").strong == ()
    assert remark_keys("7月货款12000元") == remark_keys("")
    assert doc_keys("INV-2025-0012").strong == ("D:20250012", "Y:2025:12")


# --- the payer -----------------------------------------------------------------------------------


def test_company_names_reduce_to_their_core() -> None:
    assert core_name("上海华东商贸有限公司") == "华东商贸"
    assert core_name("江苏省苏州市远航电子科技股份有限公司") == "远航电子科技"
    assert core_name("华东(上海)贸易有限责任公司") == "华东贸易"
    assert core_name("Nordic Components Co., Ltd.") == "nordiccomponents"


def test_fuzzy_names_abbreviations_and_english() -> None:
    index = NameIndex(
        [("C1", "上海华东商贸有限公司"), ("C2", "北京远航电子有限公司"), ("C3", "Nordic Components AB")]
    )
    for payer, code in (
        ("上海华东商贸有限公司", "C1"),
        ("华东商贸有限公司", "C1"),
        ("上海华东商贸", "C1"),
        ("华东商贸", "C1"),
        ("远航电子", "C2"),
        ("NORDIC COMPONENTS", "C3"),
    ):
        hits = index.lookup(payer)
        assert hits and hits[0].key == code and hits[0].score >= 0.8, (payer, hits)
    assert index.lookup("张伟") == ()


def test_customer_by_name_and_exact_amount() -> None:
    items = [item("A", "1234.56"), item("B", "999.00"), *OTHERS]
    (p,) = match([receipt("1234.56", name="华东商贸有限公司", remark="货款")], items)
    assert applied(p) == {"A": "1234.56"}
    assert {"name_similarity", "amount_exact"} <= reasons(p) and p.auto
    assert any(str(r).startswith("name_similarity 0.") or str(r) == "name_similarity 1.00" for r in p.reasons)


def test_customer_by_remembered_account() -> None:
    items = [item("A", "1234.56"), item("Z", "1234.56", customer="C9", name="无关公司"), *OTHERS]
    memory = Memory.of(accounts=[("6222 0000 1111 2222", "C1")])
    (p,) = match([receipt("1234.56", name="张伟", account="6222000011112222")], items, memory)
    assert applied(p) == {"A": "1234.56"} and "payer_account_known" in reasons(p) and p.auto


def test_unknown_person_without_reference_is_never_automatic() -> None:
    items = [item("A", "1234.56"), *OTHERS]
    (p,) = match([receipt("1234.56", name="张伟", remark="转账")], items)
    assert applied(p) == {"A": "1234.56"} and "amount_unique" in reasons(p) and not p.auto


# --- amounts -------------------------------------------------------------------------------------


def test_one_receipt_pays_several_invoices_subset_sum() -> None:
    items = [
        item("A", "100.10", day="2025-01-01"),
        item("B", "250.20", day="2025-01-02"),
        item("C", "333.30", day="2025-01-03"),
        item("D", "480.40", day="2025-01-04"),
        *OTHERS,
    ]
    (p,) = match([receipt("813.70", name="华东商贸")], items)  # C + D, and no other combination
    assert applied(p) == {"C": "333.30", "D": "480.40"}
    assert "amount_sum" in reasons(p)
    (p,) = match([receipt("350.30", name="华东商贸")], items)  # the two oldest
    assert applied(p) == {"A": "100.10", "B": "250.20"}


def test_several_receipts_pay_one_invoice() -> None:
    items = [item("A", "10000.00", doc="INV-2025-0007"), *OTHERS]
    ps = match(
        [
            receipt("6000.00", remark="INV-2025-0007 首付", name="华东商贸", txn="T1"),
            receipt("4000.00", remark="INV-2025-0007 尾款", name="华东商贸", txn="T2"),
        ],
        items,
    )
    assert [applied(p) for p in ps] == [{"A": "6000.00"}, {"A": "4000.00"}]
    assert "partial_payment" in reasons(ps[0]) and not ps[0].auto


def test_partial_payment_without_reference_goes_to_the_oldest_for_review() -> None:
    items = [item("A", "5000.00", day="2025-01-01"), item("B", "7000.00", day="2025-02-01"), *OTHERS]
    memory = Memory.of(accounts=[("6222000011112222", "C1")])
    (p,) = match([receipt("3000.00", account="6222000011112222")], items, memory)
    assert applied(p) == {"A": "3000.00"} and "partial_payment_oldest" in reasons(p) and not p.auto


def test_short_payment_within_fee_tolerance_closes_the_invoice() -> None:
    items = [item("A", "5000.00", doc="INV-2025-0031"), *OTHERS]
    (p,) = match([receipt("4985.00", remark="INV-2025-0031", name="上海华东商贸有限公司")], items)
    assert applied(p) == {"A": "4985.00"}
    assert p.applications[0].writeoff_minor == 1500
    assert "fee_within_tolerance" in reasons(p)
    # Beyond tolerance (¥50 or 0.5%) it is a partial payment.
    (p,) = match([receipt("4900.00", remark="INV-2025-0031", name="上海华东商贸有限公司")], items)
    assert p.applications[0].writeoff_minor == 0 and "partial_payment" in reasons(p)
    # The tolerance is configurable.
    strict = Settings(short_minor_max=1000, short_ratio_max=Decimal("0"))
    (p,) = match(
        [receipt("4985.00", remark="INV-2025-0031", name="上海华东商贸有限公司")], items, settings=strict
    )
    assert "partial_payment" in reasons(p)


def test_currency_must_match() -> None:
    items = [item("U", "1234.56", currency="USD", doc="INV-2025-0044"), *OTHERS]
    (p,) = match([receipt("1234.56", remark="INV-2025-0044", currency="CNY")], items)
    assert p.applications == ()
    (p,) = match([receipt("1234.56", remark="INV-2025-0044", currency="USD")], items)
    assert applied(p) == {"U": "1234.56"}


def test_advance_and_unrelated_receipts_get_no_proposal() -> None:
    items = [item("A", "5000.00"), *OTHERS]
    (p,) = match([receipt("3000.00", name="华东商贸", remark="预付货款")], items)
    assert p.applications == () and "advance_or_refund" in reasons(p)
    (p,) = match([receipt("12.34", name="中国工商银行", remark="结息")], items)
    assert p.applications == ()


def test_threshold_decides_auto() -> None:
    items = [item("A", "1234.56"), *OTHERS]
    (p,) = match([receipt("1234.56", name="华东商贸")], items, settings=Settings(threshold=0.999))
    assert applied(p) == {"A": "1234.56"} and not p.auto


# --- properties ----------------------------------------------------------------------------------

amounts = st.integers(min_value=1, max_value=5_000_000)


@settings(max_examples=60, deadline=None)
@given(
    opens=st.lists(st.tuples(st.integers(0, 3), amounts), min_size=1, max_size=25),
    pays=st.lists(st.tuples(st.integers(0, 3), amounts, st.integers(0, 30)), min_size=1, max_size=25),
)
def test_never_applies_more_than_received_or_open(
    opens: list[tuple[int, int]], pays: list[tuple[int, int, int]]
) -> None:
    names = [
        "上海华东商贸有限公司",
        "北京远航电子有限公司",
        "深圳鑫达科技股份有限公司",
        "杭州恒泰实业有限公司",
    ]
    items = [
        OpenItem(f"I{k}", f"C{c}", names[c], f"INV-2025-{k:04d}", D, D, amt, "CNY")
        for k, (c, amt) in enumerate(opens)
    ]
    receipts = [
        BankReceipt(f"T{k}", D, amt, "CNY", names[c][2:6], "", f"INV-2025-{ref:04d}")
        for k, (c, amt, ref) in enumerate(pays)
    ]
    total: dict[str, int] = {}
    for p in match(receipts, items):
        r = next(r for r in receipts if r.txn_id == p.txn_id)
        assert sum(a.applied_minor for a in p.applications) <= r.amount_minor
        for a in p.applications:
            assert a.applied_minor > 0
            total[a.item_id] = total.get(a.item_id, 0) + a.applied_minor + a.writeoff_minor
    for it in items:
        assert total.get(it.item_id, 0) <= it.open_minor


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), amounts, st.booleans(), st.booleans()), min_size=1, max_size=30))
def test_auto_proposals_are_exact_on_clean_data(data: list[tuple[int, int, bool, bool]]) -> None:
    """Clean data: each receipt pays one invoice in full, by its customer's registered name,
    with or without the invoice number in the remark. Whatever is applied automatically is right."""
    names = [
        "上海华东商贸有限公司",
        "北京远航电子有限公司",
        "深圳鑫达科技股份有限公司",
        "杭州恒泰实业有限公司",
    ]
    items = [
        OpenItem(f"I{k}", f"C{c}", names[c], f"INV-2025-{k + 1:04d}", D, D, amt, "CNY")
        for k, (c, amt, _r, _n) in enumerate(data)
    ]
    receipts = [
        BankReceipt(
            f"T{k}", D, amt, "CNY", names[c] if named else "", "", f"INV-2025-{k + 1:04d}" if ref else "货款"
        )
        for k, (c, amt, ref, named) in enumerate(data)
    ]
    for p in match(receipts, items):
        if p.auto:
            k = int(p.txn_id[1:])
            assert {a.item_id: a.applied_minor for a in p.applications} == {f"I{k}": data[k][1]}
