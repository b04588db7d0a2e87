"""The invoice review queue: drafting, corrections that are remembered, duplicates, refusals.

Most invoices here are e-invoice XML (read exactly, fast); one generated scan goes through the
real OCR once per test session (it is CPU heavy) and is then reused on both databases.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.intake import builders as b
from yecai.intake import ocr, review
from yecai.intake.dupes import DuplicateInvoice, DuplicateInvoiceAmount
from yecai.intake.models_review import IntakeInvoice, IntakeMemory
from yecai.intake.ocr_sample import SampleInvoice, SampleLine, render
from yecai.ledger import service as ledger
from yecai.masterdata import service as md
from yecai.purchasing import service as purchasing
from yecai.security.models import AuditLog
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork


def _uow(db: Database, actor: Actor) -> UnitOfWork:
    return UnitOfWork(db, actor)


def _setup(db: Database, admin: Actor, company: str, *, supplier_tax_id: str = b.SELLER_ID) -> None:
    review.set_company_tax_id(_uow(db, admin), company, b.BUYER_ID)
    md.create_party(
        _uow(db, admin), company, "supplier", code="SUP1", name="北京测试卖方有限公司", tax_id=supplier_tax_id
    )
    md.create_item(_uow(db, admin), company, code="PAPER", name="打印纸", category="办公用品")
    md.create_item(_uow(db, admin), company, code="INK", name="墨盒", category="办公用品")
    md.create_warehouse(_uow(db, admin), company, code="WH1", name="总仓")
    ledger.add_dimension_values(_uow(db, admin), company, [("department", "ADM", "行政部")])


def _order(
    db: Database, admin: Actor, company: str, supplier: str = "SUP1", day: date = date(2025, 3, 1)
) -> dict:
    po = purchasing.create_order(
        _uow(db, admin),
        company,
        supplier=supplier,
        day=day,
        prices_include_tax=False,
        lines=[
            {"item": "PAPER", "qty": "6", "unit_price": "100"},
            {"item": "INK", "qty": "2", "unit_price": "200"},
        ],
    )
    purchasing.create_receipt(_uow(db, admin), company, order_id=po["id"], day=day, warehouse="WH1")
    return po


def _count(db: Database, company: str) -> int:
    with db.session() as s:
        from yecai.ledger.models import Company

        cid = s.execute(select(Company.id).where(Company.code == company)).scalar_one()
        return int(
            s.execute(
                select(func.count()).select_from(IntakeInvoice).where(IntakeInvoice.company_id == cid)
            ).scalar_one()
        )


def test_clean_invoice_with_a_fitting_order_becomes_a_draft_vendor_bill(
    db: Database, admin: Actor, company: str
) -> None:
    _setup(db, admin, company)
    po = _order(db, admin, company)
    got = review.submit(_uow(db, admin), company, b.FP_XML.encode(), "inv.xml")
    assert got["status"] == "drafted", got["reasons"]
    assert got["reasons"] == []
    assert got["proposal"]["supplier"]["code"] == "SUP1" and got["proposal"]["supplier"]["how"] == "tax_id"
    assert got["proposal"]["order"]["no"] == po["no"]
    assert [ln["item"] for ln in got["proposal"]["lines"]] == ["PAPER", "INK"]
    assert [ln["category"] for ln in got["proposal"]["lines"]] == ["办公用品", "办公用品"]
    bill = purchasing.get_bill(_uow(db, admin), company, got["vendor_bill_id"])
    assert bill["status"] == "draft"  # never posted by intake
    assert (bill["invoice_no"], bill["total"], bill["supplier"]) == ("12345678", "1130.00", "SUP1")
    assert review.queue(_uow(db, admin), company) == []


def test_duplicates_are_refused_before_anything_is_stored(db: Database, admin: Actor, company: str) -> None:
    _setup(db, admin, company)
    review.submit(_uow(db, admin), company, b.FP_XML.encode(), "inv.xml")
    assert _count(db, company) == 1
    with pytest.raises(DuplicateInvoice) as exc:
        review.submit(_uow(db, admin), company, b.FP_XML.encode(), "again.xml")
    assert exc.value.code == "intake.duplicate_invoice" and exc.value.http_status == 409
    assert "#" in exc.value.render("en") and "same invoice code and number" in exc.value.render("en")
    # another number, same seller + amount + date: the same invoice read differently
    other = b.FP_XML.replace("<fp:InvoiceNo>12345678</fp:InvoiceNo>", "<fp:InvoiceNo>12345679</fp:InvoiceNo>")
    with pytest.raises(DuplicateInvoiceAmount):
        review.submit(_uow(db, admin), company, other.encode(), "other.xml")
    assert _count(db, company) == 1
    with db.session() as s:
        refused = (
            s.execute(select(AuditLog).where(AuditLog.action == "intake_invoice.refused")).scalars().all()
        )
        files = {json.loads(r.after_json)["file"] for r in refused if r.after_json}
    assert {"again.xml", "other.xml"} <= files


def test_a_vendor_bill_keyed_in_by_hand_is_a_duplicate_too(db: Database, admin: Actor, company: str) -> None:
    _setup(db, admin, company)
    po = _order(db, admin, company)
    purchasing.create_bill(
        _uow(db, admin),
        company,
        supplier="SUP1",
        day=date(2025, 3, 5),
        orders=[po["id"]],
        invoice_no="12345678",
        post=False,
    )
    with pytest.raises(DuplicateInvoice):
        review.submit(_uow(db, admin), company, b.FP_XML.encode(), "inv.xml")


def test_failed_check_waits_then_correction_and_accept(db: Database, admin: Actor, company: str) -> None:
    _setup(db, admin, company)
    wrong_words = b.sdp_xml(words="壹仟零陆拾伍圆整")  # the capitals say 1065, the figure 1060
    got = review.submit(_uow(db, admin), company, wrong_words.encode(), "sdp.xml")
    assert got["status"] == "queued"
    assert {"check_failed"} <= {r["code"] for r in got["reasons"]}
    assert any(r.get("name") == "amount_in_words" and "大写" in r["text"] for r in got["reasons"])
    with pytest.raises(review.InvoiceChecksFailed):
        review.accept(_uow(db, admin), company, got["id"])
    fixed = review.correct(_uow(db, admin), company, got["id"], {"total_in_words": "壹仟零陆拾圆整"})
    assert fixed["corrections"][0]["field"] == "total_in_words" and fixed["corrections"][0]["by"] == "admin"
    assert all(c["passed"] is not False for c in fixed["checks"])
    done = review.accept(_uow(db, admin), company, got["id"])
    assert done["status"] == "drafted" and done["decided_by"] == "admin"
    # no order fits: a draft bill without an order, charged to the only department, never posted
    assert [n["code"] for n in done["notes"]] == ["no_order", "department_default", "line_category_guessed"]
    assert review.notes_text(done["notes"], "en") == (
        "no purchase order fits; department ADM proposed without history; "
        "line 1: category 其他 guessed, please check"  # *信息技术服务* names no expense category
    )
    assert done["note"] == review.notes_text(done["notes"], "zh_CN")  # in the user's language
    assert "没有" in done["note"] and "ADM" in done["note"] and "其他" in done["note"]
    bill = purchasing.get_bill(_uow(db, admin), company, done["vendor_bill_id"])
    assert (bill["status"], bill["supplier"], bill["invoice_no"]) == ("draft", "SUP1", "25312000000012345678")
    assert (bill["net"], bill["tax"], bill["total"]) == ("1000.00", "60.00", "1060.00")
    assert [
        (ln["kind"], ln["category"], ln["department"], ln["tax_code"], ln["description"])
        for ln in bill["lines"]
    ] == [("expense", "其他", "ADM", "IN6", "技术服务费")]
    assert bill["vouchers"] == []
    with pytest.raises(review.IntakeWrongState):
        review.accept(_uow(db, admin), company, got["id"])


def test_an_invoice_without_an_order_learns_its_category_and_department(
    db: Database, admin: Actor, company: str
) -> None:
    _setup(db, admin, company)
    ledger.add_dimension_values(_uow(db, admin), company, [("department", "AAA", "总经办")])
    md.create_item(
        _uow(db, admin),
        company,
        code="RENT",
        name="房屋租金",
        category="租赁费",
        tax_rate="0.09",
        kind="service",
    )
    first = review.submit(_uow(db, admin), company, b.sdp_xml().encode(), "a.xml")
    bill = purchasing.get_bill(_uow(db, admin), company, first["vendor_bill_id"])
    assert bill["lines"][0]["department"] == "AAA"  # the first administrative department, a guess
    # a person bills it to ADM as 中介服务费 by hand and posts it; the draft from intake is dropped
    purchasing.create_bill(
        _uow(db, admin),
        company,
        supplier="SUP1",
        day=date(2025, 4, 2),
        lines=[{"category": "中介服务费", "department": "ADM", "net": "500", "tax_code": "IN6"}],
    )
    with _uow(db, admin) as u:
        from yecai.ledger.models import Company

        cid = u.session.execute(select(Company.id).where(Company.code == company)).scalar_one()
        review.remember(u.session, cid, "category", "技术服务费", "中介服务费")
        u.session.execute(
            IntakeMemory.__table__.delete().where(
                IntakeMemory.company_id == cid, IntakeMemory.kind == "department"
            )
        )
        u.commit()
    other = (
        b.sdp_xml()
        .replace("25312000000012345678", "25312000000012345679")
        .replace("2025-04-01", "2025-04-03")
    )
    second = review.submit(_uow(db, admin), company, other.encode(), "b.xml")
    assert second["status"] == "drafted"
    bill2 = purchasing.get_bill(_uow(db, admin), company, second["vendor_bill_id"])
    # the category from memory, the department from this supplier's latest bill
    assert [(ln["category"], ln["department"]) for ln in bill2["lines"]] == [("中介服务费", "ADM")]
    assert [n["code"] for n in second["notes"]] == ["no_order"]
    # a duplicate is still caught before anything is drafted or posted
    with pytest.raises(DuplicateInvoice):
        review.submit(_uow(db, admin), company, other.encode(), "c.xml")


def test_no_department_no_draft_bill(db: Database, admin: Actor, company: str) -> None:
    review.set_company_tax_id(_uow(db, admin), company, b.BUYER_ID)
    md.create_party(
        _uow(db, admin), company, "supplier", code="SUP1", name="北京测试卖方有限公司", tax_id=b.SELLER_ID
    )
    got = review.submit(_uow(db, admin), company, b.sdp_xml().encode(), "a.xml")
    assert got["status"] == "drafted" and got["vendor_bill_id"] is None
    assert [n["code"] for n in got["notes"]] == ["no_order", "no_department"]
    assert "no department to charge" in review.notes_text(got["notes"], "en")


def test_bad_corrections_are_refused_and_nothing_changes(db: Database, admin: Actor, company: str) -> None:
    _setup(db, admin, company)
    got = review.submit(_uow(db, admin), company, b.sdp_xml(words="壹圆整").encode(), "sdp.xml")
    with pytest.raises(review.InvalidCorrection):
        review.correct(_uow(db, admin), company, got["id"], {"total_with_tax": "12,3x"})
    with pytest.raises(review.UnknownInvoiceField):
        review.correct(_uow(db, admin), company, got["id"], {"password": "x"})
    assert review.show(_uow(db, admin), company, got["id"])["corrections"] == []


def test_a_person_s_supplier_choice_is_remembered_for_the_next_invoice(
    db: Database, admin: Actor, company: str
) -> None:
    # the supplier is on record under another name and without a tax id: nothing matches
    review.set_company_tax_id(_uow(db, admin), company, b.BUYER_ID)
    md.create_party(_uow(db, admin), company, "supplier", code="BJ-01", name="北京卖方(老名称)")
    first = review.submit(_uow(db, admin), company, b.FP_XML.encode(), "a.xml")
    assert first["status"] == "queued"
    assert first["proposal"]["supplier"]["code"] is None
    assert {r["code"] for r in first["reasons"]} == {"new_supplier"}
    review.correct(_uow(db, admin), company, first["id"], {}, supplier="BJ-01")
    assert review.accept(_uow(db, admin), company, first["id"])["proposal"]["supplier"]["code"] == "BJ-01"
    second_xml = b.sdp_xml()  # same seller tax id, another invoice
    second = review.submit(_uow(db, admin), company, second_xml.encode(), "b.xml")
    assert second["proposal"]["supplier"]["code"] == "BJ-01"
    assert second["proposal"]["supplier"]["how"] == "memory"
    assert second["status"] == "drafted"


def test_a_new_supplier_is_created_on_accept(db: Database, admin: Actor, company: str) -> None:
    review.set_company_tax_id(_uow(db, admin), company, b.BUYER_ID)
    got = review.submit(_uow(db, admin), company, b.FP_XML.encode(), "a.xml")
    done = review.accept(_uow(db, admin), company, got["id"])
    assert done["proposal"]["supplier"]["code"] == b.SELLER_ID
    party = md.get_party(_uow(db, admin), company, "supplier", b.SELLER_ID)
    assert party.to_dict()["tax_id"] == b.SELLER_ID


def test_an_invoice_to_another_buyer_waits(db: Database, admin: Actor, company: str) -> None:
    _setup(db, admin, company)
    review.set_company_tax_id(_uow(db, admin), company, b.tax_id("91110000MA00000000"[:17]))
    got = review.submit(_uow(db, admin), company, b.FP_XML.encode(), "inv.xml")
    assert got["status"] == "queued"
    assert any(r.get("name") == "buyer_is_company" for r in got["reasons"])
    with pytest.raises(review.InvoiceChecksFailed):
        review.accept(_uow(db, admin), company, got["id"])
    assert review.reject(_uow(db, admin), company, got["id"], "not ours")["status"] == "rejected"
    # a rejected invoice does not block the same number coming in again
    review.set_company_tax_id(_uow(db, admin), company, b.BUYER_ID)
    assert review.submit(_uow(db, admin), company, b.FP_XML.encode(), "inv.xml")["status"] == "drafted"


# --- one real OCR run, reused ------------------------------------------------------------------

SCAN = SampleInvoice(
    invoice_number="25312000000011112222",
    issue_date="2025-03-10",
    buyer_name="上海测试买方有限公司",
    buyer_tax_id=b.BUYER_ID,
    seller_name="北京测试卖方有限公司",
    seller_tax_id=b.SELLER_ID,
    lines=(
        SampleLine("*办公用品*打印纸", "A4", "箱", "6", "100.00", "600.00", "13%", "78.00"),
        SampleLine("*办公用品*墨盒", "HP678", "个", "2", "200.00", "400.00", "13%", "52.00"),
    ),
    total_net="1000.00",
    total_tax="130.00",
    total_with_tax="1130.00",
    total_in_words="壹仟壹佰叁拾圆整",
    remarks="合同号HT-7",
)


@functools.cache
def _read_once(sha: str, data: bytes):  # type: ignore[no-untyped-def]
    return _real_read(data)


_real_read = ocr.read_image_invoice


def test_skewed_noisy_scan_waits_and_is_drafted_after_correction(
    db: Database, admin: Actor, company: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = render(SCAN, layout="sdp", dpi=150, rotate_deg=3.0, noise=0.4, seed=7)
    # the real OCR result, computed once per session for both databases
    monkeypatch.setattr(
        ocr, "read_image_invoice", lambda d, limits=None: _read_once(hashlib.sha256(d).hexdigest(), d)
    )
    _setup(db, admin, company)
    po = _order(db, admin, company)
    got = review.submit(_uow(db, admin), company, data, "scan.png")
    assert got["source"] == "ocr" and got["media_type"] == "image/png"
    assert got["status"] == "queued"
    assert any(r["code"] == "low_confidence" for r in got["reasons"])
    assert got["confidence_min"] < review.AUTO_CONFIDENCE_MIN
    png = review.preview_png(_uow(db, admin), company, got["id"])
    assert png is not None and png.startswith(b"\x89PNG")
    # a person puts every field right (whatever OCR got wrong) and accepts
    truth = SCAN.expected()
    changes: dict[str, object] = {
        k: v for k, v in truth.items() if k not in ("lines", "invoice_type") and got["fields"][k] != v
    }
    for i, (line, want) in enumerate(zip(got["fields"]["lines"], truth["lines"], strict=False), start=1):
        for key, value in want.items():
            if line.get(key) != value and not (
                key in ("quantity", "unit_price", "amount", "tax")
                and Decimal(line.get(key) or "-1") == Decimal(value)
            ):
                changes[f"lines[{i}].{key}"] = value
    fixed = review.correct(_uow(db, admin), company, got["id"], changes)
    assert fixed["fields"]["invoice_number"] == SCAN.invoice_number
    done = review.accept(_uow(db, admin), company, got["id"])
    assert done["status"] == "drafted"
    assert done["proposal"]["order"]["no"] == po["no"]
    bill = purchasing.get_bill(_uow(db, admin), company, done["vendor_bill_id"])
    assert (bill["status"], bill["total"], bill["invoice_no"]) == ("draft", "1130.00", SCAN.invoice_number)


def test_a_pixel_bomb_is_refused_and_nothing_is_stored(db: Database, admin: Actor, company: str) -> None:
    from tests.intake.test_ocr import png_claiming

    with pytest.raises(ocr.ImageTooLarge):
        review.submit(_uow(db, admin), company, png_claiming(60_000, 60_000), "bomb.png")
    assert _count(db, company) == 0


def test_a_supplier_matched_by_a_similar_name_only_is_confirmed_by_a_person(
    db: Database, admin: Actor, company: str
) -> None:
    review.set_company_tax_id(_uow(db, admin), company, b.BUYER_ID)
    md.create_party(_uow(db, admin), company, "supplier", code="BJ-02", name="北京测试卖方贸易有限公司")
    got = review.submit(_uow(db, admin), company, b.FP_XML.encode(), "a.xml")
    assert (
        got["proposal"]["supplier"]["code"] == "BJ-02"
        and got["proposal"]["supplier"]["how"] == "similar_name"
    )
    assert got["status"] == "queued"
    assert [r["code"] for r in got["reasons"]] == ["supplier_similar"]


def test_notes_are_shown_in_the_readers_language_and_old_notes_stay_readable(
    db: Database, admin: Actor, company: str
) -> None:
    from yecai.intake.models_review import IntakeInvoice

    review.set_company_tax_id(_uow(db, admin), company, b.BUYER_ID)
    md.create_party(
        _uow(db, admin), company, "supplier", code="SUP1", name="北京测试卖方有限公司", tax_id=b.SELLER_ID
    )
    got = review.submit(_uow(db, admin), company, b.sdp_xml().encode(), "a.xml")
    en = review.show(_uow(db, dataclasses.replace(admin, locale="en")), company, got["id"])
    assert en["note"] == (
        "no purchase order fits; no department to charge the expenses to; add one and make the bill by hand"
    )
    assert got["note"] != en["note"] and "部门" in got["note"]
    # a note stored as English text before notes had codes, and a refusal of the bill service
    legacy = "no purchase order fits; department ADM proposed without history; something else"
    assert review.note_text(legacy, "en") == legacy
    zh = review.note_text(legacy, "zh_CN")
    assert "ADM" in zh and "something else" in zh and "no purchase order fits" not in zh
    from yecai.core.errors import NotFound

    stored = review.dump_notes(
        [review._note("no_order"), review._error_note(NotFound(what="department", key="X9"))]
    )
    assert review.note_text(stored, "en") == "no purchase order fits; department X9 not found"
    assert "X9" in review.note_text(stored, "zh_CN") and "not found" not in review.note_text(stored, "zh_CN")
    # the stored text never outgrows its column
    many = [review._note("line_category_guessed", line=i, category="其他" * 30) for i in range(40)]
    assert 0 < len(review.dump_notes(many)) <= review.NOTE_MAX
    with _uow(db, admin) as u:
        row = u.session.get(IntakeInvoice, got["id"])
        assert row is not None
        row.note = legacy
        u.commit()
    again = review.show(_uow(db, dataclasses.replace(admin, locale="en")), company, got["id"])
    assert (again["note"], again["notes"]) == (legacy, [])
