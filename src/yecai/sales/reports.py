"""Sales-side reports over the books: 往来余额表 of customers (1122 by customer) and which
documents produced which vouchers (document → voucher traceability as a list).

Amounts are returned in fen; the shells format them.

CSV headers (a contract, tested):

* ar-balances: customer,name,period,to,opening,period_debit,period_credit,closing — balances
  receivable (debit on 1122) positive, a customer's credit balance negative;
* document-vouchers: document_type,document_no,date,event,voucher_id,voucher_no,amount,
  rule_set_version — ``date`` is the voucher's date, ``amount`` its total (a red voucher's is
  negative); a document event that made no voucher (every amount zero) has empty voucher fields.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from yecai.core.periods import Period
from yecai.ledger import reports
from yecai.ledger.models import Voucher
from yecai.posting.models import DocumentVoucher
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

AR_ACCOUNT = "1122"
AR_COLUMNS = ("customer", "name", "period", "to", "opening", "period_debit", "period_credit", "closing")
AR_MONEY = ("opening", "period_debit", "period_credit", "closing")
DV_COLUMNS = (
    "document_type",
    "document_no",
    "date",
    "event",
    "voucher_id",
    "voucher_no",
    "amount",
    "rule_set_version",
)
DV_ROWS_MAX = 100_000


def ar_balances(
    uow: UnitOfWork, company_code: str, period: str, to: str | None = None
) -> list[dict[str, Any]]:
    """Per customer on 1122 (with sub-accounts): opening before ``period``, debits and credits of
    ``period``..``to``, closing; debit balances positive, in fen."""
    rows = reports.dimension_balances(uow, company_code, AR_ACCOUNT, "customer", period, to)
    first, last = str(Period.parse(period)), str(Period.parse(to or period))
    return [
        {
            "customer": r["code"],
            "name": r["name"],
            "period": first,
            "to": last,
            "opening": int(r["opening_debit"]) - int(r["opening_credit"]),
            "period_debit": int(r["period_debit"]),
            "period_credit": int(r["period_credit"]),
            "closing": int(r["closing_debit"]) - int(r["closing_credit"]),
        }
        for r in rows
    ]


def document_vouchers(
    uow: UnitOfWork,
    company_code: str,
    *,
    doc_type: str | None = None,
    period: str | None = None,
    to: str | None = None,
    limit: int = DV_ROWS_MAX,
) -> list[dict[str, Any]]:
    """Every posted document event and its voucher, by voucher date then document; filtered by
    document type (sales_invoice …) and voucher period range."""
    with uow:
        company = uow.company(company_code, Perm.REPORT_VIEW)
        q = (
            select(DocumentVoucher, Voucher)
            .outerjoin(Voucher, Voucher.id == DocumentVoucher.voucher_id)
            .where(DocumentVoucher.company_id == company.id)
        )
        if doc_type:
            q = q.where(DocumentVoucher.source_type == doc_type.strip())
        if period:
            first = Period.parse(period)
            last = Period.parse(to) if to else first
            if last < first:
                raise reports.ReportPeriodRange(first=str(first), last=str(last), field="to")
            q = q.where(Voucher.period >= first.key, Voucher.period <= last.key)
        q = q.order_by(
            Voucher.date, DocumentVoucher.source_type, DocumentVoucher.source_ref, DocumentVoucher.id
        )
        rows = uow.session.execute(q.limit(max(1, min(limit, DV_ROWS_MAX)))).all()
        return [
            {
                "document_type": link.source_type,
                "document_no": link.source_ref,
                "date": v.date.isoformat() if v is not None else "",
                "event": link.event,
                "voucher_id": v.id if v is not None else None,
                "voucher_no": v.display_no if v is not None else "",
                "amount": int(v.total_minor) if v is not None else None,
                "rule_set_version": link.rule_version,
            }
            for link, v in rows
        ]
