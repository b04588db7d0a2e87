"""Sales documents: orders, deliveries (发货/出库), invoices (销售发票) and receipts (收款).

Quantities in ten-thousandths (``*_e4``), money in fen, prices and rates as exact text.
Delivered and invoiced quantities are kept on the order line: what may still be delivered or
invoiced is read there, under a row lock, when a delivery is confirmed or an invoice posted.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yecai.store.base import Base, DecimalText, Minor, UTCDateTime, utcnow


class SalesOrder(Base):
    __tablename__ = "sales_order"
    __table_args__ = (
        UniqueConstraint("company_id", "no"),
        Index("ix_sales_order_customer", "company_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    # open | pending_approval (over the credit limit, see sales.credit) | closed | cancelled
    status: Mapped[str] = mapped_column(String(20), default="open")
    prices_include_tax: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    net_minor: Mapped[int] = mapped_column(Minor, default=0)
    tax_minor: Mapped[int] = mapped_column(Minor, default=0)
    total_minor: Mapped[int] = mapped_column(Minor, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[SalesOrderLine]] = relationship(order_by="SalesOrderLine.line_no", cascade="all")


class SalesOrderLine(Base):
    __tablename__ = "sales_order_line"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    qty_e4: Mapped[int] = mapped_column(Minor)
    unit_price: Mapped[Decimal] = mapped_column(DecimalText)
    tax_code: Mapped[str] = mapped_column(String(20))
    tax_rate: Mapped[Decimal] = mapped_column(DecimalText)
    net_minor: Mapped[int] = mapped_column(Minor, default=0)
    tax_minor: Mapped[int] = mapped_column(Minor, default=0)
    total_minor: Mapped[int] = mapped_column(Minor, default=0)
    delivered_e4: Mapped[int] = mapped_column(Minor, default=0)
    invoiced_e4: Mapped[int] = mapped_column(Minor, default=0)


class SalesDelivery(Base):
    __tablename__ = "sales_delivery"
    __table_args__ = (UniqueConstraint("company_id", "no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("md_warehouse.id"))
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | confirmed
    cost_minor: Mapped[int] = mapped_column(Minor, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[SalesDeliveryLine]] = relationship(order_by="SalesDeliveryLine.line_no", cascade="all")


class SalesDeliveryLine(Base):
    __tablename__ = "sales_delivery_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("sales_delivery.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    qty_e4: Mapped[int] = mapped_column(Minor)
    cost_minor: Mapped[int] = mapped_column(Minor, default=0)


class SalesInvoice(Base):
    __tablename__ = "sales_invoice"
    __table_args__ = (
        UniqueConstraint("company_id", "no"),
        Index("ix_sales_invoice_customer", "company_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | posted
    net_minor: Mapped[int] = mapped_column(Minor, default=0)
    tax_minor: Mapped[int] = mapped_column(Minor, default=0)
    total_minor: Mapped[int] = mapped_column(Minor, default=0)
    received_minor: Mapped[int] = mapped_column(Minor, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[SalesInvoiceLine]] = relationship(order_by="SalesInvoiceLine.line_no", cascade="all")


class SalesInvoiceLine(Base):
    __tablename__ = "sales_invoice_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("sales_invoice.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    qty_e4: Mapped[int] = mapped_column(Minor)
    unit_price: Mapped[Decimal] = mapped_column(DecimalText)
    tax_code: Mapped[str] = mapped_column(String(20))
    tax_rate: Mapped[Decimal] = mapped_column(DecimalText)
    net_minor: Mapped[int] = mapped_column(Minor)
    tax_minor: Mapped[int] = mapped_column(Minor)
    total_minor: Mapped[int] = mapped_column(Minor)


class SalesReceipt(Base):
    __tablename__ = "sales_receipt"
    __table_args__ = (UniqueConstraint("company_id", "no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    customer_id: Mapped[int] = mapped_column(ForeignKey("md_customer.id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("sales_invoice.id"), nullable=True)
    method: Mapped[str] = mapped_column(String(10), default="bank")  # bank | cash
    amount_minor: Mapped[int] = mapped_column(Minor)
    status: Mapped[str] = mapped_column(String(10), default="posted")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
