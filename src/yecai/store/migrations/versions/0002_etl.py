"""Imports from other systems: saved column mappings per source and the code map.

Revision ID: 0002_etl
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

import yecai.store.base

revision = "0002_etl"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "etl_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("mapping_json", sa.Text(), nullable=False),
        sa.Column("defaults_json", sa.Text(), nullable=False),
        sa.Column("updated_at", yecai.store.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_etl_profile_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_etl_profile")),
        sa.UniqueConstraint(
            "company_id", "source", "kind", name=op.f("uq_etl_profile_company_id_source_kind")
        ),
    )
    op.create_table(
        "etl_code_map",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("external_code", sa.String(length=60), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_etl_code_map_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_etl_code_map")),
        sa.UniqueConstraint(
            "company_id",
            "source",
            "kind",
            "external_code",
            name=op.f("uq_etl_code_map_company_id_source_kind_external_code"),
        ),
    )


def downgrade() -> None:
    op.drop_table("etl_code_map")
    op.drop_table("etl_profile")
