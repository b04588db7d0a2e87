"""Vouchers: the (company, status) index becomes (company, status, period) over the vouchers not posted.

Nearly every voucher is posted, and posted vouchers are found by company, period and number, so
a full index on status was paid on every insert (about 6% of a bulk import's writing) for the
few drafts, reviewed and void vouchers that lists and the period close look up by status.

Revision ID: 0003_unposted_index
Revises: 0002_aritems, 0002_billsnopo, 0002_cashapp, 0002_docs, 0002_dunning, 0002_etl,
    0002_ocr, 0002_payables
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_unposted_index"
down_revision = (
    "0002_aritems",
    "0002_billsnopo",
    "0002_cashapp",
    "0002_docs",
    "0002_dunning",
    "0002_etl",
    "0002_ocr",
    "0002_payables",
)
branch_labels = None
depends_on = None

_WHERE = sa.text("status <> 'posted'")


def upgrade() -> None:
    op.drop_index("ix_voucher_company_status", table_name="voucher")
    op.create_index(
        "ix_voucher_company_unposted",
        "voucher",
        ["company_id", "status", "period"],
        unique=False,
        sqlite_where=_WHERE,
        postgresql_where=_WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_voucher_company_unposted", table_name="voucher")
    op.create_index("ix_voucher_company_status", "voucher", ["company_id", "status"], unique=False)
