"""Document postings keep the document's snapshot and date, so that a changed rule set can be
dry-run over a past period against exactly what was posted.

Revision ID: 0002_docs
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_docs"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("document_voucher", sa.Column("doc_date", sa.Date(), nullable=True))
    op.add_column("document_voucher", sa.Column("snapshot_json", sa.Text(), nullable=True))
    op.create_index(
        "ix_document_voucher_company_date", "document_voucher", ["company_id", "doc_date"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_document_voucher_company_date", table_name="document_voucher")
    with op.batch_alter_table("document_voucher", schema=None) as batch_op:
        batch_op.drop_column("snapshot_json")
        batch_op.drop_column("doc_date")
