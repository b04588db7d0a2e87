"""Cash application review queue: proposals per bank statement line and their invoices.

Revision ID: 0002_cashapp
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

import yecai.store.base

revision = "0002_cashapp"
down_revision = "0001"
branch_labels = None
depends_on = None

_MINOR = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ar_match_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("bank_line_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("confidence_bp", sa.Integer(), nullable=False),
        sa.Column("reasons_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.String(length=60), nullable=False),
        sa.Column("decided_at", yecai.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_ar_match_proposal_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["bank_line_id"], ["bank_line.id"], name=op.f("fk_ar_match_proposal_bank_line_id_bank_line")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_ar_match_proposal_customer_id_md_customer")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["sales_receipt.id"], name=op.f("fk_ar_match_proposal_receipt_id_sales_receipt")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_match_proposal")),
        sa.UniqueConstraint(
            "company_id", "bank_line_id", name=op.f("uq_ar_match_proposal_company_id_bank_line_id")
        ),
    )
    with op.batch_alter_table("ar_match_proposal", schema=None) as batch_op:
        batch_op.create_index("ix_ar_match_proposal_status", ["company_id", "status"], unique=False)

    op.create_table(
        "ar_match_proposal_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount_minor", _MINOR, nullable=False),
        sa.Column("writeoff_minor", _MINOR, nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["ar_match_proposal.id"],
            name=op.f("fk_ar_match_proposal_item_proposal_id_ar_match_proposal"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["sales_invoice.id"],
            name=op.f("fk_ar_match_proposal_item_invoice_id_sales_invoice"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_match_proposal_item")),
    )
    with op.batch_alter_table("ar_match_proposal_item", schema=None) as batch_op:
        batch_op.create_index("ix_ar_match_proposal_item_proposal", ["proposal_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ar_match_proposal_item", schema=None) as batch_op:
        batch_op.drop_index("ix_ar_match_proposal_item_proposal")
    op.drop_table("ar_match_proposal_item")
    with op.batch_alter_table("ar_match_proposal", schema=None) as batch_op:
        batch_op.drop_index("ix_ar_match_proposal_status")
    op.drop_table("ar_match_proposal")
