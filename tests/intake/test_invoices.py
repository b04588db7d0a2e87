"""Reading e-invoices (OFD, XML) and text-layer PDFs; cross-checks; the extract-only contract."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.intake import builders as b
from yecai.intake.domain import INVOICE_KEYS, LINE_KEYS, to_contract
from yecai.intake.service import extract_invoice, read_invoice
from yecai.intake.words import AmountWordsInvalid, parse_amount_words


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("壹仟零伍圆整", "1005.00"),
        ("叁佰贰拾元伍角", "320.50"),
        ("壹拾壹圆贰角", "11.20"),
        ("伍角叁分", "0.53"),
        ("壹佰零贰元零伍分", "102.05"),
        ("壹亿零叁万圆整", "100030000.00"),
        ("拾元整", "10.00"),
        ("壹拾万零伍佰圆整", "100500.00"),
        ("贰拾叁万肆仟伍佰陆拾柒圆捌角玖分", "234567.89"),
        ("⊗肆仟肆佰肆拾玖圆整", "4449.00"),
        ("负数壹佰圆整", "-100.00"),
    ],
)
def test_amount_in_words(words: str, value: str) -> None:
    assert parse_amount_words(words) == Decimal(value)


@pytest.mark.parametrize("words", ["", "壹贰圆", "壹仟圆伍", "壹圆贰角叁角", "hello"])
def test_amount_in_words_refused(words: str) -> None:
    with pytest.raises(AmountWordsInvalid):
        parse_amount_words(words)


def _check(d: dict, name: str) -> bool | None:
    return next(c["passed"] for c in d["checks"] if c["name"] == name)


def test_contract_keys_exact() -> None:
    d = extract_invoice(b.FP_XML.encode(), "inv.xml")
    assert tuple(d) == INVOICE_KEYS
    assert all(tuple(ln) == LINE_KEYS for ln in d["lines"])
    assert set(d["confidence"]) == set(INVOICE_KEYS) - {"confidence", "checks"}
    assert all(set(c) == {"name", "passed", "detail"} for c in d["checks"])
    assert all(0 <= v <= 1 for v in d["confidence"].values())
    for key in ("total_net", "total_tax", "total_with_tax"):
        assert isinstance(d[key], str)


def test_xml_invoice_fp_schema() -> None:
    d = extract_invoice(b.FP_XML.encode(), "inv.xml")
    assert d["invoice_type"] == "增值税电子普通发票"
    assert (d["invoice_code"], d["invoice_number"], d["issue_date"]) == (
        "011002000111",
        "12345678",
        "2025-03-05",
    )
    assert (d["seller_tax_id"], d["buyer_tax_id"]) == (b.SELLER_ID, b.BUYER_ID)
    assert (d["total_net"], d["total_tax"], d["total_with_tax"]) == ("1000.00", "130.00", "1130.00")
    assert d["check_code"] == "12345678901234567890"
    assert d["lines"][0] == {
        "name": "*办公用品*打印纸", "spec": "A4", "unit": "箱", "quantity": "6", "unit_price": "100",
        "amount": "600.00", "tax_rate": "13%", "tax": "78.00",
    }  # fmt: skip
    for name in ("net_plus_tax_equals_total", "lines_sum_to_net", "lines_sum_to_tax", "seller_tax_id_valid"):
        assert _check(d, name) is True
    assert _check(d, "buyer_is_company") is None


def test_sdp_xml_invoice_has_20_digit_number_and_no_code() -> None:
    d = extract_invoice(b.sdp_xml().encode(), "sdp.xml")
    assert d["invoice_number"] == "25312000000012345678" and d["invoice_code"] == ""
    assert d["lines"][0]["tax_rate"] == "6%"
    assert _check(d, "amount_in_words") is True


def test_words_disagreeing_with_figure_fail_and_lower_confidence() -> None:
    d = extract_invoice(b.sdp_xml(total="1060.00", words="壹仟零陆拾壹圆整").encode(), "sdp.xml")
    assert _check(d, "amount_in_words") is False
    assert d["confidence"]["total_with_tax"] < 1.0
    d = extract_invoice(b.sdp_xml(total="1070.00", words="壹仟零柒拾圆整").encode(), "sdp.xml")
    assert _check(d, "net_plus_tax_equals_total") is False
    assert d["confidence"]["total_tax"] == 0.5


def test_ofd_reads_the_attached_xml_and_checks_the_page_words() -> None:
    d = extract_invoice(b.ofd_with_attachment(), "a.ofd")
    assert d["invoice_number"] == "12345678" and len(d["lines"]) == 2
    assert _check(d, "amount_in_words") is True
    d = extract_invoice(b.ofd_with_attachment(words="壹仟圆整"), "a.ofd")
    assert _check(d, "amount_in_words") is False


def test_ofd_custom_tags_shudianpiao() -> None:
    d = extract_invoice(b.ofd_with_tags(), "s.ofd")
    assert d["invoice_number"] == "25112000000048542163" and d["invoice_code"] == ""
    assert d["invoice_type"] == "电子发票(数电票)"
    assert (d["total_net"], d["total_tax"], d["total_with_tax"]) == ("4197.17", "251.83", "4449.00")
    assert d["lines"][0]["name"] == "*信息技术服务*技术服务费"
    assert d["buyer_name"] == "海南测试买方有限公司" and d["issue_date"] == "2025-05-28"
    assert _check(d, "amount_in_words") is True
    assert _check(d, "lines_sum_to_net") is True
    assert 0 < d["confidence"]["invoice_number"] < 1


def test_chinese_vat_pdf_text_layer() -> None:
    d = extract_invoice(b.pdf(b.CN_VAT_LINES), "vat.pdf")
    assert d["invoice_number"] == "25312000000087654321" and d["issue_date"] == "2025-06-18"
    assert (d["buyer_name"], d["seller_name"]) == ("上海测试买方有限公司", "北京测试卖方有限公司")
    assert (d["buyer_tax_id"], d["seller_tax_id"]) == (b.BUYER_ID, b.SELLER_ID)
    assert (d["total_net"], d["total_tax"], d["total_with_tax"]) == ("1000.00", "130.00", "1130.00")
    assert [ln["amount"] for ln in d["lines"]] == ["600.00", "400.00"]
    assert d["lines"][0]["unit"] == "箱" and d["lines"][0]["spec"] == "A4"
    for name in ("net_plus_tax_equals_total", "lines_sum_to_net", "lines_sum_to_tax", "amount_in_words"):
        assert _check(d, name) is True, name


def test_foreign_pdf_generic_rules() -> None:
    inv = read_invoice(b.pdf(b.EN_LINES, chinese=False), "en.pdf")
    assert inv.invoice_number == "INV-2025-042"
    assert inv.issue_date is not None and inv.issue_date.isoformat() == "2025-03-04"
    assert (inv.total_net, inv.total_tax, inv.total_with_tax) == (
        Decimal("100.00"),
        Decimal("8.00"),
        Decimal("108.00"),
    )
    assert inv.currency == "USD" and inv.seller_name == "ACME Tools Ltd"
    d = to_contract(inv)
    assert d["confidence"]["seller_name"] < 0.5  # a guess, for a person to confirm


def test_buyer_tax_id_against_company(db, company) -> None:  # type: ignore[no-untyped-def]
    import json

    from sqlalchemy import select

    from tests.conftest import admin_actor
    from yecai.ledger.models import Company
    from yecai.store.uow import UnitOfWork

    uow = UnitOfWork(db, admin_actor(db))
    d = extract_invoice(b.FP_XML.encode(), "x.xml", uow=uow, company=company)
    check = next(c for c in d["checks"] if c["name"] == "buyer_is_company")
    assert check["passed"] is None and "no tax id" in check["detail"]
    with uow:
        row = uow.session.execute(select(Company).where(Company.code == company)).scalar_one()
        row.settings_json = json.dumps({"tax_id": b.BUYER_ID})
        uow.commit()
    assert (
        _check(extract_invoice(b.FP_XML.encode(), "x.xml", uow=uow, company=company), "buyer_is_company")
        is True
    )
    with uow:
        row = uow.session.execute(select(Company).where(Company.code == company)).scalar_one()
        row.settings_json = json.dumps({"tax_id": b.SELLER_ID})
        uow.commit()
    d = extract_invoice(b.FP_XML.encode(), "x.xml", uow=uow, company=company)
    assert _check(d, "buyer_is_company") is False and d["confidence"]["buyer_tax_id"] == 0.5


def test_exempt_tax_printed_as_stars_is_zero() -> None:
    xml = (
        b.FP_XML.replace("<fp:TaxTotalAmount>130.00", "<fp:TaxTotalAmount>***")
        .replace("<fp:TaxInclusiveTotalAmount>1130.00", "<fp:TaxInclusiveTotalAmount>1000.00")
        .replace("<fp:TaxAmount>78.00", "<fp:TaxAmount>***")
        .replace("<fp:TaxAmount>52.00", "<fp:TaxAmount>***")
        .replace("13%", "免税")
    )
    d = extract_invoice(xml.encode(), "x.xml")
    assert d["total_tax"] == "0.00" and d["lines"][0]["tax"] == "0.00" and d["lines"][0]["tax_rate"] == "免税"
    assert _check(d, "net_plus_tax_equals_total") is True
