"""Receivables open items: applications (核销) and customer owners (salesperson, department).

Applications are append-only: triggers refuse UPDATE and DELETE. Existing data is carried over:
every receipt entered against an invoice becomes an application of its amount, and every posted
credit note is applied to its own invoice up to what the invoice still had open (the rest stays
open on the credit note, a credit the customer holds).

Revision ID: 0002_aritems
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

import yecai.store.base

revision = "0002_aritems"
down_revision = "0001"
branch_labels = None
depends_on = None

_MINOR = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS trg_ar_application_no_update BEFORE UPDATE ON ar_application
       BEGIN SELECT RAISE(ABORT, 'yecai: applications are append-only; un-apply instead'); END""",
    """CREATE TRIGGER IF NOT EXISTS trg_ar_application_no_delete BEFORE DELETE ON ar_application
       BEGIN SELECT RAISE(ABORT, 'yecai: applications are append-only; un-apply instead'); END""",
]
_PG_TRIGGERS = [
    # yecai_refuse() is created by revision 0001 (store.immutability)
    "DROP TRIGGER IF EXISTS trg_ar_application_append_only ON ar_application",
    """CREATE TRIGGER trg_ar_application_append_only BEFORE UPDATE OR DELETE ON ar_application
       FOR EACH ROW EXECUTE FUNCTION yecai_refuse('applications are append-only; un-apply instead')""",
]


def upgrade() -> None:
    op.create_table(
        "ar_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("source_type", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount_minor", _MINOR, nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=True),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_ar_application_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_ar_application_customer_id_md_customer")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["sales_invoice.id"], name=op.f("fk_ar_application_invoice_id_sales_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["ar_application.id"],
            name=op.f("fk_ar_application_reverses_id_ar_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_application")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_ar_application_reverses_id")),
        sa.UniqueConstraint(
            "company_id", "idempotency_key", name=op.f("uq_ar_application_company_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("ar_application", schema=None) as batch_op:
        batch_op.create_index("ix_ar_application_invoice", ["company_id", "invoice_id"], unique=False)
        batch_op.create_index(
            "ix_ar_application_source", ["company_id", "source_type", "source_id"], unique=False
        )
        batch_op.create_index("ix_ar_application_customer", ["company_id", "customer_id"], unique=False)

    op.create_table(
        "ar_customer_owner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("salesperson", sa.String(length=60), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("updated_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_ar_customer_owner_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_ar_customer_owner_customer_id_md_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_customer_owner")),
        sa.UniqueConstraint(
            "company_id", "customer_id", name=op.f("uq_ar_customer_owner_company_id_customer_id")
        ),
    )
    _carry_over(op.get_bind())
    bind = op.get_bind()
    for sql in _SQLITE_TRIGGERS if bind.dialect.name == "sqlite" else _PG_TRIGGERS:
        bind.exec_driver_sql(sql, execution_options={"no_parameters": True})


def _carry_over(bind: sa.engine.Connection) -> None:
    """Applications for what the sales documents already settled (see the module docstring)."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    app = sa.table(
        "ar_application",
        *(
            sa.column(c)
            for c in (
                "company_id",
                "customer_id",
                "kind",
                "source_type",
                "source_id",
                "invoice_id",
                "amount_minor",
                "date",
                "origin",
                "note",
                "created_by",
                "created_at",
            )
        ),
    )
    rows: list[dict[str, object]] = []

    def add(
        company_id: int,
        customer_id: int,
        source_type: str,
        source_id: int,
        invoice_id: int,
        amount: int,
        day: object,
    ) -> None:
        rows.append(
            {
                "company_id": company_id,
                "customer_id": customer_id,
                "kind": "apply",
                "source_type": source_type,
                "source_id": source_id,
                "invoice_id": invoice_id,
                "amount_minor": amount,
                "date": day,
                "origin": "receipt" if source_type == "sales_receipt" else "credit_note",
                "note": "carried over by migration 0002_aritems",
                "created_by": "system",
                "created_at": now,
            }
        )

    received: dict[int, int] = {}
    for rid, cid, cust, inv, amount, day in bind.execute(
        sa.text(
            "SELECT id, company_id, customer_id, invoice_id, amount_minor, date FROM sales_receipt "
            "WHERE invoice_id IS NOT NULL AND status = 'posted' ORDER BY id"
        )
    ):
        add(cid, cust, "sales_receipt", rid, inv, int(amount), day)
        received[inv] = received.get(inv, 0) + int(amount)
    totals = {
        iid: int(total)
        for iid, total in bind.execute(
            sa.text("SELECT id, total_minor FROM sales_invoice WHERE status = 'posted'")
        )
    }
    for cn_id, cid, cust, inv, total, day in bind.execute(
        sa.text(
            "SELECT id, company_id, customer_id, invoice_id, total_minor, date FROM sales_credit_note "
            "WHERE status = 'posted' ORDER BY date, id"
        )
    ):
        left = totals.get(inv, 0) - received.get(inv, 0)
        amount = min(int(total), max(left, 0))
        if amount > 0:
            add(cid, cust, "sales_credit_note", cn_id, inv, amount, day)
            received[inv] = received.get(inv, 0) + amount
    if rows:
        op.bulk_insert(app, rows)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS trg_ar_application_no_update")
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS trg_ar_application_no_delete")
    op.drop_table("ar_customer_owner")
    with op.batch_alter_table("ar_application", schema=None) as batch_op:
        batch_op.drop_index("ix_ar_application_customer")
        batch_op.drop_index("ix_ar_application_source")
        batch_op.drop_index("ix_ar_application_invoice")
    op.drop_table("ar_application")
