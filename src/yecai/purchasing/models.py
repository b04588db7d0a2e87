"""Purchasing documents: orders (采购订单), goods receipts (收货单/入库), vendor bills (采购发票),
payments (付款单) and purchase returns (采购退货).

Quantities in ten-thousandths (``*_e4``), money in fen, prices and rates as exact text.
Received, billed and returned quantities and the goods-received-not-billed estimate (暂估) are
kept on the order line, read and changed under a row lock when a document posts.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yecai.store.base import Base, DecimalText, Minor, UTCDateTime, utcnow


class PurchaseOrder(Base):
    __tablename__ = "purchase_order"
    __table_args__ = (
        UniqueConstraint("company_id", "no"),
        Index("ix_purchase_order_supplier", "company_id", "supplier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("md_supplier.id"))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed | cancelled
    prices_include_tax: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    net_minor: Mapped[int] = mapped_column(Minor, default=0)
    tax_minor: Mapped[int] = mapped_column(Minor, default=0)
    total_minor: Mapped[int] = mapped_column(Minor, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[PurchaseOrderLine]] = relationship(order_by="PurchaseOrderLine.line_no", cascade="all")


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_line"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    qty_e4: Mapped[int] = mapped_column(Minor)
    unit_price: Mapped[Decimal] = mapped_column(DecimalText)
    tax_code: Mapped[str] = mapped_column(String(20))
    tax_rate: Mapped[Decimal] = mapped_column(DecimalText)
    net_minor: Mapped[int] = mapped_column(Minor, default=0)
    tax_minor: Mapped[int] = mapped_column(Minor, default=0)
    total_minor: Mapped[int] = mapped_column(Minor, default=0)
    received_e4: Mapped[int] = mapped_column(Minor, default=0)  # net of returns
    billed_e4: Mapped[int] = mapped_column(Minor, default=0)
    accrued_minor: Mapped[int] = mapped_column(Minor, default=0)  # 暂估 booked by receipts, net of returns
    cleared_minor: Mapped[int] = mapped_column(Minor, default=0)  # 暂估 cleared by bills


class PurchaseReceipt(Base):
    __tablename__ = "purchase_receipt"
    __table_args__ = (
        UniqueConstraint("company_id", "no"),
        Index("ix_purchase_receipt_order", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("md_supplier.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("md_warehouse.id"))
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | posted
    cost_minor: Mapped[int] = mapped_column(Minor, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[PurchaseReceiptLine]] = relationship(
        order_by="PurchaseReceiptLine.line_no", cascade="all"
    )


class PurchaseReceiptLine(Base):
    __tablename__ = "purchase_receipt_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("purchase_receipt.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    qty_e4: Mapped[int] = mapped_column(Minor)
    cost_minor: Mapped[int] = mapped_column(Minor, default=0)
    returned_e4: Mapped[int] = mapped_column(Minor, default=0)
    returned_cost_minor: Mapped[int] = mapped_column(Minor, default=0)


class VendorBill(Base):
    __tablename__ = "vendor_bill"
    __table_args__ = (
        UniqueConstraint("company_id", "no"),
        Index("ix_vendor_bill_supplier", "company_id", "supplier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("md_supplier.id"))
    invoice_no: Mapped[str] = mapped_column(String(40), default="")  # the supplier's 发票号码
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | posted
    net_minor: Mapped[int] = mapped_column(Minor, default=0)
    tax_minor: Mapped[int] = mapped_column(Minor, default=0)
    total_minor: Mapped[int] = mapped_column(Minor, default=0)
    accrued_minor: Mapped[int] = mapped_column(Minor, default=0)  # 暂估 cleared when posted
    to_stock_minor: Mapped[int] = mapped_column(Minor, default=0)  # price difference put into stock
    paid_minor: Mapped[int] = mapped_column(Minor, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[VendorBillLine]] = relationship(order_by="VendorBillLine.line_no", cascade="all")


class VendorBillLine(Base):
    """An order line (``order_line_id`` set: three-way match, 暂估 cleared) or a direct line without
    an order (``category`` set: rent, utilities, services … booked to the expense account of the
    category and department); a bill may mix both."""

    __tablename__ = "vendor_bill_line"
    __table_args__ = (CheckConstraint("order_line_id IS NOT NULL OR category <> ''", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("vendor_bill.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order_line.id"), nullable=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("md_item.id"), nullable=True)
    category: Mapped[str] = mapped_column(String(20), default="", server_default="")  # 费用类别
    department: Mapped[str] = mapped_column(String(40), default="", server_default="")  # dimension code
    project: Mapped[str] = mapped_column(String(40), default="", server_default="")  # dimension code
    description: Mapped[str] = mapped_column(String(200), default="", server_default="")
    qty_e4: Mapped[int] = mapped_column(Minor)
    unit_price: Mapped[Decimal] = mapped_column(
        DecimalText
    )  # order lines: the order's tax basis; direct: net
    tax_code: Mapped[str] = mapped_column(String(20))
    tax_rate: Mapped[Decimal] = mapped_column(DecimalText)
    net_minor: Mapped[int] = mapped_column(Minor)
    tax_minor: Mapped[int] = mapped_column(Minor)
    total_minor: Mapped[int] = mapped_column(Minor)
    accrued_minor: Mapped[int] = mapped_column(Minor, default=0)
    to_stock_minor: Mapped[int] = mapped_column(Minor, default=0)
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("md_warehouse.id"), nullable=True)


class PurchasePayment(Base):
    __tablename__ = "purchase_payment"
    __table_args__ = (
        UniqueConstraint("company_id", "no"),
        Index("ix_purchase_payment_supplier", "company_id", "supplier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("md_supplier.id"))
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("vendor_bill.id"), nullable=True)
    method: Mapped[str] = mapped_column(String(10), default="bank")  # bank | cash
    amount_minor: Mapped[int] = mapped_column(Minor)
    status: Mapped[str] = mapped_column(String(10), default="posted")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PurchaseReturn(Base):
    __tablename__ = "purchase_return"
    __table_args__ = (UniqueConstraint("company_id", "no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("purchase_receipt.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("md_supplier.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("md_warehouse.id"))
    status: Mapped[str] = mapped_column(String(10), default="posted")
    cost_minor: Mapped[int] = mapped_column(Minor, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[PurchaseReturnLine]] = relationship(
        order_by="PurchaseReturnLine.line_no", cascade="all"
    )


class PurchaseReturnLine(Base):
    __tablename__ = "purchase_return_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("purchase_return.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    receipt_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_receipt_line.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    qty_e4: Mapped[int] = mapped_column(Minor)
    cost_minor: Mapped[int] = mapped_column(Minor, default=0)
