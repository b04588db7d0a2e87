"""Expense claim use cases, the common Chinese SME practice (费用报销):

* a claim is entered as a draft by the claimant (or for them) — the employee and department are
  ledger dimension values; every line has a category, the amount paid and, with a special VAT
  invoice (专票), its deductible VAT;
* approval (审批), by someone other than the user who submitted it and holding the review
  permission, books the expense at once (权责发生制): Dr 6601xx/6602xx (department) and Dr 22210101
  input VAT / Cr 2241 其他应付款 — the claim is then owed to the employee;
* payment (付款) clears it: Dr 2241 / Cr 100201 (bank) or 1001 (cash). An employee advance
  (备用金借款: Dr 1221 其他应收款, employee / Cr bank) can be offset against the claim: Cr 1221 for
  the offset and only the rest leaves the bank.

2241 carries no dimension in the CAS chart, so what is owed per employee is read from the claims;
1221 requires the employee and holds the advances. The expense account is chosen by the rules from
the line's category and the department's kind (``set_department_kind``: sales → 6601xx,
otherwise 6602xx). Each state change posts in its own transaction or not at all."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yecai.core.errors import FieldRequired, NotFound
from yecai.core.money import format_minor, to_minor
from yecai.core.periods import Period
from yecai.expenses import domain
from yecai.expenses.models import EmployeeAdvance, ExpenseClaim, ExpenseClaimLine
from yecai.ledger.models import Company, DimensionValue
from yecai.ledger.service import LedgerIndex
from yecai.posting import service as posting
from yecai.posting.domain import DocumentWrongState
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

LINES_MAX = 200
LIST_LIMIT_MAX = 1000
MODELS: dict[str, Any] = {"expense_claim": ExpenseClaim, "employee_advance": EmployeeAdvance}
# For `yecai check`: (source type, model, {event: the statuses in which it must have been posted}).
POSTED: tuple[tuple[str, Any, dict[str, tuple[str, ...]]], ...] = (
    (
        "expense_claim",
        ExpenseClaim,
        {"expense_claim.approved": ("approved", "paid"), "expense_claim.paid": ("paid",)},
    ),
    ("employee_advance", EmployeeAdvance, {"employee_advance.paid": ("posted",)}),
)


# --- settings ------------------------------------------------------------------------------------


def department_kinds(company: Company) -> dict[str, str]:
    return dict(json.loads(company.settings_json or "{}").get("expenses", {}).get("department_kinds", {}))


def set_department_kind(uow: UnitOfWork, company_code: str, department: str, kind: str) -> dict[str, str]:
    """Whether a department's expenses are selling (sales → 6601xx) or administrative (admin → 6602xx)."""
    if kind not in domain.DEPARTMENT_KINDS:
        raise domain.InvalidDepartmentKind(value=kind, field="kind")
    with uow:
        company = uow.company(company_code, Perm.COMPANY_MANAGE)
        _dimension(uow.session, company, "department", department)
        settings = json.loads(company.settings_json or "{}")
        section = dict(settings.get("expenses", {}))
        kinds = dict(section.get("department_kinds", {}))
        before = dict(kinds)
        kinds[department] = kind
        section["department_kinds"] = kinds
        settings["expenses"] = section
        company.settings_json = json.dumps(settings, ensure_ascii=False, sort_keys=True)
        uow.audit(
            "expenses.settings", "company", company.code, company_id=company.id, before=before, after=kinds
        )
        uow.commit()
    return kinds


# --- helpers -------------------------------------------------------------------------------------


