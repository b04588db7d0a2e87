"""Where a document lives in the web workspace: ``source_type`` (as vouchers and the audit log
name it) → its page. Pure: templates call ``doc_url`` to link a voucher back to its document."""

from __future__ import annotations

DOC_PATHS: dict[str, str] = {
    "sales_order": "/sales/orders",
    "sales_delivery": "/sales/deliveries",
    "sales_invoice": "/sales/invoices",
    "sales_receipt": "/sales/receipts",
    "purchase_order": "/purchasing/orders",
    "purchase_receipt": "/purchasing/receipts",
    "vendor_bill": "/purchasing/bills",
    "purchase_payment": "/purchasing/payments",
    "stock_receipt": "/inventory/receipts",
    "stock_transfer": "/inventory/transfers",
    "stock_count": "/inventory/counts",
    "sales_return": "/sales/returns",
    "sales_credit_note": "/sales/credit-notes",
    "work_order": "/production/work-orders",
    "expense_claim": "/expenses/claims",
}


def doc_url(source_type: str | None, source_id: int | None) -> str:
    """'/sales/invoices/12', or '' for a source without a page (manual vouchers, imports)."""
    base = DOC_PATHS.get(source_type or "")
    if base is None or source_id is None:
        return ""
    return f"{base}/{int(source_id)}"
