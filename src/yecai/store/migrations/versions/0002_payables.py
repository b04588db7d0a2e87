"""Payables: payment-matching review queue (proposals per outgoing bank line, their bills) and
the payee memory.

Revision ID: 0002_payables
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

import yecai.store.base

revision = "0002_payables"
down_revision = "0001"
branch_labels = None
depends_on = None

_MINOR = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = yecai.store.base.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    ref_table = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{ref_table}"))


def upgrade() -> None:
    op.create_table(
        "ap_match_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("bank_line_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("confidence_bp", sa.Integer(), nullable=False),
        sa.Column("reasons_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.String(length=60), nullable=False),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        _fk("ap_match_proposal", "company_id", "company.id"),
        _fk("ap_match_proposal", "bank_line_id", "bank_line.id"),
        _fk("ap_match_proposal", "supplier_id", "md_supplier.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ap_match_proposal")),
        sa.UniqueConstraint(
            "company_id", "bank_line_id", name=op.f("uq_ap_match_proposal_company_id_bank_line_id")
        ),
    )
    with op.batch_alter_table("ap_match_proposal", schema=None) as batch_op:
        batch_op.create_index("ix_ap_match_proposal_status", ["company_id", "status"], unique=False)

    op.create_table(
        "ap_match_proposal_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column("amount_minor", _MINOR, nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        _fk("ap_match_proposal_item", "proposal_id", "ap_match_proposal.id"),
        _fk("ap_match_proposal_item", "bill_id", "vendor_bill.id"),
        _fk("ap_match_proposal_item", "payment_id", "purchase_payment.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ap_match_proposal_item")),
    )
    with op.batch_alter_table("ap_match_proposal_item", schema=None) as batch_op:
        batch_op.create_index("ix_ap_match_proposal_item_proposal", ["proposal_id"], unique=False)

    op.create_table(
        "ap_payee_memory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("confirmations", sa.Integer(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        _fk("ap_payee_memory", "company_id", "company.id"),
        _fk("ap_payee_memory", "supplier_id", "md_supplier.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ap_payee_memory")),
        sa.UniqueConstraint(
            "company_id",
            "kind",
            "key",
            "supplier_id",
            name=op.f("uq_ap_payee_memory_company_id_kind_key_supplier_id"),
        ),
    )
    with op.batch_alter_table("ap_payee_memory", schema=None) as batch_op:
        batch_op.create_index("ix_ap_payee_memory_lookup", ["company_id", "active"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ap_payee_memory", schema=None) as batch_op:
        batch_op.drop_index("ix_ap_payee_memory_lookup")
    op.drop_table("ap_payee_memory")
    with op.batch_alter_table("ap_match_proposal_item", schema=None) as batch_op:
        batch_op.drop_index("ix_ap_match_proposal_item_proposal")
    op.drop_table("ap_match_proposal_item")
    with op.batch_alter_table("ap_match_proposal", schema=None) as batch_op:
        batch_op.drop_index("ix_ap_match_proposal_status")
    op.drop_table("ap_match_proposal")
