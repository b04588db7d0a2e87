"""Payment matching, pure: which open bills does each outgoing bank line pay?"""

from __future__ import annotations

from datetime import date

from yecai.payables.domain import BankPayment, Memory, OpenBill, Settings, SupplierInfo, is_fee, match

SUPPLIERS = [
    SupplierInfo("S1", "江南制造有限公司", "6222 0001"),
    SupplierInfo("S2", "华北材料"),
    SupplierInfo("S3", "上海远航电子科技有限公司"),
]
D = date(2025, 4, 1)


def bills(*rows: tuple[int, str, str, int, str]) -> list[OpenBill]:
    return [OpenBill(i, s, no, inv, date(2025, 3, i), amt) for i, s, no, amt, inv in rows]


def pay(txn: str, amount: int, name: str = "", account: str = "", remark: str = "") -> BankPayment:
    return BankPayment(txn, D, amount, "CNY", name, account, remark)


def test_fee_lines_are_not_payments() -> None:
    assert is_fee(pay("1", 1500, remark="跨行汇划手续费"))
    assert is_fee(pay("1", 200, name="", remark="Bank charge"))
    assert not is_fee(pay("1", 500_000_00, remark="手续费"))  # too large to be a fee
    assert not is_fee(pay("1", 1500, "江南制造有限公司", remark="货款"))
    out = match(
        [pay("1", 1500, remark="手续费")], bills((1, "S1", "PB-2025-0001", 1500, "")), SUPPLIERS, Memory()
    )
    assert out == []


def test_supplier_invoice_number_names_the_bill_among_equal_amounts() -> None:
    b = bills((1, "S2", "PB-2025-0001", 50000, "04400001"), (2, "S2", "PB-2025-0002", 50000, "04400002"))
    (p,) = match([pay("1", 50000, "华北材料", remark="付发票04400002")], b, SUPPLIERS, Memory())
    assert p.supplier_code == "S2" and [(a.bill_id, a.amount_minor) for a in p.allocations] == [(2, 50000)]
    assert p.auto and {r.code for r in p.reasons} >= {"reference_match", "amount_exact"}


def test_same_amount_twice_without_reference_waits_for_a_person() -> None:
    b = bills((1, "S1", "PB-2025-0001", 30000, ""), (2, "S1", "PB-2025-0002", 30000, ""))
    (p,) = match([pay("1", 30000, account="6222-0001")], b, SUPPLIERS, Memory())
    assert p.supplier_code == "S1" and p.allocations[0].bill_id == 1  # the oldest is proposed
    assert not p.auto and "amount_ambiguous" in {r.code for r in p.reasons}


def test_two_lines_never_pay_the_same_bill_twice() -> None:
    b = bills((1, "S1", "PB-2025-0001", 30000, ""))
    p1, p2 = match(
        [pay("1", 30000, account="6222 0001"), pay("2", 30000, account="6222 0001")], b, SUPPLIERS, Memory()
    )
    assert p1.auto and p1.allocations[0].bill_id == 1
    assert not p2.auto and p2.allocations == ()


def test_memory_of_a_payee_name_and_threshold() -> None:
    b = bills((1, "S3", "PB-2025-0001", 12000, ""))
    line = pay("1", 12000, "远航电子(个人)", "")
    (cold,) = match([line], b, SUPPLIERS, Memory())
    assert not cold.auto
    (warm,) = match([line], b, SUPPLIERS, Memory.of(names=[("远航电子(个人)", "S3")]))
    assert warm.auto and warm.supplier_code == "S3"
    (strict,) = match(
        [line], b, SUPPLIERS, Memory.of(names=[("远航电子(个人)", "S3")]), Settings(threshold=1.0)
    )
    assert not strict.auto


def test_overpayment_is_never_automatic() -> None:
    b = bills((1, "S1", "PB-2025-0001", 10000, ""))
    (p,) = match([pay("1", 15000, account="6222 0001", remark="PB-2025-0001")], b, SUPPLIERS, Memory())
    assert not p.auto and "overpayment" in {r.code for r in p.reasons} and p.allocated_minor == 10000


def test_a_bill_named_for_another_suppliers_account_waits() -> None:
    b = bills((1, "S2", "PB-2025-0001", 70000, ""))
    (p,) = match([pay("1", 70000, "江南制造有限公司", "6222 0001", "PB-2025-0001")], b, SUPPLIERS, Memory())
    assert p.supplier_code == "S2" and not p.auto
    assert ("supplier_ambiguous", "S1") in {(r.code, r.detail) for r in p.reasons}
