"""Tables of sales returns (销售退货), red credit notes (红字发票) and credit control (信用控制).

Returned and credited quantities are kept on the delivery / invoice line they come from, so what
may still be returned or credited is read there, under a row lock of the document.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yecai.store.base import Base, DecimalText, Minor, UTCDateTime, utcnow


class SalesReturn(Base):
    __tablename__ = "sales_return"
    __table_args__ = (UniqueConstraint("company_id", "no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("sales_delivery.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("md_warehouse.id"))
    status: Mapped[str] = mapped_column(String(10), default="posted")
    cost_minor: Mapped[int] = mapped_column(Minor, default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[SalesReturnLine]] = relationship(order_by="SalesReturnLine.line_no", cascade="all")


class SalesReturnLine(Base):
    __tablename__ = "sales_return_line"
    __table_args__ = (Index("ix_sales_return_line_delivery_line", "delivery_line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("sales_return.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    delivery_line_id: Mapped[int] = mapped_column(ForeignKey("sales_delivery_line.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    qty_e4: Mapped[int] = mapped_column(Minor)
    cost_minor: Mapped[int] = mapped_column(Minor, default=0)


class SalesCreditNote(Base):
    __tablename__ = "sales_credit_note"
    __table_args__ = (
        UniqueConstraint("company_id", "no"),
        Index("ix_sales_credit_note_invoice", "invoice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("sales_invoice.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    status: Mapped[str] = mapped_column(String(10), default="posted")
    # positive figures; the voucher writes them in red
    net_minor: Mapped[int] = mapped_column(Minor, default=0)
    tax_minor: Mapped[int] = mapped_column(Minor, default=0)
    total_minor: Mapped[int] = mapped_column(Minor, default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[SalesCreditNoteLine]] = relationship(
        order_by="SalesCreditNoteLine.line_no", cascade="all"
    )


class SalesCreditNoteLine(Base):
    __tablename__ = "sales_credit_note_line"
    __table_args__ = (Index("ix_sales_credit_note_line_invoice_line", "invoice_line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_note_id: Mapped[int] = mapped_column(ForeignKey("sales_credit_note.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    invoice_line_id: Mapped[int] = mapped_column(ForeignKey("sales_invoice_line.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    qty_e4: Mapped[int] = mapped_column(Minor)
    unit_price: Mapped[Decimal] = mapped_column(DecimalText)
    tax_code: Mapped[str] = mapped_column(String(20))
    tax_rate: Mapped[Decimal] = mapped_column(DecimalText)
    net_minor: Mapped[int] = mapped_column(Minor)
    tax_minor: Mapped[int] = mapped_column(Minor)
    total_minor: Mapped[int] = mapped_column(Minor)


class CustomerCreditHold(Base):
    """A customer on credit hold (信用冻结): orders and deliveries refused until released."""

    __tablename__ = "sales_credit_hold"
    __table_args__ = (UniqueConstraint("company_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    on_hold: Mapped[bool] = mapped_column(default=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    changed_by: Mapped[str] = mapped_column(String(60), default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SalesCreditApproval(Base):
    """A finance manager's approval of an order over the credit limit; it covers the order's
    deliveries (the limit is not checked again for them; a credit hold still is)."""

    __tablename__ = "sales_credit_approval"
    __table_args__ = (UniqueConstraint("order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"))
    exposure_minor: Mapped[int] = mapped_column(Minor)
    limit_minor: Mapped[int] = mapped_column(Minor)
    approved_by: Mapped[str] = mapped_column(String(60))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(200), default="")
