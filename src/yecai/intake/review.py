"""The invoice review queue: from a file to a draft vendor bill, with a person where needed.

``submit`` reads the file (OFD/XML exactly, text PDFs directly, images and scans by OCR),
refuses a duplicate before anything is stored, proposes the supplier (matched by tax id, name
or what earlier corrections taught), items and expense categories (from history) and the
purchase order that fits. When every check passes, every field is read with confidence and the
supplier is known, the invoice is drafted at once: a draft vendor bill over the matched order
(never posted here). Otherwise it waits in the queue with its reasons; a person sees the image
beside the fields, ``correct``s them, and ``accept``s (or ``reject``s). Accepted corrections are
remembered, so the next invoice from that seller is matched without help.

Each command is one transaction; the slow reading (OCR) happens before it opens.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yecai.core.errors import NotFound, YecaiError
from yecai.core.i18n import N_
from yecai.core.money import format_minor, to_minor
from yecai.intake import dupes
from yecai.intake.domain import (
    CONFIDENCE_FIELDS,
    Invoice,
    InvoiceLine,
    clean_tax_id,
    cn_date,
    confidence,
    dec,
    rate,
    tax_dec,
    to_contract,
)
from yecai.intake.guard import DEFAULT_LIMITS, Limits
from yecai.intake.models_review import IntakeInvoice, IntakeMemory
from yecai.ledger.models import Company
from yecai.masterdata.models import Item, Supplier
from yecai.purchasing.models import PurchaseOrder, PurchaseOrderLine, VendorBill, VendorBillLine
from yecai.security.domain import Perm
from yecai.store.base import utcnow
from yecai.store.uow import UnitOfWork

AUTO_CONFIDENCE_MIN = 0.9  # every required field at least this sure, or a person looks
REQUIRED_FIELDS = (
    "invoice_number",
    "issue_date",
    "seller_name",
    "seller_tax_id",
    "buyer_tax_id",
    "total_net",
    "total_tax",
    "total_with_tax",
    "lines",
)
SUPPLIER_NAME_RATIO_MIN = 0.85
ITEM_NAME_RATIO_MIN = 0.6
ORDER_TOLERANCE_FEN = 100  # an order fits when its billable total is within ¥1 (or 0.5%)
QUEUE_LIMIT_MAX = 500
SUPPLIERS_SCANNED_MAX = 5000
LINE_FIELDS = ("name", "spec", "unit", "quantity", "unit_price", "amount", "tax_rate", "tax")
EDITABLE = tuple(k for k in CONFIDENCE_FIELDS if k != "lines") + ("total_in_words",)

# Why an invoice waits for a person: English msgids, translated in the catalogs.
FIELD_LABELS = {
    "invoice_type": N_("Invoice type"),
    "invoice_code": N_("Invoice code"),
    "invoice_number": N_("Invoice number"),
    "issue_date": N_("Issue date"),
    "seller_name": N_("Seller"),
    "seller_tax_id": N_("Seller tax id"),
    "buyer_name": N_("Buyer"),
    "buyer_tax_id": N_("Buyer tax id"),
    "total_net": N_("Total net"),
    "total_tax": N_("Total tax"),
    "total_with_tax": N_("Total with tax"),
    "total_in_words": N_("Total in capitals (大写)"),
    "currency": N_("Currency"),
    "check_code": N_("Check code"),
    "remarks": N_("Remarks"),
}
LINE_LABELS = {
    "name": N_("Item name"),
    "spec": N_("Specification"),
    "unit": N_("Unit"),
    "quantity": N_("Quantity"),
    "unit_price": N_("Unit price"),
    "amount": N_("Amount"),
    "tax_rate": N_("Tax rate"),
    "tax": N_("Tax"),
}
LINES_LABEL = N_("Lines")
CHECK_LABELS = {
    "net_plus_tax_equals_total": N_("Net + tax = total"),
    "lines_sum_to_net": N_("Lines add up to the net total"),
    "lines_sum_to_tax": N_("Line taxes add up to the tax total"),
    "amount_in_words": N_("Capitals (大写) equal the figure"),
    "seller_tax_id_valid": N_("Seller tax id check digit"),
    "buyer_tax_id_valid": N_("Buyer tax id check digit"),
    "buyer_is_company": N_("The buyer is this company"),
}
REASONS = {
    "check_failed": N_("Check failed: {name} ({detail})"),
    "low_confidence": N_("Read with low confidence: {fields}"),
    "company_tax_id_missing": N_("The company has no tax id on record, so the buyer cannot be checked"),
    "new_supplier": N_("No supplier matches {name} ({tax_id}); a new supplier is proposed"),
    "no_lines": N_("No item lines were read"),
    "supplier_similar": N_("The supplier {code_} {name} was matched by a similar name only; confirm it"),
}
# What drafting an invoice says about the bill it made (or could not make), stored as codes with
# their parameters (``IntakeInvoice.note``, a JSON list) and put in the reader's language when shown.
NOTES = {
    "no_order": N_("no purchase order fits"),
    "no_department": N_("no department to charge the expenses to; add one and make the bill by hand"),
    "department_default": N_("department {dept} proposed without history"),
    "line_no_amount": N_("line {line}: no amount to bill"),
    "line_tax_rate": N_("line {line}: tax rate {rate} has no input tax code"),
    "line_category_guessed": N_("line {line}: category {category} guessed, please check"),
    "line_stock_item": N_(
        "line {line}: stock item {item} needs an order and a receipt; billed as {category}"
    ),
}
NOTE_MAX = 500  # the column's width


class IntakeWrongState(YecaiError):
    code = "intake.wrong_state"
    template = "Invoice #{id} is no longer waiting for review; it cannot be changed here"
    http_status = 409


class UnknownInvoiceField(YecaiError):
    code = "intake.unknown_field"
    template = "{name} is not a field of an invoice that can be corrected"


class InvalidCorrection(YecaiError):
    code = "intake.invalid_correction"
    template = "{value!r} is not a valid {name}"


class InvoiceChecksFailed(YecaiError):
    code = "intake.checks_failed"
    template = "The invoice cannot be accepted: check {name} fails ({detail}); correct the fields first"


class InvoiceFieldMissing(YecaiError):
    code = "intake.field_missing"
    template = "The invoice cannot be accepted without {name}"


# --- fields as stored ----------------------------------------------------------------------------


def _fields_of(inv: Invoice, contract: dict[str, Any]) -> dict[str, Any]:
    """The stored working copy: the contract plus what re-checking needs (大写, source, and
    the confidence of the reading itself before checks)."""
    out = {k: v for k, v in contract.items() if k not in ("confidence", "checks")}
    out["total_in_words"] = inv.total_in_words
    out["source"] = inv.source
    base = confidence(inv, [])
    out["read_confidence"] = base
    return out


def invoice_of(fields: dict[str, Any]) -> Invoice:
    """Rebuild the Invoice from stored (possibly corrected) fields."""
    lines = tuple(
        InvoiceLine(
            name=str(ln.get("name") or ""),
            spec=str(ln.get("spec") or ""),
            unit=str(ln.get("unit") or ""),
            quantity=dec(ln.get("quantity")),
            unit_price=dec(ln.get("unit_price")),
            amount=dec(ln.get("amount")),
            tax_rate=rate(ln.get("tax_rate")),
            tax=dec(ln.get("tax")),
            tax_rate_text=str(ln.get("tax_rate") or ""),
        )
        for ln in fields.get("lines") or ()
    )
    return Invoice(
        source=str(fields.get("source") or "ocr"),
        invoice_type=str(fields.get("invoice_type") or ""),
        invoice_code=str(fields.get("invoice_code") or ""),
        invoice_number=str(fields.get("invoice_number") or ""),
        issue_date=cn_date(fields.get("issue_date")),
        seller_name=str(fields.get("seller_name") or ""),
        seller_tax_id=clean_tax_id(fields.get("seller_tax_id")),
        buyer_name=str(fields.get("buyer_name") or ""),
        buyer_tax_id=clean_tax_id(fields.get("buyer_tax_id")),
        total_net=dec(fields.get("total_net")),
        total_tax=dec(fields.get("total_tax")),
        total_with_tax=dec(fields.get("total_with_tax")),
        total_in_words=str(fields.get("total_in_words") or ""),
        currency=str(fields.get("currency") or "CNY"),
        check_code=str(fields.get("check_code") or ""),
        remarks=str(fields.get("remarks") or ""),
        lines=lines,
        field_confidence={k: float(v) for k, v in (fields.get("read_confidence") or {}).items()},
    )


def evaluate(fields: dict[str, Any], company_tax_id: str) -> dict[str, Any]:
    """Checks and confidence of the working copy, as the contract shows them."""
    inv = invoice_of(fields)
    contract = to_contract(inv, company_tax_id=company_tax_id or None, company_given=True)
    return {"confidence": contract["confidence"], "checks": contract["checks"]}


def reasons_of(
    fields: dict[str, Any], evaluation: dict[str, Any], supplier: dict[str, Any]
) -> list[dict[str, str]]:
    """Why the invoice cannot be drafted without a person; empty when it can."""
    out: list[dict[str, str]] = []
    for c in evaluation["checks"]:
        if c["passed"] is False:
            out.append({"code": "check_failed", "name": c["name"], "detail": c["detail"]})
        elif c["name"] == "buyer_is_company" and c["passed"] is None:
            out.append({"code": "company_tax_id_missing"})
    conf = evaluation["confidence"]
    low = []
    for key in REQUIRED_FIELDS:
        if conf.get(key, 0.0) < AUTO_CONFIDENCE_MIN:
            if key == "lines" and not fields.get("lines"):
                out.append({"code": "no_lines"})
            else:
                low.append(f"{key}={conf.get(key, 0.0):.2f}")
    if low:
        out.append({"code": "low_confidence", "fields": ",".join(low)})
    if supplier.get("code") and supplier.get("confirm"):
        out.append(
            {
                "code": "supplier_similar",
                "name": str(supplier.get("name") or ""),
                "code_": str(supplier["code"]),
            }
        )
    if not supplier.get("code"):
        out.append(
            {
                "code": "new_supplier",
                "name": str(supplier.get("name") or ""),
                "tax_id": str(supplier.get("tax_id") or "-"),
            }
        )
    return out


def reason_text(reason: dict[str, str], locale: str = "zh_CN") -> str:
    from yecai.core.i18n import gettext

    params = {k: v for k, v in reason.items() if k != "code"}
    if reason["code"] == "low_confidence" and "fields" not in params:  # one field per reason, as first stored
        params["fields"] = f"{params.pop('field', '?')}={params.pop('value', '0')}"
    if "name" in params and params["name"] in CHECK_LABELS:
        params["name"] = gettext(CHECK_LABELS[params["name"]], locale)
    if "fields" in params:
        sep = "、" if locale.startswith("zh") else ", "
        params["fields"] = sep.join(
            f"{gettext(FIELD_LABELS.get(k, LINES_LABEL if k == 'lines' else k), locale)} {float(v):.0%}"
            for k, _sep, v in (p.partition("=") for p in params["fields"].split(","))
        )
    return gettext(REASONS[reason["code"]], locale).format(**params)


Note = dict[str, Any]  # {"code": a NOTES key or "error", "params": {...}} (errors: "template" too)


def _note(code: str, **params: Any) -> Note:
    return {"code": code, "params": {k: str(v)[:80] for k, v in params.items()}}


def _error_note(exc: YecaiError) -> Note:
    """A refusal of the bill service, kept as its error code, template and parameters."""
    return {
        "code": "error",
        "error": exc.code,
        "template": exc.template,
        "params": {k: str(v)[:80] for k, v in exc.params.items()},
    }


def dump_notes(notes: list[Note]) -> str:
    """The notes as stored: JSON within the column's width (the last notes give way)."""
    kept = list(notes)
    while kept:
        text = json.dumps(kept, ensure_ascii=False)
        if len(text) <= NOTE_MAX:
            return text
        kept.pop()
    return ""