def _dimension(s: Session, company: Company, dim: str, code: str) -> DimensionValue:
    row = s.execute(
        select(DimensionValue).where(
            DimensionValue.company_id == company.id,
            DimensionValue.dim_type == dim,
            DimensionValue.code == code.strip(),
            DimensionValue.enabled.is_(True),
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(what=dim, key=code, field=dim)
    return row


_load = posting.load_document  # by id within the company, with lines, optionally locked


def _index(s: Session, company: Company, day: date) -> LedgerIndex:
    index = posting.ledger_index(s, company)
    index.check_period_open(Period.of(day))
    return index


def find_document_id(uow: UnitOfWork, company_code: str, doc_type: str, ref: str) -> int:
    """Resolve an id ('12') or a document number ('EC-2025-0001')."""
    model = MODELS[doc_type]
    return posting.resolve_document_id(uow, company_code, model, doc_type, ref)


def _people(s: Session, company: Company, claim: ExpenseClaim | EmployeeAdvance) -> dict[str, Any]:
    emp = _dimension(s, company, "employee", claim.employee)
    out: dict[str, Any] = {"employee": {"code": emp.code, "name": emp.name}}
    if isinstance(claim, ExpenseClaim):
        dept = _dimension(s, company, "department", claim.department)
        kind = department_kinds(company).get(dept.code, "admin")
        out["department"] = {"code": dept.code, "name": dept.name, "kind": kind}
    return out


# --- claims --------------------------------------------------------------------------------------


def create_claim(
    uow: UnitOfWork,
    company_code: str,
    *,
    employee: str,
    department: str,
    day: date,
    lines: Sequence[dict[str, Any]],
    attachments: int = 0,
    note: str = "",
) -> dict[str, Any]:
    """报销单 (draft). Lines: {category, amount (tax included), tax (default 0; only on a special
    VAT invoice), invoice_type (special | ordinary | none, default none), note}."""
    if not lines:
        raise FieldRequired(field_name="lines", field="lines")
    domain.check_attachments(attachments)
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        _dimension(s, company, "employee", employee)
        _dimension(s, company, "department", department)
        claim = ExpenseClaim(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "expense_claim", "EC", day.year),
            date=day,
            employee=employee.strip(),
            department=department.strip(),
            attachments=attachments,
            note=note[:200],
            created_by=uow.actor.username,
        )
        for i, raw in enumerate(lines[:LINES_MAX], start=1):
            f = f"lines[{i}]"
            invoice_type = domain.check_invoice_type(
                str(raw.get("invoice_type") or "none"), f"{f}.invoice_type"
            )
            split = domain.split_line(
                to_minor(raw.get("amount", "")), to_minor(raw.get("tax") or "0"), invoice_type, field=f
            )
            claim.lines.append(
                ExpenseClaimLine(
                    line_no=i,
                    category=domain.check_category(str(raw.get("category", "")), f"{f}.category"),
                    invoice_type=invoice_type,
                    net_minor=split.net_minor,
                    tax_minor=split.tax_minor,
                    total_minor=split.total_minor,
                    note=str(raw.get("note") or "")[:200],
                )
            )
        claim.net_minor = sum(ln.net_minor for ln in claim.lines)
        claim.tax_minor = sum(ln.tax_minor for ln in claim.lines)
        claim.total_minor = sum(ln.total_minor for ln in claim.lines)
        s.add(claim)
        s.flush()
        uow.audit(
            "expense_claim.create",
            "expense_claim",
            claim.id,
            company_id=company.id,
            after={"no": claim.no, "employee": claim.employee, "total": format_minor(claim.total_minor)},
        )
        uow.commit()
        return _claim_view(s, claim, company=company)


def _approval_snapshot(s: Session, company: Company, claim: ExpenseClaim, day: date) -> dict[str, Any]:
    return {
        "doc": {"no": claim.no, "date": day.isoformat(), "type": "expense_claim"},
        **_people(s, company, claim),
        "amounts": {"net": claim.net_minor, "tax": claim.tax_minor, "total": claim.total_minor},
        "lines": [
            {
                "line": {"no": ln.line_no, "category": ln.category, "invoice_type": ln.invoice_type},
                "amounts": {"net": ln.net_minor, "tax": ln.tax_minor, "total": ln.total_minor},
            }
            for ln in claim.lines
        ],
    }


def approve_claim(
    uow: UnitOfWork, company_code: str, claim_id: int, *, day: date | None = None
) -> dict[str, Any]:
    """审批: by someone other than its submitter; books the expense against 2241 (dated ``day``,
    by default the claim's date)."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_REVIEW)
        s = uow.session
        claim = _load(s, ExpenseClaim, company, claim_id, for_update=True)
        if claim.status != "draft":
            raise DocumentWrongState(doc=claim.no, status=claim.status, action="approve", field="status")
        if claim.created_by == uow.actor.username:
            raise domain.SelfApproval(user=uow.actor.username, claim=claim.no, field="status")
        on = day or claim.date
        index = _index(s, company, on)
        claim.status = "approved"
        claim.approved_by = uow.actor.username
        claim.approved_on = on
        posting.post_event(
            uow,
            company,
            "expense_claim.approved",
            _approval_snapshot(s, company, claim, on),
            source_id=claim.id,
            audit="expense_claim.approve",
            payload={"employee": claim.employee, "total": format_minor(claim.total_minor)},
            before={"status": "draft"},
            after={"status": "approved"},
            index=index,
        )
        uow.commit()
        return _claim_view(s, claim, company=company)


def preview_claim(uow: UnitOfWork, company_code: str, claim_id: int) -> dict[str, Any]:
    """The voucher approving this claim would post (on its date)."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        s = uow.session
        claim = _load(s, ExpenseClaim, company, claim_id)
        return posting.preview(
            s, company, "expense_claim.approved", _approval_snapshot(s, company, claim, claim.date)
        )


def cancel_claim(uow: UnitOfWork, company_code: str, claim_id: int) -> dict[str, Any]:
    """A draft claim is withdrawn; an approved one needs a reversal instead."""
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        claim = _load(s, ExpenseClaim, company, claim_id, for_update=True)
        if claim.status != "draft":
            raise DocumentWrongState(doc=claim.no, status=claim.status, action="cancel", field="status")
        claim.status = "cancelled"
        uow.audit(
            "expense_claim.cancel",
            "expense_claim",
            claim.id,
            company_id=company.id,
            before={"status": "draft"},
            after={"status": "cancelled"},
        )
        uow.commit()
        return _claim_view(s, claim, company=company)


def open_advances(s: Session, company_id: int, employee: str) -> list[EmployeeAdvance]:
    return list(
        s.execute(
            select(EmployeeAdvance)
            .where(
                EmployeeAdvance.company_id == company_id,
                EmployeeAdvance.employee == employee,
                EmployeeAdvance.status == "posted",
                EmployeeAdvance.amount_minor > EmployeeAdvance.offset_minor,
            )
            .order_by(EmployeeAdvance.date, EmployeeAdvance.id)
            .with_for_update()
        ).scalars()
    )


def pay_claim(
    uow: UnitOfWork,
    company_code: str,
    claim_id: int,
    *,
    day: date,
    method: str = "bank",
    offset: str | Decimal = "0",
) -> dict[str, Any]:
    """付款: Dr 2241 / Cr bank or cash; ``offset`` of the employee's open advances (oldest first)
    is cleared on 1221 instead of paid out."""
    domain.check_method(method)
    offset_minor = to_minor(offset)
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        claim = _load(s, ExpenseClaim, company, claim_id, for_update=True)
        if claim.status != "approved":
            raise DocumentWrongState(doc=claim.no, status=claim.status, action="pay", field="status")
        if offset_minor < 0 or offset_minor > claim.total_minor:
            raise domain.OffsetExceedsClaim(
                offset=format_minor(offset_minor),
                claim=claim.no,
                total=format_minor(claim.total_minor),
                field="offset",
            )
        index = _index(s, company, day)
        if offset_minor:
            advances = open_advances(s, company.id, claim.employee)
            available = sum(a.amount_minor - a.offset_minor for a in advances)
            if offset_minor > available:
                raise domain.OffsetExceedsAdvance(
                    offset=format_minor(offset_minor),
                    employee=claim.employee,
                    open=format_minor(available),
                    field="offset",
                )
            left = offset_minor
            for a in advances:
                take = min(left, a.amount_minor - a.offset_minor)
                a.offset_minor += take
                left -= take
        claim.status = "paid"
        claim.paid_on = day
        claim.method = method
        claim.offset_minor = offset_minor
        snapshot = {
            "doc": {"no": claim.no, "date": day.isoformat(), "type": "expense_claim"},
            **_people(s, company, claim),
            "payment": {"method": method},
            "amounts": {"total": claim.total_minor, "offset": offset_minor},
            "lines": [],
        }
        posting.post_event(
            uow,
            company,
            "expense_claim.paid",
            snapshot,
            source_id=claim.id,
            audit="expense_claim.pay",
            payload={"employee": claim.employee, "paid": format_minor(claim.total_minor - offset_minor)},
            before={"status": "approved"},
            after={"status": "paid", "offset": format_minor(offset_minor)},
            index=index,
        )
        uow.commit()
        return _claim_view(s, claim, company=company)


def _claim_view(s: Session, c: ExpenseClaim, *, company: Company | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id,
        "no": c.no,
        "date": c.date.isoformat(),
        "employee": c.employee,
        "department": c.department,
        "status": c.status,
        "net": format_minor(c.net_minor),
        "tax": format_minor(c.tax_minor),
        "total": format_minor(c.total_minor),
        "offset": format_minor(c.offset_minor),
        "paid": format_minor(c.total_minor - c.offset_minor) if c.status == "paid" else format_minor(0),
        "attachments": c.attachments,
        "note": c.note,
        "submitted_by": c.created_by,
        "approved_by": c.approved_by,
        "approved_on": c.approved_on.isoformat() if c.approved_on else None,
        "paid_on": c.paid_on.isoformat() if c.paid_on else None,
        "method": c.method,
        "lines": [
            {
                "line_no": ln.line_no,
                "category": ln.category,
                "invoice_type": ln.invoice_type,
                "net": format_minor(ln.net_minor),
                "tax": format_minor(ln.tax_minor),
                "total": format_minor(ln.total_minor),
                "note": ln.note,
            }
            for ln in c.lines
        ],
    }
    if company is not None:
        out["vouchers"] = posting.document_vouchers(s, company, "expense_claim", c.id)
    return out


def get_claim(uow: UnitOfWork, company_code: str, claim_id: int) -> dict[str, Any]:
    return posting.get_document(uow, company_code, ExpenseClaim, _claim_view, claim_id)


def _list(
    uow: UnitOfWork,
    company_code: str,
    model: Any,
    view: Any,
    *,
    status: str | None,
    employee: str | None,
    department: str | None,
    date_from: date | None,
    date_to: date | None,
    limit: int,
) -> list[dict[str, Any]]:
    def narrow(s: Session, company: Company, q: Any) -> Any:
        if employee:
            q = q.where(model.employee == employee)
        if department and hasattr(model, "department"):
            q = q.where(model.department == department)
        return q

    return posting.list_documents(
        uow,
        company_code,
        model,
        view,
        status=status,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        limit_max=LIST_LIMIT_MAX,
        narrow=narrow,
    )


def list_claims(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    employee: str | None = None,
    department: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return _list(
        uow,
        company_code,
        ExpenseClaim,
        _claim_view,
        status=status,
        employee=employee,
        department=department,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )


# --- employee advances (备用金借款) ------------------------------------------------------------------


def create_advance(
    uow: UnitOfWork,
    company_code: str,
    *,
    employee: str,
    day: date,
    amount: str | Decimal,
    method: str = "bank",
    note: str = "",
) -> dict[str, Any]:
    """备用金借款, posted at once: Dr 1221 (employee) / Cr bank or cash."""
    domain.check_method(method)
    amount_minor = to_minor(amount)
    if amount_minor <= 0:
        raise domain.InvalidExpenseAmount(value=amount, field="amount")
    with uow:
        company = uow.company(company_code, Perm.VOUCHER_CREATE)
        s = uow.session
        index = _index(s, company, day)
        a = EmployeeAdvance(
            company_id=company.id,
            no=posting.next_document_no(s, company.id, "employee_advance", "EA", day.year),
            date=day,
            employee=_dimension(s, company, "employee", employee).code,
            method=method,
            amount_minor=amount_minor,
            note=note[:200],
        )
        s.add(a)
        s.flush()
        snapshot = {
            "doc": {"no": a.no, "date": day.isoformat(), "type": "employee_advance"},
            **_people(s, company, a),
            "payment": {"method": method},
            "amounts": {"amount": amount_minor},
            "lines": [],
        }
        posting.post_event(
            uow,
            company,
            "employee_advance.paid",
            snapshot,
            source_id=a.id,
            audit="employee_advance.create",
            payload={"employee": a.employee, "amount": format_minor(amount_minor)},
            after={"no": a.no, "employee": a.employee, "amount": format_minor(amount_minor)},
            index=index,
        )
        uow.commit()
        return _advance_view(s, a, company=company)


def _advance_view(s: Session, a: EmployeeAdvance, *, company: Company | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": a.id,
        "no": a.no,
        "date": a.date.isoformat(),
        "employee": a.employee,
        "method": a.method,
        "amount": format_minor(a.amount_minor),
        "offset": format_minor(a.offset_minor),
        "open": format_minor(a.amount_minor - a.offset_minor),
        "status": a.status,
        "note": a.note,
    }
    if company is not None:
        out["vouchers"] = posting.document_vouchers(s, company, "employee_advance", a.id)
    return out


def get_advance(uow: UnitOfWork, company_code: str, advance_id: int) -> dict[str, Any]:
    return posting.get_document(uow, company_code, EmployeeAdvance, _advance_view, advance_id)


def list_advances(
    uow: UnitOfWork,
    company_code: str,
    *,
    status: str | None = None,
    employee: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    return _list(
        uow,
        company_code,
        EmployeeAdvance,
        _advance_view,
        status=status,
        employee=employee,
        department=None,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )
