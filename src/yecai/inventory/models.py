"""Stock moves (signed quantity and value), the cost pool per item and warehouse, and the
inventory documents: stock receipts (入库单), transfers (调拨单), stock counts (盘点单) and
cost revaluations (存货成本调整: month-end cost runs and back-dated re-costing)."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yecai.store.base import Base, DecimalText, Minor, UTCDateTime, utcnow


class StockMove(Base):
    __tablename__ = "stock_move"
    __table_args__ = (
        Index("ix_stock_move_item", "company_id", "item_id", "warehouse_id", "id"),
        Index("ix_stock_move_source", "company_id", "source_type", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("md_warehouse.id"))
    date: Mapped[date] = mapped_column(Date)
    qty_e4: Mapped[int] = mapped_column(Minor)  # + in, - out (ten-thousandths)
    value_minor: Mapped[int] = mapped_column(Minor)  # + in, - out (fen)
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[int] = mapped_column(Integer)
    source_line_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How the value is found: fixed | issue | gain | transfer_in (see inventory.domain).
    valuation: Mapped[str] = mapped_column(String(12), default="fixed")
    # Month-end costing: the value waits for the month's cost run.
    cost_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    # A transfer-in's transfer-out (its value is minus the out's).
    peer_move_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The pool of this item and warehouse after this move, in (date, id) order.
    bal_qty_e4: Mapped[int] = mapped_column(Minor, default=0)
    bal_value_minor: Mapped[int] = mapped_column(Minor, default=0)
    bal_unit_cost: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)


Index("ix_stock_move_pending", StockMove.company_id, StockMove.cost_pending, StockMove.date)
Index("ix_stock_move_peer", StockMove.peer_move_id)


class StockBalance(Base):
    """The moving-average cost pool: on-hand quantity and value per item and warehouse."""

    __tablename__ = "stock_balance"
    __table_args__ = (PrimaryKeyConstraint("company_id", "item_id", "warehouse_id"),)

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("md_warehouse.id"))
    qty_e4: Mapped[int] = mapped_column(Minor, default=0)
    value_minor: Mapped[int] = mapped_column(Minor, default=0)
    unit_cost: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)


class StockReceipt(Base):
    __tablename__ = "stock_receipt"
    __table_args__ = (UniqueConstraint("company_id", "no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("md_supplier.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("md_warehouse.id"))
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | posted
    note: Mapped[str] = mapped_column(String(200), default="")
    total_minor: Mapped[int] = mapped_column(Minor, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[StockReceiptLine]] = relationship(order_by="StockReceiptLine.line_no", cascade="all")


class StockReceiptLine(Base):
    __tablename__ = "stock_receipt_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("stock_receipt.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    qty_e4: Mapped[int] = mapped_column(Minor)
    cost_minor: Mapped[int] = mapped_column(Minor)


class StockTransfer(Base):
    """调拨单: stock out of one warehouse at its cost, into another at the same value."""

    __tablename__ = "stock_transfer"
    __table_args__ = (UniqueConstraint("company_id", "no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    from_warehouse_id: Mapped[int] = mapped_column(ForeignKey("md_warehouse.id"))
    to_warehouse_id: Mapped[int] = mapped_column(ForeignKey("md_warehouse.id"))
    status: Mapped[str] = mapped_column(String(10), default="posted")
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[StockTransferLine]] = relationship(order_by="StockTransferLine.line_no", cascade="all")


class StockTransferLine(Base):
    __tablename__ = "stock_transfer_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("stock_transfer.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    qty_e4: Mapped[int] = mapped_column(Minor)
    out_move_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class StockCount(Base):
    """盘点单: counted quantities of one warehouse on a date. Confirming books the differences
    (盘盈盘亏) against 1901 待处理财产损溢; processing (审批处理) moves 1901 on to expense."""

    __tablename__ = "stock_count"
    __table_args__ = (UniqueConstraint("company_id", "no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("md_warehouse.id"))
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | confirmed
    processed: Mapped[bool] = mapped_column(Boolean, default=False)
    processed_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[StockCountLine]] = relationship(order_by="StockCountLine.line_no", cascade="all")


class StockCountLine(Base):
    __tablename__ = "stock_count_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("stock_count.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("md_item.id"))
    counted_e4: Mapped[int] = mapped_column(Minor)
    book_e4: Mapped[int] = mapped_column(Minor, default=0)  # on the books at confirmation
    move_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class StockRevaluation(Base):
    """存货成本调整: the value changes of existing stock moves, posted as a document of their own
    (a month-end cost run, or moves re-costed by a back-dated movement). Posted vouchers are
    never edited: the difference is posted here."""

    __tablename__ = "stock_revaluation"
    __table_args__ = (UniqueConstraint("company_id", "no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    no: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(20))  # month_end | back_dated
    status: Mapped[str] = mapped_column(String(10), default="posted")
    total_minor: Mapped[int] = mapped_column(Minor, default=0)  # net change of the stock value
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[StockRevaluationLine]] = relationship(
        order_by="StockRevaluationLine.line_no", cascade="all"
    )


class StockRevaluationLine(Base):
    __tablename__ = "stock_revaluation_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    revaluation_id: Mapped[int] = mapped_column(ForeignKey("stock_revaluation.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    move_id: Mapped[int] = mapped_column(Integer)
    before_minor: Mapped[int] = mapped_column(Minor)
    after_minor: Mapped[int] = mapped_column(Minor)
