"""Vendor bills without a purchase order: a bill line is either an order line (three-way match,
as before) or a direct line with an expense category (费用类别), a department and optionally a
project, a service item and a description.

Revision ID: 0002_billsnopo
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_billsnopo"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("vendor_bill_line", schema=None) as batch_op:
        batch_op.alter_column("order_line_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("item_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("category", sa.String(length=20), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("department", sa.String(length=40), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("project", sa.String(length=40), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("description", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.create_check_constraint("kind", "order_line_id IS NOT NULL OR category <> ''")


def downgrade() -> None:
    with op.batch_alter_table("vendor_bill_line", schema=None) as batch_op:
        batch_op.drop_constraint("kind", type_="check")
        batch_op.drop_column("description")
        batch_op.drop_column("project")
        batch_op.drop_column("department")
        batch_op.drop_column("category")
        batch_op.alter_column("item_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("order_line_id", existing_type=sa.Integer(), nullable=False)