def note_text(note: str, locale: str = "zh_CN") -> str:
    """A stored note in ``locale``. Notes are JSON lists of codes (``dump_notes``); a reason typed
    by the person who rejected an invoice, and notes stored as English text before notes had codes,
    are plain text: the latter are translated piece by piece where they read as one of NOTES."""
    if not note:
        return ""
    items = _parse_notes(note)
    if items is None:
        sep = "；" if locale.startswith("zh") else "; "
        return sep.join(_legacy_note(piece, locale) for piece in note.split("; "))
    return notes_text(items, locale)


def notes_text(items: list[Note], locale: str = "zh_CN") -> str:
    """Notes (codes and parameters, as in a view's ``notes``) in ``locale``, joined."""
    from yecai.core.i18n import gettext
    from yecai.core.vocabulary import translated_params

    out = []
    for item in items:
        params = dict(item.get("params") or {})
        if item.get("code") == "error":
            msgid = str(item.get("template") or "")
            params = translated_params(params, locale)
        else:
            msgid = NOTES.get(str(item.get("code")), "")
        try:
            out.append(gettext(msgid, locale).format(**params) if msgid else str(item.get("code")))
        except (KeyError, IndexError, ValueError):  # a template changed since: say it untranslated
            out.append(msgid)
    return ("；" if locale.startswith("zh") else "; ").join(out)


def note_items(note: str) -> list[Note]:
    """The stored notes as codes and parameters (empty for plain text)."""
    return _parse_notes(note) or []


def _parse_notes(note: str) -> list[Note] | None:
    if not note.startswith("[{"):
        return None
    try:
        items = json.loads(note)
    except ValueError:
        return None
    if not isinstance(items, list) or not all(isinstance(i, dict) and "code" in i for i in items):
        return None
    return items


def _legacy_patterns() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for msgid in NOTES.values():
        rx = re.escape(msgid)
        for name in re.findall(r"\{(\w+)\}", msgid):
            rx = rx.replace(re.escape("{" + name + "}"), f"(?P<{name}>.+?)", 1)
        out.append((re.compile(f"^{rx}$"), msgid))
    return out


_LEGACY = _legacy_patterns()


def _legacy_note(piece: str, locale: str) -> str:
    from yecai.core.i18n import gettext

    for rx, msgid in _LEGACY:
        m = rx.match(piece)
        if m:
            return gettext(msgid, locale).format(**m.groupdict())
    return piece


# --- matching: supplier, items and categories, purchase order -------------------------------------

_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司")


def norm_name(name: str) -> str:
    """'上海 华东电子科技有限公司' → '上海华东电子科技': what two spellings of a party share."""
    s = re.sub(r"[\s()（）]", "", name or "").upper()
    for suffix in _SUFFIXES:
        if s.endswith(suffix) and len(s) > len(suffix) + 1:
            s = s[: -len(suffix)]
            break
    return s


def bare_item_name(name: str) -> str:
    """'*办公用品*打印纸' → '打印纸' (the tax category prefix removed)."""
    return re.sub(r"^\*[^*]*\*", "", re.sub(r"\s", "", name or ""))


def tax_category(name: str) -> str:
    m = re.match(r"^\*([^*]+)\*", re.sub(r"\s", "", name or ""))
    return m.group(1) if m else ""


def _memory(s: Session, company_id: int, kind: str, key: str) -> str | None:
    if not key:
        return None
    return s.execute(
        select(IntakeMemory.target).where(
            IntakeMemory.company_id == company_id, IntakeMemory.kind == kind, IntakeMemory.key == key[:200]
        )
    ).scalar_one_or_none()


def remember(s: Session, company_id: int, kind: str, key: str, target: str) -> None:
    if not key or not target:
        return
    row = s.execute(
        select(IntakeMemory).where(
            IntakeMemory.company_id == company_id, IntakeMemory.kind == kind, IntakeMemory.key == key[:200]
        )
    ).scalar_one_or_none()
    if row is None:
        s.add(IntakeMemory(company_id=company_id, kind=kind, key=key[:200], target=target[:60], hits=1))
    else:
        row.hits = (row.hits or 0) + 1 if row.target == target else 1
        row.target = target[:60]
        row.updated_at = utcnow()


def _supplier_dict(sup: Supplier, how: str, score: float) -> dict[str, Any]:
    return {"code": sup.code, "name": sup.name, "tax_id": sup.tax_id, "how": how, "score": round(score, 3)}


def match_supplier(s: Session, company_id: int, tax_id: str, name: str) -> dict[str, Any]:
    """Memory of corrections first, then the tax id, then the name (exact, then similar)."""

    def by_code(code: str | None) -> Supplier | None:
        if not code:
            return None
        return s.execute(
            select(Supplier).where(Supplier.company_id == company_id, Supplier.code == code)
        ).scalar_one_or_none()

    if tax_id:
        sup = by_code(_memory(s, company_id, "supplier", f"tax:{tax_id}"))
        if sup is not None:
            return _supplier_dict(sup, "memory", 1.0)
        sup = s.execute(
            select(Supplier).where(Supplier.company_id == company_id, Supplier.tax_id == tax_id).limit(1)
        ).scalar_one_or_none()
        if sup is not None:
            return _supplier_dict(sup, "tax_id", 1.0)
    key = norm_name(name)
    if key:
        sup = by_code(_memory(s, company_id, "supplier", f"name:{key}"))
        if sup is not None:
            return _supplier_dict(sup, "memory", 0.95)
        best: tuple[float, Supplier | None] = (0.0, None)
        for sup in s.execute(
            select(Supplier)
            .where(Supplier.company_id == company_id, Supplier.enabled.is_(True))
            .limit(SUPPLIERS_SCANNED_MAX)
        ).scalars():
            other = norm_name(sup.name)
            if other == key:
                # the same name but a different tax id on record is not the same party
                if not (tax_id and sup.tax_id and sup.tax_id != tax_id):
                    return _supplier_dict(sup, "name", 0.95)
                continue
            ratio = difflib.SequenceMatcher(None, key, other).ratio()
            if ratio > best[0] and not (tax_id and sup.tax_id and sup.tax_id != tax_id):
                best = (ratio, sup)
        if best[1] is not None and best[0] >= SUPPLIER_NAME_RATIO_MIN:
            # a similar name is a proposal only: a person confirms it
            proposal = _supplier_dict(best[1], "similar_name", best[0] * 0.8)
            proposal["confirm"] = True
            return proposal
    return {"code": None, "name": name, "tax_id": tax_id, "how": "new", "score": 0.0}


def _history_items(s: Session, company_id: int, supplier_id: int | None) -> list[Item]:
    if supplier_id is None:
        return []
    billed = (
        select(VendorBillLine.item_id)
        .join(VendorBill, VendorBill.id == VendorBillLine.bill_id)
        .where(VendorBill.company_id == company_id, VendorBill.supplier_id == supplier_id)
    )
    ordered = (
        select(PurchaseOrderLine.item_id)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(PurchaseOrder.company_id == company_id, PurchaseOrder.supplier_id == supplier_id)
    )
    ids = set(s.execute(billed.limit(2000)).scalars()) | set(s.execute(ordered.limit(2000)).scalars())
    ids.discard(None)  # lines without an order need not name an item
    return list(s.execute(select(Item).where(Item.id.in_(ids))).scalars()) if ids else []


