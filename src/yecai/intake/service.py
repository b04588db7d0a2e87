"""Intake use cases: read an invoice file (extract only, nothing stored), read or import a
bank statement, and hand imported receipts to cash application.

Refused files raise named errors from guard/domain/statement before anything is written; an
import that is refused leaves only its audit entry.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from yecai.core.errors import NotFound, YecaiError
from yecai.core.money import format_minor
from yecai.intake import bankformats, einvoice, pdftext
from yecai.intake.domain import Invoice, to_contract
from yecai.intake.guard import DEFAULT_LIMITS, Limits, UnknownFormat, check_size
from yecai.intake.models import BankLine, BankStatement
from yecai.intake.statement import Statement, StatementIncomplete, check_follows, to_json
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

# --- invoices ----------------------------------------------------------------------------------


def read_invoice(data: bytes, name: str = "", limits: Limits = DEFAULT_LIMITS) -> Invoice:
    """Detect the kind of file from its first bytes and read it."""
    check_size(data, limits)
    head = data[:1024].lstrip(b"\xef\xbb\xbf \r\n\t")
    if data[:4] == b"PK\x03\x04":
        return einvoice.read_ofd_invoice(data, limits)
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        text = pdftext.pdf_text(data, limits)
        if not text.strip():
            from yecai.intake import ocr  # a scan: no text layer

            return ocr.read_scanned_pdf(data, limits)
        return pdftext.read_text_invoice(text)
    if head.startswith(b"<"):
        return einvoice.read_xml_invoice(data)
    from yecai.intake import ocr

    if ocr.image_kind(data):
        return ocr.read_image_invoice(data, limits)
    raise UnknownFormat(kind="invoice", detail="expected OFD, XML, PDF, PNG or JPEG")


def company_tax_id(uow: UnitOfWork, company_code: str) -> str:
    """The company's own 统一社会信用代码 when one is on record (master data, else the older
    settings 'tax_id'), else ''."""
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        if company.tax_id:
            return str(company.tax_id)
        settings = json.loads(company.settings_json or "{}")
        return str(settings.get("tax_id") or "")


def extract_invoice(
    data: bytes,
    name: str = "",
    *,
    uow: UnitOfWork | None = None,
    company: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """The extract-only contract for one file; nothing is stored."""
    tax_id = company_tax_id(uow, company) if (uow is not None and company) else None
    inv = read_invoice(data, name, limits)
    return to_contract(inv, company_tax_id=tax_id, company_given=bool(company))


# --- bank statements ---------------------------------------------------------------------------


class StatementOverlap(YecaiError):
    code = "intake.statement_overlap"
    template = (
        "Line {line} of the statement was imported before but an earlier line was not; "
        "the statement overlaps the imported ones in a way that cannot be joined"
    )
    http_status = 409


def read_statements(data: bytes, name: str = "", limits: Limits = DEFAULT_LIMITS) -> list[Statement]:
    return bankformats.read_statements(data, name, limits)


def extract_statements(data: bytes, name: str = "", limits: Limits = DEFAULT_LIMITS) -> list[dict[str, Any]]:
    return [to_json(st) for st in read_statements(data, name, limits)]


@dataclass
class ImportResult:
    statements: int = 0
    lines_imported: int = 0
    lines_skipped: int = 0
    statement_ids: list[int] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "statements": self.statements,
            "lines_imported": self.lines_imported,
            "lines_skipped": self.lines_skipped,
            "statement_ids": self.statement_ids,
            "accounts": self.accounts,
        }


def import_bank_statement(
    uow: UnitOfWork,
    company_code: str,
    data: bytes,
    *,
    file_name: str = "",
    account_code: str = "",
    limits: Limits = DEFAULT_LIMITS,
) -> ImportResult:
    """Store the statements of a file: each must add up, and its opening must follow the last
    imported closing of the same bank account; lines already imported are skipped."""
    sha = hashlib.sha256(data).hexdigest()
    try:
        statements = read_statements(data, file_name, limits)
        with uow:
            company = uow.company(company_code, Perm.CASH_MANAGE)
            if account_code:
                _check_account(uow, company.id, account_code)
            result = ImportResult()
            for st in statements:
                _store(uow, company.id, st, result, file_name=file_name, sha=sha, account_code=account_code)
            uow.audit(
                "bank_statement.import",
                "bank_statement",
                ",".join(map(str, result.statement_ids)),
                company_id=company.id,
                after={"file": file_name, "sha256": sha, **result.to_dict()},
            )
            uow.commit()
            return result
    except YecaiError as exc:
        _audit_refusal(uow, company_code, file_name, sha, exc)
        raise


def _audit_refusal(uow: UnitOfWork, company_code: str, file_name: str, sha: str, exc: YecaiError) -> None:
    """A refused file leaves an audit entry (in its own transaction) and nothing else."""
    try:
        with uow:
            company = uow.company(company_code, Perm.CASH_MANAGE)
            uow.audit(
                "bank_statement.refused",
                "bank_statement",
                "",
                company_id=company.id,
                after={"file": file_name, "sha256": sha, "code": exc.code, "message": exc.render("en")},
            )
            uow.commit()
    except YecaiError:
        pass  # no such company or no permission: nothing to audit against


def _check_account(uow: UnitOfWork, company_id: int, code: str) -> None:
    from yecai.ledger.models import Account

    found = uow.session.execute(
        select(Account.id).where(Account.company_id == company_id, Account.code == code)
    ).first()
    if not found:
        raise NotFound(what="account", key=code, field="account")


def _store(
    uow: UnitOfWork,
    company_id: int,
    st: Statement,
    result: ImportResult,
    *,
    file_name: str,
    sha: str,
    account_code: str,
) -> None:
    s = uow.session
    if not st.account:
        raise StatementIncomplete(detail="the statement names no bank account")
    keys = st.line_keys()
    existing = set(
        s.execute(
            select(BankLine.line_key).where(
                BankLine.company_id == company_id,
                BankLine.bank_account == st.account,
                BankLine.line_key.in_(keys),
            )
        ).scalars()
    ) if keys else set()  # fmt: skip
    # Already-imported lines must be a prefix (an overlapping re-download); the rest is new.
    prefix = 0
    while prefix < len(keys) and keys[prefix] in existing:
        prefix += 1
    for i in range(prefix, len(keys)):
        if keys[i] in existing:
            raise StatementOverlap(line=i + 1, row=i + 1)
    new_lines = st.lines[prefix:]
    result.accounts.append(st.account)
    result.lines_skipped += prefix
    if keys and not new_lines:
        return  # everything was imported before: idempotent re-run
    opening = st.opening_minor + sum(ln.amount_minor for ln in st.lines[:prefix])
    last = s.execute(
        select(BankStatement.closing_minor, BankStatement.end_date)
        .where(BankStatement.company_id == company_id, BankStatement.bank_account == st.account)
        .order_by(BankStatement.id.desc())
        .limit(1)
    ).first()
    check_follows(
        Statement(**{**st.__dict__, "opening_minor": opening}),
        None if last is None else last[0],
        None if last is None else last[1],
    )
    row = BankStatement(
        company_id=company_id,
        bank_account=st.account,
        account_code=account_code,
        currency=st.currency,
        format=st.format[:20],
        statement_ref=st.statement_id[:64],
        start_date=st.start_date or (new_lines[0].date if new_lines else None),
        end_date=st.end_date or (new_lines[-1].date if new_lines else None),
        opening_minor=opening,
        closing_minor=st.closing_minor,
        opening_derived=st.opening_derived,
        line_count=len(new_lines),
        lines_skipped=prefix,
        file_name=file_name[:255],
        file_sha256=sha,
        created_by_id=uow.actor.user_id,
    )
    s.add(row)
    s.flush()
    for seq, (key, ln) in enumerate(zip(keys[prefix:], new_lines, strict=True), start=prefix + 1):
        s.add(
            BankLine(
                company_id=company_id,
                statement_id=row.id,
                bank_account=st.account,
                line_key=key[:100],
                seq=seq,
                txn_date=ln.date,
                amount_minor=ln.amount_minor,
                currency=st.currency,
                counterparty_name=ln.counterparty_name[:200],
                counterparty_account=ln.counterparty_account[:64],
                remark=ln.remark[:500],
            )
        )
    result.statements += 1
    result.lines_imported += len(new_lines)
    result.statement_ids.append(row.id)


# --- for cash application (receivables) --------------------------------------------------------

MATCHING_COLUMNS = ("txn_id", "date", "amount", "currency", "payer_name", "payer_account", "remark")


def bank_lines_for_matching(
    uow: UnitOfWork, company: str, *, since: date | None = None, receipts_only: bool = True
) -> list[dict[str, str]]:
    """Imported bank lines in the receivables bank-CSV shape (MATCHING_COLUMNS), oldest first.

    ``txn_id`` is the stored line key (the bank's id or a content hash), stable across imports.
    """
    with uow:
        comp = uow.company(company, Perm.COMPANY_VIEW)
        q = select(BankLine).where(BankLine.company_id == comp.id)
        if receipts_only:
            q = q.where(BankLine.amount_minor > 0)
        if since is not None:
            q = q.where(BankLine.txn_date >= since)
        rows = uow.session.execute(q.order_by(BankLine.txn_date, BankLine.id)).scalars().all()
        return [
            {
                "txn_id": r.line_key,
                "date": r.txn_date.isoformat(),
                "amount": format_minor(r.amount_minor, r.currency),
                "currency": r.currency,
                "payer_name": r.counterparty_name,
                "payer_account": r.counterparty_account,
                "remark": r.remark,
            }
            for r in rows
        ]


def list_statements(uow: UnitOfWork, company: str) -> list[dict[str, Any]]:
    with uow:
        comp = uow.company(company, Perm.COMPANY_VIEW)
        rows = uow.session.execute(
            select(BankStatement).where(BankStatement.company_id == comp.id).order_by(BankStatement.id)
        ).scalars()
        return [
            {
                "id": r.id,
                "bank_account": r.bank_account,
                "account_code": r.account_code,
                "currency": r.currency,
                "format": r.format,
                "start_date": r.start_date.isoformat() if r.start_date else None,
                "end_date": r.end_date.isoformat() if r.end_date else None,
                "opening_balance": format_minor(r.opening_minor, r.currency),
                "closing_balance": format_minor(r.closing_minor, r.currency),
                "lines": r.line_count,
                "file_name": r.file_name,
            }
            for r in rows
        ]


def count_lines(uow: UnitOfWork, company: str) -> int:
    with uow:
        comp = uow.company(company, Perm.COMPANY_VIEW)
        return int(
            uow.session.execute(
                select(func.count()).select_from(BankLine).where(BankLine.company_id == comp.id)
            ).scalar_one()
        )
