"""Production tables: bills of materials (versioned, one active per item), work orders with their
material requirements and accumulated costs, and the documents that move cost: material issues
(领料单), cost collections (生产费用归集: labour, overhead) and finished-goods receipts (完工入库).

Quantities in ten-thousandths (``*_e4``), money in fen. A work order keeps, per cost element,
what was charged to it, what finished goods took away (relieved) and what its closing wrote off
(variance): work in process is charged − relieved − variance, on 5001 under its project.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yecai.store.base import Base, DecimalText, Minor, UTCDateTime, utcnow


class Bom(Base):
    __tablename__ = "production_bom"
    __table_args__ = (
        UniqueConstraint("company_id", "item_id", "version"),
        Index("ix_production_bom_item", "company_id", "item_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    version: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[BomLine]] = relationship(order_by="BomLine.line_no", cascade="all")


class BomLine(Base):
    __tablename__ = "production_bom_line"
    __table_args__ = (UniqueConstraint("bom_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bom_id: Mapped[int] = mapped_column(ForeignKey("production_bom.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    qty_per: Mapped[Decimal] = mapped_column(DecimalText)  # per unit of the finished item
    scrap_pct: Mapped[Decimal] = mapped_column(DecimalText, default=Decimal(0))


class WorkOrder(Base):
    __tablename__ = "work_order"
    __table_args__ = (
        UniqueConstraint("company_id", "no"),
        Index("ix_work_order_project", "company_id", "project"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    bom_id: Mapped[int] = mapped_column(ForeignKey("production_bom.id"))
    qty_e4: Mapped[int] = mapped_column(Minor)
    project: Mapped[str] = mapped_column(String(40))  # the project dimension value its costs carry
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | released | closed
    note: Mapped[str] = mapped_column(String(200), default="")
    received_e4: Mapped[int] = mapped_column(Minor, default=0)
    material_minor: Mapped[int] = mapped_column(Minor, default=0)
    labour_minor: Mapped[int] = mapped_column(Minor, default=0)
    overhead_minor: Mapped[int] = mapped_column(Minor, default=0)
    relieved_material_minor: Mapped[int] = mapped_column(Minor, default=0)
    relieved_labour_minor: Mapped[int] = mapped_column(Minor, default=0)
    relieved_overhead_minor: Mapped[int] = mapped_column(Minor, default=0)
    variance_material_minor: Mapped[int] = mapped_column(Minor, default=0)
    variance_labour_minor: Mapped[int] = mapped_column(Minor, default=0)
    variance_overhead_minor: Mapped[int] = mapped_column(Minor, default=0)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[WorkOrderLine]] = relationship(order_by="WorkOrderLine.line_no", cascade="all")


class WorkOrderLine(Base):
    """A component requirement, copied from the bill of materials when the order is released."""

    __tablename__ = "work_order_line"
    __table_args__ = (UniqueConstraint("work_order_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    required_e4: Mapped[int] = mapped_column(Minor)
    issued_e4: Mapped[int] = mapped_column(Minor, default=0)


class ProductionIssue(Base):
    __tablename__ = "production_issue"
    __table_args__ = (
        UniqueConstraint("company_id", "no"),
        Index("ix_production_issue_order", "work_order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("md_warehouse.id"))
    status: Mapped[str] = mapped_column(String(10), default="posted")
    cost_minor: Mapped[int] = mapped_column(Minor, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[ProductionIssueLine]] = relationship(
        order_by="ProductionIssueLine.line_no", cascade="all"
    )


class ProductionIssueLine(Base):
    __tablename__ = "production_issue_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("production_issue.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("work_order_line.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    qty_e4: Mapped[int] = mapped_column(Minor)
    cost_minor: Mapped[int] = mapped_column(Minor, default=0)


class ProductionCost(Base):
    """生产费用归集: labour (from 221101 by default) or overhead (from 5101) charged to an order."""

    __tablename__ = "production_cost"
    __table_args__ = (
        UniqueConstraint("company_id", "no"),
        Index("ix_production_cost_order", "work_order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    kind: Mapped[str] = mapped_column(String(10))  # labour | overhead
    source_account: Mapped[str] = mapped_column(String(20), default="")  # '' → the rules' default
    amount_minor: Mapped[int] = mapped_column(Minor)
    hours: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="posted")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProductionReceipt(Base):
    """完工入库: finished goods in at their share of the order's accumulated cost."""

    __tablename__ = "production_receipt"
    __table_args__ = (
        UniqueConstraint("company_id", "no"),
        Index("ix_production_receipt_order", "work_order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("md_warehouse.id"))
    qty_e4: Mapped[int] = mapped_column(Minor)
    material_minor: Mapped[int] = mapped_column(Minor, default=0)
    labour_minor: Mapped[int] = mapped_column(Minor, default=0)
    overhead_minor: Mapped[int] = mapped_column(Minor, default=0)
    status: Mapped[str] = mapped_column(String(10), default="posted")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