def propose_lines(
    s: Session, company_id: int, supplier: dict[str, Any], lines: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per invoice line: the item (memory, the supplier's history, the item list by name) and
    the expense category (memory, the item's category, the tax category printed on the line)."""
    sup_code = supplier.get("code") or ""
    sup_id = (
        s.execute(
            select(Supplier.id).where(Supplier.company_id == company_id, Supplier.code == sup_code)
        ).scalar_one_or_none()
        if sup_code
        else None
    )
    history = _history_items(s, company_id, sup_id)
    out = []
    for ln in lines:
        name = str(ln.get("name") or "")
        bare = bare_item_name(name)
        item: Item | None = None
        how = ""
        code = _memory(s, company_id, "item", f"{sup_code}|{bare}") or _memory(s, company_id, "item", bare)
        if code:
            item = s.execute(
                select(Item).where(Item.company_id == company_id, Item.code == code)
            ).scalar_one_or_none()
            how = "memory" if item else ""
        if item is None and history:
            ratio, cand = max(
                ((difflib.SequenceMatcher(None, bare, i.name).ratio(), i) for i in history),
                key=lambda t: t[0],
            )
            if ratio >= ITEM_NAME_RATIO_MIN:
                item, how = cand, "history"
        if item is None and bare:
            item = s.execute(
                select(Item).where(Item.company_id == company_id, Item.name == bare).limit(1)
            ).scalar_one_or_none()
            how = "name" if item else ""
        category = (
            _memory(s, company_id, "category", bare) or (item.category if item else "") or tax_category(name)
        )
        out.append({"item": item.code if item else None, "item_how": how, "category": category})
    return out


def match_order(
    s: Session, company_id: int, supplier_code: str | None, total_minor: int | None
) -> dict[str, Any] | None:
    """The supplier's open purchase order whose received-not-billed total fits the invoice."""
    from yecai.sales import domain as sales_domain

    if not supplier_code or total_minor is None:
        return None
    sup_id = s.execute(
        select(Supplier.id).where(Supplier.company_id == company_id, Supplier.code == supplier_code)
    ).scalar_one_or_none()
    if sup_id is None:
        return None
    best: tuple[int, dict[str, Any]] | None = None
    orders = s.execute(
        select(PurchaseOrder)
        .where(
            PurchaseOrder.company_id == company_id,
            PurchaseOrder.supplier_id == sup_id,
            PurchaseOrder.status == "open",
        )
        .order_by(PurchaseOrder.date.desc())
        .limit(200)
    ).scalars()
    for o in orders:
        open_lines = [ln for ln in o.lines if ln.received_e4 > ln.billed_e4]
        if not open_lines:
            continue
        splits = sales_domain.split_tax(
            [
                (
                    sales_domain.line_amount_minor(ln.received_e4 - ln.billed_e4, ln.unit_price),
                    ln.tax_rate,
                    o.prices_include_tax,
                )
                for ln in open_lines
            ]
        )
        billable = sum(sp.total_minor for sp in splits)
        diff = abs(billable - total_minor)
        if diff <= max(ORDER_TOLERANCE_FEN, total_minor // 200) and (best is None or diff < best[0]):
            best = (
                diff,
                {
                    "id": o.id,
                    "no": o.no,
                    "billable": format_minor(billable),
                    "difference": format_minor(diff),
                },
            )
    return best[1] if best else None


# --- views ---------------------------------------------------------------------------------------


def _loads(text: str | None, default: Any) -> Any:
    return json.loads(text) if text else default


def _view(s: Session, row: IntakeInvoice, company_tax_id: str, *, locale: str = "zh_CN") -> dict[str, Any]:
    fields = _loads(row.fields_json, {})
    evaluation = evaluate(fields, company_tax_id)
    proposal = _loads(row.proposal_json, {})
    reasons = _loads(row.reasons_json, [])
    bill_no = s.get(VendorBill, row.vendor_bill_id).no if row.vendor_bill_id else None  # type: ignore[union-attr]
    return {
        "id": row.id,
        "status": row.status,
        "source": row.source,
        "file_name": row.file_name,
        "media_type": row.media_type,
        "invoice_code": row.invoice_code,
        "invoice_number": row.invoice_number,
        "seller_name": row.seller_name,
        "seller_tax_id": row.seller_tax_id,
        "issue_date": row.issue_date.isoformat() if row.issue_date else None,
        "total_with_tax": format_minor(row.total_minor) if row.total_minor is not None else None,
        "confidence_min": row.confidence_pm / 1000,
        "fields": {k: v for k, v in fields.items() if k not in ("read_confidence", "source")},
        "confidence": evaluation["confidence"],
        "checks": evaluation["checks"],
        "reasons": [{**r, "text": reason_text(r, locale)} for r in reasons],
        "proposal": proposal,
        "corrections": _loads(row.corrections_json, []),
        "vendor_bill": bill_no,
        "vendor_bill_id": row.vendor_bill_id,
        "note": note_text(row.note, locale),
        "notes": note_items(row.note),
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "created_by": row.created_by,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "decided_by": row.decided_by,
    }


def _company_tax_id(company: Company) -> str:
    if company.tax_id:
        return str(company.tax_id)
    return str(_loads(company.settings_json, {}).get("tax_id") or "")


def _load(s: Session, company: Company, invoice_id: int, *, for_update: bool = False) -> IntakeInvoice:
    q = select(IntakeInvoice).where(IntakeInvoice.company_id == company.id, IntakeInvoice.id == invoice_id)
    if for_update:
        q = q.with_for_update()
    row = s.execute(q).scalar_one_or_none()
    if row is None:
        raise NotFound(what="intake invoice", key=invoice_id, field="id")
    return row


def _total_minor(fields: dict[str, Any]) -> int | None:
    value = dec(fields.get("total_with_tax"))
    if value is None:
        return None
    try:
        return to_minor(value.quantize(Decimal("0.01")))
    except YecaiError:
        return None


def _index_fields(row: IntakeInvoice, fields: dict[str, Any]) -> None:
    row.invoice_code = str(fields.get("invoice_code") or "")[:20]
    row.invoice_number = str(fields.get("invoice_number") or "")[:20]
    row.number_key = (
        dupes.number_key(row.invoice_code, row.invoice_number) if row.status != "rejected" else None
    )
    row.seller_tax_id = clean_tax_id(fields.get("seller_tax_id"))[:20]
    row.seller_name = str(fields.get("seller_name") or "")[:200]
    row.issue_date = cn_date(fields.get("issue_date"))
    row.total_minor = _total_minor(fields)


def _refuse_dupe(s: Session, company_id: int, fields: dict[str, Any], exclude_id: int | None = None) -> None:
    dupes.refuse_duplicate(
        s,
        company_id,
        code=str(fields.get("invoice_code") or ""),
        number=str(fields.get("invoice_number") or ""),
        seller_tax_id=clean_tax_id(fields.get("seller_tax_id")),
        seller_name=str(fields.get("seller_name") or ""),
        total_minor=_total_minor(fields),
        issue_date=cn_date(fields.get("issue_date")),
        exclude_id=exclude_id,
    )


def _propose(s: Session, company_id: int, fields: dict[str, Any], pinned: dict[str, Any]) -> dict[str, Any]:
    """Supplier, lines and order; what a person pinned (a supplier, an order, items) is kept."""
    if pinned.get("supplier_pinned") and pinned.get("supplier", {}).get("code"):
        supplier = pinned["supplier"]
    else:
        supplier = match_supplier(
            s, company_id, clean_tax_id(fields.get("seller_tax_id")), str(fields.get("seller_name") or "")
        )
    lines = propose_lines(s, company_id, supplier, list(fields.get("lines") or ()))
    for i, pinned_line in enumerate(pinned.get("lines") or ()):
        if i < len(lines) and pinned_line.get("pinned"):
            lines[i] = pinned_line
    order = (
        pinned.get("order")
        if pinned.get("order_pinned")
        else match_order(s, company_id, supplier.get("code"), _total_minor(fields))
    )
    return {
        "supplier": supplier,
        "supplier_pinned": bool(pinned.get("supplier_pinned")),
        "lines": lines,
        "order": order,
        "order_pinned": bool(pinned.get("order_pinned")),
    }


def _min_confidence(evaluation: dict[str, Any]) -> int:
    conf = evaluation["confidence"]
    return int(round(min(conf.get(k, 0.0) for k in REQUIRED_FIELDS) * 1000))


# --- use cases -----------------------------------------------------------------------------------


def submit(
    uow: UnitOfWork,
    company_code: str,
    data: bytes,
    file_name: str = "",
    *,
    limits: Limits = DEFAULT_LIMITS,
    auto_draft: bool = True,
) -> dict[str, Any]:
    """Take in one invoice file. Refused files (hostile, unreadable, duplicates) leave only an
    audit entry. Returns the queue entry (status queued or drafted)."""
    from yecai.intake import service

    sha = hashlib.sha256(data).hexdigest()
    with uow:  # fail fast on a wrong company before the slow reading
        uow.company(company_code, Perm.VOUCHER_CREATE)
    try:
        inv = service.read_invoice(data, file_name, limits)
        with uow:
            company = uow.company(company_code, Perm.VOUCHER_CREATE)
            s = uow.session
            tax_id = _company_tax_id(company)
            contract = to_contract(inv, company_tax_id=tax_id or None, company_given=True)
            fields = _fields_of(inv, contract)
            _refuse_dupe(s, company.id, fields)
            proposal = _propose(s, company.id, fields, {})
            evaluation = evaluate(fields, tax_id)
            reasons = reasons_of(fields, evaluation, proposal["supplier"])
            row = IntakeInvoice(
                company_id=company.id,
                status="queued",
                source=inv.source[:20],
                file_name=file_name[:255],
                media_type=_media_type(data),
                file_sha256=sha,
                file_bytes=data,
                extracted_json=json.dumps(contract, ensure_ascii=False),
                fields_json=json.dumps(fields, ensure_ascii=False),
                corrections_json="[]",
                reasons_json=json.dumps(reasons, ensure_ascii=False),
                proposal_json=json.dumps(proposal, ensure_ascii=False),
                confidence_pm=_min_confidence(evaluation),
                created_by=uow.actor.username[:60],
            )
            _index_fields(row, fields)
            s.add(row)
            try:
                s.flush()
            except IntegrityError:  # the same invoice taken in by a concurrent request
                raise dupes.DuplicateInvoice(
                    number=row.number_key or "?", existing="?", field="invoice_number"
                ) from None
            uow.audit(
                "intake_invoice.submit",
                "intake_invoice",
                row.id,
                company_id=company.id,
                after={"file": file_name, "sha256": sha, "number": row.invoice_number, "reasons": reasons},
            )
            if auto_draft and not reasons:
                _draft(uow, company, row, fields, proposal, decided_by="auto")
            view = _view(s, row, tax_id, locale=uow.actor.locale)
            uow.commit()
            return view
    except YecaiError as exc:
        _audit_refusal(uow, company_code, file_name, sha, exc)
        raise


def _media_type(data: bytes) -> str:
    from yecai.intake import ocr

    kind = ocr.image_kind(data)
    if kind:
        return f"image/{kind}"
    if b"%PDF-" in data[:1024]:
        return "application/pdf"
    if data[:4] == b"PK\x03\x04":
        return "application/ofd"
    return "application/xml"


def _audit_refusal(uow: UnitOfWork, company_code: str, file_name: str, sha: str, exc: YecaiError) -> None:
    try:
        with uow:
            company = uow.company(company_code, Perm.VOUCHER_CREATE)
            uow.audit(
                "intake_invoice.refused",
                "intake_invoice",
                "",
                company_id=company.id,
                after={"file": file_name, "sha256": sha, "code": exc.code, "message": exc.render("en")},
            )
            uow.commit()
    except YecaiError:
        pass


def queue(
    uow: UnitOfWork, company_code: str, *, status: str | None = "queued", limit: int = 100
) -> list[dict[str, Any]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        q = select(IntakeInvoice).where(IntakeInvoice.company_id == company.id)
        if status:
            q = q.where(IntakeInvoice.status == status)
        rows = uow.session.execute(
            q.order_by(IntakeInvoice.id.desc()).limit(max(1, min(limit, QUEUE_LIMIT_MAX)))
        ).scalars()
        return [
            {
                "id": r.id,
                "status": r.status,
                "file_name": r.file_name,
                "invoice_number": r.invoice_number,
                "issue_date": r.issue_date.isoformat() if r.issue_date else None,
                "seller_name": r.seller_name,
                "total_with_tax": format_minor(r.total_minor) if r.total_minor is not None else None,
                "confidence_min": r.confidence_pm / 1000,
                "reasons": len(_loads(r.reasons_json, [])),
                "vendor_bill_id": r.vendor_bill_id,
                "created_at": r.created_at.isoformat() if r.created_at else None,
            }
            for r in rows
        ]


def counts(uow: UnitOfWork, company_code: str) -> dict[str, int]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        rows = uow.session.execute(
            select(IntakeInvoice.status, func.count())
            .where(IntakeInvoice.company_id == company.id)
            .group_by(IntakeInvoice.status)
        ).all()
        return {str(k): int(v) for k, v in rows}


def show(uow: UnitOfWork, company_code: str, invoice_id: int) -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        row = _load(uow.session, company, invoice_id)
        return _view(uow.session, row, _company_tax_id(company), locale=uow.actor.locale)


def file_of(uow: UnitOfWork, company_code: str, invoice_id: int) -> tuple[bytes, str, str]:
    """(bytes, media type, file name) of the stored file."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        row = _load(uow.session, company, invoice_id)
        return bytes(row.file_bytes), row.media_type, row.file_name


def preview_png(uow: UnitOfWork, company_code: str, invoice_id: int) -> bytes | None:
    """The page a person looks at: images as PNG, the first page of a PDF rendered; None for
    OFD/XML (their fields were read exactly)."""
    import io

    from yecai.intake import ocr

    data, media, _name = file_of(uow, company_code, invoice_id)
    if media.startswith("image/"):
        ocr.check_image(data)
        img = ocr._decode(data)
    elif media == "application/pdf":
        pages = ocr.render_pdf_pages(data)
        if not pages:
            return None
        img = pages[0]
    else:
        return None
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def _check_value(name: str, value: Any) -> Any:
    text = "" if value is None else str(value).strip()
    if name in ("total_net", "total_tax", "total_with_tax", "quantity", "unit_price", "amount", "tax"):
        if text == "":
            return None
        d = dec(text)
        if d is None or not re.fullmatch(r"-?[\d,]*\.?\d*", text.replace("¥", "").replace(" ", "")):
            raise InvalidCorrection(value=value, name=name, field=name)
        return str(d)
    if name == "issue_date":
        d = cn_date(text)
        if text and d is None:
            raise InvalidCorrection(value=value, name=name, field=name)
        return d.isoformat() if d else None
    if name in ("seller_tax_id", "buyer_tax_id"):
        return clean_tax_id(text)
    return text


def correct(
    uow: UnitOfWork,
    company_code: str,
    invoice_id: int,
    changes: dict[str, Any],
    *,
    supplier: str | None = None,
    order: str | None = None,
    line_items: dict[int, dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Correct fields of a queued invoice. ``changes``: field → value, or 'lines[2].amount' →
    value (1-based lines), or 'lines[3]' → None to drop a line. ``supplier``/``order`` pin the
    supplier code / purchase order number; ``line_items`` pins {line: {item, category}}.
    Every change is kept with who made it; corrected fields are trusted (confidence 1)."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        row = _load(s, company, invoice_id, for_update=True)
        if row.status != "queued":
            raise IntakeWrongState(id=row.id, field="status")
        fields = _loads(row.fields_json, {})
        read_conf = dict(fields.get("read_confidence") or {})
        lines = [dict(ln) for ln in fields.get("lines") or ()]
        log = _loads(row.corrections_json, [])
        who, when = uow.actor.username, utcnow().isoformat()
        drop: set[int] = set()
        for key, raw in changes.items():
            m = re.fullmatch(r"lines\[(\d+)\](?:\.(\w+))?", key)
            if m:
                idx = int(m.group(1)) - 1
                if idx == len(lines) and m.group(2):
                    lines.append({k: None for k in LINE_FIELDS})
                if not 0 <= idx < len(lines):
                    raise UnknownInvoiceField(name=key, field=key)
                if m.group(2) is None:
                    if raw is None:
                        drop.add(idx)
                        log.append({"field": key, "from": lines[idx], "to": None, "by": who, "at": when})
                        continue
                    raise UnknownInvoiceField(name=key, field=key)
                name = m.group(2)
                if name not in LINE_FIELDS:
                    raise UnknownInvoiceField(name=key, field=key)
                value = _check_value(name, raw)
                if name == "tax_rate" and value:
                    value = (
                        value if value.endswith("%") or value in ("免税", "不征税", "***") else f"{value}%"
                    )
                old = lines[idx].get(name)
                if old != value:
                    log.append({"field": key, "from": old, "to": value, "by": who, "at": when})
                    lines[idx][name] = value
                read_conf["lines"] = 1.0
                continue
            if key not in EDITABLE:
                raise UnknownInvoiceField(name=key, field=key)
            value = _check_value(key, raw)
            old = fields.get(key)
            if old != value:
                log.append({"field": key, "from": old, "to": value, "by": who, "at": when})
                fields[key] = value
            read_conf[key] = 1.0
        fields["lines"] = [ln for i, ln in enumerate(lines) if i not in drop]
        fields["read_confidence"] = read_conf
        pinned = _loads(row.proposal_json, {})
        if supplier is not None:
            from yecai.masterdata import service as md

            sup = md.supplier_by_code(s, company.id, supplier)
            pinned["supplier"] = _supplier_dict(sup, "person", 1.0)
            pinned["supplier_pinned"] = True
            log.append({"field": "supplier", "from": None, "to": sup.code, "by": who, "at": when})
        if order is not None:
            pinned["order"] = _order_ref(s, company, order) if order else None
            pinned["order_pinned"] = True
            log.append({"field": "order", "from": None, "to": order or None, "by": who, "at": when})
        if line_items:
            plines = list(pinned.get("lines") or [])
            while len(plines) < len(fields["lines"]):
                plines.append({"item": None, "item_how": "", "category": ""})
            for n, choice in line_items.items():
                if not 1 <= n <= len(plines):
                    raise UnknownInvoiceField(name=f"lines[{n}]", field=f"lines[{n}]")
                item_code = choice.get("item") or None
                if item_code:
                    from yecai.masterdata import service as md

                    md.item_by_code(s, company.id, item_code, field=f"lines[{n}].item")
                plines[n - 1] = {
                    "item": item_code,
                    "item_how": "person",
                    "category": choice.get("category") or plines[n - 1].get("category") or "",
                    "pinned": True,
                }
                log.append(
                    {"field": f"lines[{n}].item", "from": None, "to": plines[n - 1], "by": who, "at": when}
                )
            pinned["lines"] = plines
        _refuse_dupe(s, company.id, fields, exclude_id=row.id)
        proposal = _propose(s, company.id, fields, pinned)
        tax_id = _company_tax_id(company)
        evaluation = evaluate(fields, tax_id)
        reasons = reasons_of(fields, evaluation, proposal["supplier"])
        row.fields_json = json.dumps(fields, ensure_ascii=False)
        row.corrections_json = json.dumps(log, ensure_ascii=False)
        row.proposal_json = json.dumps(proposal, ensure_ascii=False)
        row.reasons_json = json.dumps(reasons, ensure_ascii=False)
        row.confidence_pm = _min_confidence(evaluation)
        _index_fields(row, fields)
        uow.audit(
            "intake_invoice.correct",
            "intake_invoice",
            row.id,
            company_id=company.id,
            after={"changes": {k: (None if v is None else str(v)) for k, v in changes.items()}},
        )
        s.flush()
        view = _view(s, row, tax_id, locale=uow.actor.locale)
        uow.commit()
        return view


def _order_ref(s: Session, company: Company, ref: str) -> dict[str, Any]:
    q = select(PurchaseOrder).where(PurchaseOrder.company_id == company.id)
    q = (
        q.where(PurchaseOrder.id == int(ref))
        if ref.strip().isdigit()
        else q.where(PurchaseOrder.no == ref.strip())
    )
    o = s.execute(q).scalar_one_or_none()
    if o is None:
        raise NotFound(what="purchase order", key=ref, field="order")
    return {"id": o.id, "no": o.no, "billable": None, "difference": None}


def accept(uow: UnitOfWork, company_code: str, invoice_id: int) -> dict[str, Any]:
    """A person confirms a queued invoice: it must pass every check and not be a duplicate;
    a new supplier is created from the invoice; the draft vendor bill is made over the order."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        row = _load(s, company, invoice_id, for_update=True)
        if row.status != "queued":
            raise IntakeWrongState(id=row.id, field="status")
        fields = _loads(row.fields_json, {})
        tax_id = _company_tax_id(company)
        evaluation = evaluate(fields, tax_id)
        for c in evaluation["checks"]:
            if c["passed"] is False:
                raise InvoiceChecksFailed(name=c["name"], detail=c["detail"], field=c["name"])
        for key in ("invoice_number", "issue_date", "seller_name", "total_with_tax"):
            if not fields.get(key):
                raise InvoiceFieldMissing(name=key, field=key)
        _refuse_dupe(s, company.id, fields, exclude_id=row.id)
        proposal = _propose(s, company.id, fields, _loads(row.proposal_json, {}))
        _draft(uow, company, row, fields, proposal, decided_by=uow.actor.username)
        view = _view(s, row, tax_id, locale=uow.actor.locale)
        uow.commit()
        return view


def reject(uow: UnitOfWork, company_code: str, invoice_id: int, reason: str = "") -> dict[str, Any]:
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        row = _load(s, company, invoice_id, for_update=True)
        if row.status != "queued":
            raise IntakeWrongState(id=row.id, field="status")
        row.status = "rejected"
        row.number_key = None  # it may come in again, read better
        row.note = reason.strip()[:500]
        row.decided_at = utcnow()
        row.decided_by = uow.actor.username[:60]
        uow.audit(
            "intake_invoice.reject",
            "intake_invoice",
            row.id,
            company_id=company.id,
            after={"reason": row.note},
        )
        s.flush()
        view = _view(s, row, _company_tax_id(company), locale=uow.actor.locale)
        uow.commit()
        return view


def _draft(
    uow: UnitOfWork,
    company: Company,
    row: IntakeInvoice,
    fields: dict[str, Any],
    proposal: dict[str, Any],
    *,
    decided_by: str,
) -> None:
    """Make the draft: the supplier (created when new), the draft vendor bill over the order
    that fits, and what this taught (supplier and item memory)."""
    from yecai.masterdata import service as md
    from yecai.purchasing import service as purchasing

    s = uow.session
    supplier = dict(proposal["supplier"])
    if not supplier.get("code"):
        code = _new_supplier_code(s, company.id, supplier)
        md.create_party(
            uow,
            company.code,
            "supplier",
            code=code,
            name=str(fields.get("seller_name") or supplier.get("name") or code),
            tax_id=clean_tax_id(fields.get("seller_tax_id")),
        )
        s.flush()  # the session does not autoflush
        supplier = {**supplier, "code": code, "how": "created"}
    sup = md.supplier_by_code(s, company.id, supplier["code"])
    row.supplier_id = sup.id
    notes: list[Note] = []
    order = proposal.get("order")
    if order:
        row.order_id = int(order["id"])
        # The order was chosen because its received-not-billed total fits, so the bill is
        # made at the order's prices and passes the three-way match; it is not posted here.
        bill = purchasing.create_bill(
            uow,
            company.code,
            supplier=sup.code,
            day=cn_date(fields.get("issue_date")) or date.today(),
            orders=[int(order["id"])],
            invoice_no=str(fields.get("invoice_number") or ""),
            post=False,
        )
        row.vendor_bill_id = int(bill["id"])
    else:
        bill_id, more = _draft_without_order(uow, company, sup, fields, proposal)
        row.vendor_bill_id = bill_id
        notes += more
    row.status = "drafted"
    row.decided_at = utcnow()
    row.decided_by = decided_by[:60]
    row.note = dump_notes(notes)
    row.proposal_json = json.dumps({**proposal, "supplier": supplier}, ensure_ascii=False)
    # what this invoice taught: its seller is this supplier, its lines these items/categories
    tax = clean_tax_id(fields.get("seller_tax_id"))
    if tax:
        remember(s, company.id, "supplier", f"tax:{tax}", sup.code)
    remember(s, company.id, "supplier", f"name:{norm_name(str(fields.get('seller_name') or ''))}", sup.code)
    for ln, prop in zip(fields.get("lines") or (), proposal.get("lines") or (), strict=False):
        bare = bare_item_name(str(ln.get("name") or ""))
        if prop.get("item"):
            remember(s, company.id, "item", f"{sup.code}|{bare}", prop["item"])
        if prop.get("category"):
            remember(s, company.id, "category", bare, prop["category"])
    if row.vendor_bill_id is not None and not order:
        bill = s.get(VendorBill, row.vendor_bill_id)
        if bill is not None and bill.lines and bill.lines[0].department:
            remember(s, company.id, "department", sup.code, bill.lines[0].department)
    uow.audit(
        "intake_invoice.draft",
        "intake_invoice",
        row.id,
        company_id=company.id,
        after={
            "supplier": sup.code,
            "order": (order or {}).get("no"),
            "vendor_bill_id": row.vendor_bill_id,
            "by": decided_by,
            "note": note_text(row.note, "en"),
        },
    )


# The tax category printed on an invoice line (*办公用品*打印纸) → the expense category (费用类别)
# a bill without an order books it to; anything else is 其他 until a person says otherwise.
TAX_CATEGORY_EXPENSES: dict[str, str] = {
    "办公用品": "办公费",
    "纸制品": "办公费",
    "印刷品": "办公费",
    "计算机配套产品": "办公费",
    "经营租赁": "租赁费",
    "不动产租赁": "租赁费",
    "不动产经营租赁": "租赁费",
    "租赁服务": "租赁费",
    "物业管理": "租赁费",
    "供电": "水电费",
    "电力": "水电费",
    "水冰雪": "水电费",
    "自来水": "水电费",
    "燃气": "水电费",
    "鉴证咨询服务": "中介服务费",
    "咨询服务": "中介服务费",
    "法律服务": "中介服务费",
    "会计服务": "中介服务费",
    "审计服务": "中介服务费",
    "人力资源服务": "中介服务费",
    "经纪代理服务": "中介服务费",
    "运输服务": "运输费",
    "物流辅助服务": "运输费",
    "快递服务": "运输费",
    "收派服务": "运输费",
    "广告服务": "广告宣传费",
    "文化创意服务": "广告宣传费",
    "餐饮服务": "业务招待费",
    "住宿服务": "差旅费",
    "旅客运输服务": "差旅费",
}
DEFAULT_EXPENSE_CATEGORY = "其他"


def _expense_category(prop: dict[str, Any], name: str) -> tuple[str, str]:
    """(category, how): the proposal's when it is an expense category (memory, the item's), else
    the printed tax category mapped, else 其他 ('default': a person should look)."""
    from yecai.expenses.domain import CATEGORIES

    proposed = str(prop.get("category") or "")
    if proposed in CATEGORIES:
        return proposed, "proposal"
    for candidate in (proposed, tax_category(name)):
        if candidate in TAX_CATEGORY_EXPENSES:
            return TAX_CATEGORY_EXPENSES[candidate], "tax_category"
    return DEFAULT_EXPENSE_CATEGORY, "default"


def _propose_department(s: Session, company: Company, supplier: Supplier) -> tuple[str | None, str]:
    """(department code, how) to charge a bill without an order to: what this supplier's invoices
    were charged to before (memory, then its bills), else the first administrative department."""
    from yecai.expenses.service import department_kinds
    from yecai.ledger.models import DimensionValue

    def enabled(code: str | None) -> bool:
        return bool(code) and (
            s.execute(
                select(DimensionValue.id).where(
                    DimensionValue.company_id == company.id,
                    DimensionValue.dim_type == "department",
                    DimensionValue.code == code,
                    DimensionValue.enabled.is_(True),
                )
            ).first()
            is not None
        )

    remembered = _memory(s, company.id, "department", supplier.code)
    if enabled(remembered):
        return remembered, "memory"
    last = s.execute(
        select(VendorBillLine.department)
        .join(VendorBill, VendorBill.id == VendorBillLine.bill_id)
        .where(
            VendorBill.company_id == company.id,
            VendorBill.supplier_id == supplier.id,
            VendorBillLine.department != "",
        )
        .order_by(VendorBill.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if enabled(last):
        return last, "history"
    kinds = department_kinds(company)
    codes = list(
        s.execute(
            select(DimensionValue.code)
            .where(
                DimensionValue.company_id == company.id,
                DimensionValue.dim_type == "department",
                DimensionValue.enabled.is_(True),
            )
            .order_by(DimensionValue.code)
            .limit(500)
        ).scalars()
    )
    admin = [c for c in codes if kinds.get(c, "admin") == "admin"]
    if admin or codes:
        return (admin or codes)[0], "default"
    return None, ""


def _line_tax_code(ln: dict[str, Any], net: Decimal, tax: Decimal) -> str | None:
    """IN13 … IN0 from the rate printed on the line (免税/不征税: 0), else from tax / net."""
    from yecai.masterdata.domain import VAT_RATES

    r = rate(str(ln.get("tax_rate") or ""))
    if r is None:
        r = Decimal(0) if not tax else min(VAT_RATES, key=lambda v: abs(v - tax / net))
    if r not in VAT_RATES:
        return None
    return f"IN{int(r * 100)}"


def _draft_without_order(
    uow: UnitOfWork, company: Company, sup: Supplier, fields: dict[str, Any], proposal: dict[str, Any]
) -> tuple[int | None, list[Note]]:
    """No purchase order fits: a draft bill of lines without an order — each invoice line's net
    and tax, its expense category (proposed from history, the printed tax category, or 其他), the
    department this supplier is usually charged to, service items kept. Never posted here; what
    was guessed is said in the notes. Returns (bill id or None, notes)."""
    from yecai.purchasing import service as purchasing

    s = uow.session
    notes = [_note("no_order")]
    dept, dept_how = _propose_department(s, company, sup)
    if dept is None:
        notes.append(_note("no_department"))
        return None, notes
    if dept_how == "default":
        notes.append(_note("department_default", dept=dept))
    inv_lines = [dict(ln) for ln in fields.get("lines") or ()]
    props = list(proposal.get("lines") or ())
    if not inv_lines or any(dec(ln.get("amount")) is None for ln in inv_lines):
        inv_lines = [{"name": "", "amount": fields.get("total_net"), "tax": fields.get("total_tax")}]
        props = []
    items = {
        i.code: i
        for i in s.execute(
            select(Item).where(
                Item.company_id == company.id, Item.code.in_([p.get("item") for p in props if p.get("item")])
            )
        ).scalars()
    }
    lines: list[dict[str, Any]] = []
    for i, ln in enumerate(inv_lines):
        prop = props[i] if i < len(props) else {}
        net = dec(ln.get("amount"))
        tax = tax_dec(ln.get("tax")) or Decimal(0)
        if net is None or net <= 0:
            notes.append(_note("line_no_amount", line=i + 1))
            return None, notes
        code = _line_tax_code(ln, net, tax)
        if code is None:
            notes.append(_note("line_tax_rate", line=i + 1, rate=ln.get("tax_rate")))
            return None, notes
        name = str(ln.get("name") or "")
        category, how = _expense_category(prop, name)
        if how == "default":
            notes.append(_note("line_category_guessed", line=i + 1, category=category))
        line: dict[str, Any] = {
            "category": category,
            "department": dept,
            "net": str(net),
            "tax": str(tax),
            "tax_code": code,
            "description": bare_item_name(name)[:200],
        }
        item = items.get(str(prop.get("item") or ""))
        if item is not None and item.kind != "stock":
            line["item"] = item.code
        elif item is not None:
            notes.append(_note("line_stock_item", line=i + 1, item=item.code, category=category))
        lines.append(line)
    try:
        bill = purchasing.create_bill(
            uow,
            company.code,
            supplier=sup.code,
            day=cn_date(fields.get("issue_date")) or date.today(),
            lines=lines,
            invoice_no=str(fields.get("invoice_number") or ""),
            post=False,
        )
    except YecaiError as exc:  # checked before anything is written: the invoice waits as drafted
        notes.append(_error_note(exc))
        return None, notes
    return int(bill["id"]), notes


def _new_supplier_code(s: Session, company_id: int, supplier: dict[str, Any]) -> str:
    """A code for a supplier first met on an invoice: its tax id when it has one, else S-00n."""
    tax = str(supplier.get("tax_id") or "")
    candidates = [tax] if tax else []
    n = s.execute(
        select(func.count()).select_from(Supplier).where(Supplier.company_id == company_id)
    ).scalar_one()
    candidates += [f"S{int(n) + i:05d}" for i in range(1, 50)]
    for code in candidates:
        taken = s.execute(
            select(Supplier.id).where(Supplier.company_id == company_id, Supplier.code == code)
        ).first()
        if not taken:
            return code
    raise YecaiError()  # pragma: no cover - 50 taken codes in a row


def set_company_tax_id(uow: UnitOfWork, company_code: str, tax_id: str) -> dict[str, str]:
    """Record the company's own 统一社会信用代码 (validated), so that invoices addressed to
    another buyer are caught."""
    from yecai.masterdata.domain import normalize_tax_id

    value = normalize_tax_id(tax_id, field="tax_id")
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        before = company.tax_id
        company.tax_id = value
        uow.audit(
            "company.tax_id",
            "company",
            company.code,
            company_id=company.id,
            before={"tax_id": before},
            after={"tax_id": value},
        )
        uow.commit()
        return {"company": company.code, "tax_id": value}


__all__ = [
    "AUTO_CONFIDENCE_MIN",
    "accept",
    "correct",
    "counts",
    "file_of",
    "invoice_of",
    "match_supplier",
    "preview_png",
    "queue",
    "reject",
    "set_company_tax_id",
    "show",
    "submit",
]
