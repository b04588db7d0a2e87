"""Invoice intake review queue (OCR), what corrections taught, and the company's own tax id.

Revision ID: 0002_ocr
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

import yecai.store.base

revision = "0002_ocr"
down_revision = "0001"
branch_labels = None
depends_on = None

_MINOR = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("company", sa.Column("tax_id", sa.String(length=20), server_default="", nullable=False))
    op.create_table(
        "intake_invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_bytes", sa.LargeBinary(), nullable=False),
        sa.Column("extracted_json", sa.Text(), nullable=False),
        sa.Column("fields_json", sa.Text(), nullable=False),
        sa.Column("corrections_json", sa.Text(), nullable=False),
        sa.Column("reasons_json", sa.Text(), nullable=False),
        sa.Column("proposal_json", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("confidence_pm", sa.Integer(), nullable=False),
        sa.Column("invoice_code", sa.String(length=20), nullable=False),
        sa.Column("invoice_number", sa.String(length=20), nullable=False),
        sa.Column("number_key", sa.String(length=41), nullable=True),
        sa.Column("seller_tax_id", sa.String(length=20), nullable=False),
        sa.Column("seller_name", sa.String(length=200), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("total_minor", _MINOR, nullable=True),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("vendor_bill_id", sa.Integer(), nullable=True),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("decided_at", yecai.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_intake_invoice_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["md_supplier.id"], name=op.f("fk_intake_invoice_supplier_id_md_supplier")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["purchase_order.id"], name=op.f("fk_intake_invoice_order_id_purchase_order")
        ),
        sa.ForeignKeyConstraint(
            ["vendor_bill_id"], ["vendor_bill.id"], name=op.f("fk_intake_invoice_vendor_bill_id_vendor_bill")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_invoice")),
        sa.UniqueConstraint("company_id", "number_key", name=op.f("uq_intake_invoice_company_id_number_key")),
    )
    op.create_index(
        "ix_intake_invoice_company_status", "intake_invoice", ["company_id", "status"], unique=False
    )
    op.create_index(
        "ix_intake_invoice_seller_amount",
        "intake_invoice",
        ["company_id", "seller_tax_id", "total_minor", "issue_date"],
        unique=False,
    )
    op.create_table(
        "intake_memory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("target", sa.String(length=60), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("updated_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_intake_memory_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_memory")),
        sa.UniqueConstraint("company_id", "kind", "key", name=op.f("uq_intake_memory_company_id_kind_key")),
    )


def downgrade() -> None:
    op.drop_table("intake_memory")
    op.drop_index("ix_intake_invoice_seller_amount", table_name="intake_invoice")
    op.drop_index("ix_intake_invoice_company_status", table_name="intake_invoice")
    op.drop_table("intake_invoice")
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.drop_column("tax_id")
