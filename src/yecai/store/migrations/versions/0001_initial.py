"""Initial schema: ledger, security, documents, intake, receivables.

Generated from the models with Alembic autogenerate and frozen: later schema changes are new
revisions. The immutability triggers (posted vouchers, audit log) are installed at the end.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

import yecai.store.base
from yecai.store.immutability import install_triggers

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    op.create_table(
        "company",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("start_period", sa.Integer(), nullable=False),
        sa.Column("chain_seq", sa.Integer(), nullable=False),
        sa.Column("chain_head", sa.String(length=64), nullable=False),
        sa.Column("settings_json", sa.Text(), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company")),
        sa.UniqueConstraint("code", name=op.f("uq_company_code")),
    )
    op.create_table(
        "processed_event",
        sa.Column("subscriber", sa.String(length=60), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("processed_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subscriber", "event_id", name=op.f("pk_processed_event")),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=6), nullable=False),
        sa.Column("category", sa.String(length=12), nullable=False),
        sa.Column("is_leaf", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("dimensions", sa.String(length=100), nullable=False),
        sa.Column("allow_fx", sa.Boolean(), nullable=False),
        sa.Column("pinyin", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_account_company_id_company")),
        sa.ForeignKeyConstraint(["parent_id"], ["account.id"], name=op.f("fk_account_parent_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_account_company_id_code")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=60), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=True),
        sa.Column("after_json", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_audit_log_company_id_company")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_audit_log_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_company_at", ["company_id", "at"], unique=False)
        batch_op.create_index("ix_audit_entity_at", ["entity", "entity_id", "at"], unique=False)

    op.create_table(
        "auth_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", yecai.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_auth_token_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_token_token_hash")),
    )
    with op.batch_alter_table("auth_token", schema=None) as batch_op:
        batch_op.create_index("ix_auth_token_user", ["user_id", "kind"], unique=False)

    op.create_table(
        "bank_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("bank_account", sa.String(length=64), nullable=False),
        sa.Column("account_code", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("statement_ref", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("opening_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("closing_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("opening_derived", sa.Boolean(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("lines_skipped", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_bank_statement_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_bank_statement_created_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statement")),
    )
    with op.batch_alter_table("bank_statement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_statement_company_id"), ["company_id"], unique=False)

    op.create_table(
        "company_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_company_grant_company_id_company")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_company_grant_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_grant")),
        sa.UniqueConstraint("user_id", "company_id", name=op.f("uq_company_grant_user_id_company_id")),
    )
    op.create_table(
        "dimension_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("dim_type", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_dimension_value_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dimension_value")),
        sa.UniqueConstraint(
            "company_id", "dim_type", "code", name=op.f("uq_dimension_value_company_id_dim_type_code")
        ),
    )
    op.create_table(
        "document_counter",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_document_counter_company_id_company")
        ),
        sa.PrimaryKeyConstraint("company_id", "doc_type", "year", name=op.f("pk_document_counter")),
    )
    op.create_table(
        "employee_advance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("employee", sa.String(length=40), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("amount_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("offset_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_employee_advance_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employee_advance")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_employee_advance_company_id_no")),
    )
    with op.batch_alter_table("employee_advance", schema=None) as batch_op:
        batch_op.create_index("ix_employee_advance_employee", ["company_id", "employee"], unique=False)

    op.create_table(
        "exchange_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("rate", yecai.store.base.DecimalText(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_exchange_rate_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rate")),
        sa.UniqueConstraint(
            "company_id", "currency", "period", name=op.f("uq_exchange_rate_company_id_currency_period")
        ),
    )
    op.create_table(
        "expense_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("employee", sa.String(length=40), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("net_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tax_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("attachments", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("approved_by", sa.String(length=60), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("offset_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_expense_claim_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expense_claim")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_expense_claim_company_id_no")),
    )
    with op.batch_alter_table("expense_claim", schema=None) as batch_op:
        batch_op.create_index("ix_expense_claim_employee", ["company_id", "employee"], unique=False)

    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_idempotency_record_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint(
            "company_id", "scope", "key", name=op.f("uq_idempotency_record_company_id_scope_key")
        ),
    )
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("vouchers_written", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", yecai.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_import_batch_company_id_company")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_import_batch_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_file_sha256"), ["file_sha256"], unique=False)

    op.create_table(
        "md_customer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tax_id", sa.String(length=18), nullable=False),
        sa.Column("bank_name", sa.String(length=100), nullable=False),
        sa.Column("bank_account", sa.String(length=40), nullable=False),
        sa.Column("party_group", sa.String(length=40), nullable=False),
        sa.Column("credit_days", sa.Integer(), nullable=False),
        sa.Column("credit_limit_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_md_customer_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_md_customer")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_md_customer_company_id_code")),
    )
    op.create_table(
        "md_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("spec", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("tax_rate", yecai.store.base.DecimalText(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_md_item_company_id_company")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_md_item")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_md_item_company_id_code")),
    )
    op.create_table(
        "md_supplier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tax_id", sa.String(length=18), nullable=False),
        sa.Column("bank_name", sa.String(length=100), nullable=False),
        sa.Column("bank_account", sa.String(length=40), nullable=False),
        sa.Column("party_group", sa.String(length=40), nullable=False),
        sa.Column("credit_days", sa.Integer(), nullable=False),
        sa.Column("credit_limit_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_md_supplier_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_md_supplier")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_md_supplier_company_id_code")),
    )
    op.create_table(
        "md_tax_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("rate", yecai.store.base.DecimalText(length=40), nullable=False),
        sa.Column("direction", sa.String(length=6), nullable=False),
        sa.Column("account_code", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_md_tax_code_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_md_tax_code")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_md_tax_code_company_id_code")),
    )
    op.create_table(
        "md_warehouse",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_md_warehouse_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_md_warehouse")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_md_warehouse_company_id_code")),
    )
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", yecai.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_outbox_event_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_event_id")),
    )
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_pending", ["delivered_at", "id"], unique=False)

    op.create_table(
        "period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_at", yecai.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["app_user.id"], name=op.f("fk_period_closed_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_period_company_id_company")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period")),
        sa.UniqueConstraint("company_id", "period", name=op.f("uq_period_company_id_period")),
    )
    op.create_table(
        "posting_rule_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("content_json", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_posting_rule_set_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posting_rule_set")),
        sa.UniqueConstraint("company_id", "version", name=op.f("uq_posting_rule_set_company_id_version")),
    )
    op.create_table(
        "stock_revaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_stock_revaluation_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_revaluation")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_stock_revaluation_company_id_no")),
    )
    op.create_table(
        "voucher",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=2), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("attachments", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("source_type", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("source_ref", sa.String(length=100), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("maker_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("poster_id", sa.Integer(), nullable=True),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", yecai.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("posted_at", yecai.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("chain_seq", sa.Integer(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_voucher_company_id_company")),
        sa.ForeignKeyConstraint(["maker_id"], ["app_user.id"], name=op.f("fk_voucher_maker_id_app_user")),
        sa.ForeignKeyConstraint(["poster_id"], ["app_user.id"], name=op.f("fk_voucher_poster_id_app_user")),
        sa.ForeignKeyConstraint(["reverses_id"], ["voucher.id"], name=op.f("fk_voucher_reverses_id_voucher")),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["app_user.id"], name=op.f("fk_voucher_reviewer_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher")),
        sa.UniqueConstraint("company_id", "chain_seq", name=op.f("uq_voucher_company_id_chain_seq")),
        sa.UniqueConstraint(
            "company_id", "period", "word", "number", name=op.f("uq_voucher_company_id_period_word_number")
        ),
    )
    with op.batch_alter_table("voucher", schema=None) as batch_op:
        batch_op.create_index("ix_voucher_company_status", ["company_id", "status"], unique=False)
        batch_op.create_index("ix_voucher_source", ["company_id", "source_type", "source_id"], unique=False)

    op.create_table(
        "voucher_counter",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=2), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_voucher_counter_company_id_company")
        ),
        sa.PrimaryKeyConstraint("company_id", "period", "word", name=op.f("pk_voucher_counter")),
    )
    op.create_table(
        "account_balance",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("debit_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("credit_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_account_balance_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_account_balance_company_id_company")
        ),
        sa.PrimaryKeyConstraint("company_id", "account_id", "period", name=op.f("pk_account_balance")),
    )
    op.create_table(
        "ar_payer_memory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("confirmations", sa.Integer(), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_ar_payer_memory_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_ar_payer_memory_customer_id_md_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_payer_memory")),
        sa.UniqueConstraint(
            "company_id",
            "kind",
            "key",
            "customer_id",
            name=op.f("uq_ar_payer_memory_company_id_kind_key_customer_id"),
        ),
    )
    with op.batch_alter_table("ar_payer_memory", schema=None) as batch_op:
        batch_op.create_index("ix_ar_payer_memory_lookup", ["company_id", "active"], unique=False)

    op.create_table(
        "bank_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("bank_account", sa.String(length=64), nullable=False),
        sa.Column("line_key", sa.String(length=100), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("txn_date", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("counterparty_name", sa.String(length=200), nullable=False),
        sa.Column("counterparty_account", sa.String(length=64), nullable=False),
        sa.Column("remark", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_bank_line_company_id_company")),
        sa.ForeignKeyConstraint(
            ["statement_id"], ["bank_statement.id"], name=op.f("fk_bank_line_statement_id_bank_statement")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_line")),
        sa.UniqueConstraint(
            "company_id",
            "bank_account",
            "line_key",
            name=op.f("uq_bank_line_company_id_bank_account_line_key"),
        ),
    )
    with op.batch_alter_table("bank_line", schema=None) as batch_op:
        batch_op.create_index("ix_bank_line_company_date", ["company_id", "txn_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_line_statement_id"), ["statement_id"], unique=False)

    op.create_table(
        "document_voucher",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("source_ref", sa.String(length=100), nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("voucher_id", sa.Integer(), nullable=True),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("explanations_json", sa.Text(), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_document_voucher_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"], ["voucher.id"], name=op.f("fk_document_voucher_voucher_id_voucher")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_voucher")),
        sa.UniqueConstraint(
            "company_id",
            "source_type",
            "source_id",
            "event",
            name=op.f("uq_document_voucher_company_id_source_type_source_id_event"),
        ),
    )
    with op.batch_alter_table("document_voucher", schema=None) as batch_op:
        batch_op.create_index("ix_document_voucher_voucher", ["voucher_id"], unique=False)

    op.create_table(
        "expense_claim_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("invoice_type", sa.String(length=10), nullable=False),
        sa.Column("net_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tax_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["expense_claim.id"], name=op.f("fk_expense_claim_line_claim_id_expense_claim")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expense_claim_line")),
        sa.UniqueConstraint("claim_id", "line_no", name=op.f("uq_expense_claim_line_claim_id_line_no")),
    )
    op.create_table(
        "production_bom",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_production_bom_company_id_company")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["md_item.id"], name=op.f("fk_production_bom_item_id_md_item")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_bom")),
        sa.UniqueConstraint(
            "company_id", "item_id", "version", name=op.f("uq_production_bom_company_id_item_id_version")
        ),
    )
    with op.batch_alter_table("production_bom", schema=None) as batch_op:
        batch_op.create_index("ix_production_bom_item", ["company_id", "item_id", "active"], unique=False)

    op.create_table(
        "purchase_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("prices_include_tax", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("net_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tax_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_purchase_order_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["md_supplier.id"], name=op.f("fk_purchase_order_supplier_id_md_supplier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_purchase_order_company_id_no")),
    )
    with op.batch_alter_table("purchase_order", schema=None) as batch_op:
        batch_op.create_index("ix_purchase_order_supplier", ["company_id", "supplier_id"], unique=False)

    op.create_table(
        "sales_credit_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("on_hold", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("changed_by", sa.String(length=60), nullable=False),
        sa.Column("changed_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_sales_credit_hold_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_sales_credit_hold_customer_id_md_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_credit_hold")),
        sa.UniqueConstraint(
            "company_id", "customer_id", name=op.f("uq_sales_credit_hold_company_id_customer_id")
        ),
    )
    op.create_table(
        "sales_invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("net_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tax_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("received_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_sales_invoice_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_sales_invoice_customer_id_md_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_invoice")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_sales_invoice_company_id_no")),
    )
    with op.batch_alter_table("sales_invoice", schema=None) as batch_op:
        batch_op.create_index("ix_sales_invoice_customer", ["company_id", "customer_id"], unique=False)

    op.create_table(
        "sales_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("prices_include_tax", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("net_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tax_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_sales_order_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_sales_order_customer_id_md_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_order")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_sales_order_company_id_no")),
    )
    with op.batch_alter_table("sales_order", schema=None) as batch_op:
        batch_op.create_index("ix_sales_order_customer", ["company_id", "customer_id"], unique=False)

    op.create_table(
        "stock_balance",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("value_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_cost", yecai.store.base.DecimalText(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_stock_balance_company_id_company")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["md_item.id"], name=op.f("fk_stock_balance_item_id_md_item")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["md_warehouse.id"], name=op.f("fk_stock_balance_warehouse_id_md_warehouse")
        ),
        sa.PrimaryKeyConstraint("company_id", "item_id", "warehouse_id", name=op.f("pk_stock_balance")),
    )
    op.create_table(
        "stock_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("processed", sa.Boolean(), nullable=False),
        sa.Column("processed_date", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_stock_count_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["md_warehouse.id"], name=op.f("fk_stock_count_warehouse_id_md_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_count")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_stock_count_company_id_no")),
    )
    op.create_table(
        "stock_move",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("value_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_type", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("source_line_id", sa.Integer(), nullable=True),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valuation", sa.String(length=12), nullable=False),
        sa.Column("cost_pending", sa.Boolean(), nullable=False),
        sa.Column("peer_move_id", sa.Integer(), nullable=True),
        sa.Column("bal_qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bal_value_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bal_unit_cost", yecai.store.base.DecimalText(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_stock_move_company_id_company")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["md_item.id"], name=op.f("fk_stock_move_item_id_md_item")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["md_warehouse.id"], name=op.f("fk_stock_move_warehouse_id_md_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_move")),
    )
    with op.batch_alter_table("stock_move", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stock_move_item", ["company_id", "item_id", "warehouse_id", "id"], unique=False
        )
        batch_op.create_index("ix_stock_move_peer", ["peer_move_id"], unique=False)
        batch_op.create_index("ix_stock_move_pending", ["company_id", "cost_pending", "date"], unique=False)
        batch_op.create_index(
            "ix_stock_move_source", ["company_id", "source_type", "source_id"], unique=False
        )

    op.create_table(
        "stock_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_stock_receipt_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["md_supplier.id"], name=op.f("fk_stock_receipt_supplier_id_md_supplier")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["md_warehouse.id"], name=op.f("fk_stock_receipt_warehouse_id_md_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_receipt")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_stock_receipt_company_id_no")),
    )
    op.create_table(
        "stock_revaluation_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revaluation_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("move_id", sa.Integer(), nullable=False),
        sa.Column("before_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("after_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["revaluation_id"],
            ["stock_revaluation.id"],
            name=op.f("fk_stock_revaluation_line_revaluation_id_stock_revaluation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_revaluation_line")),
    )
    op.create_table(
        "stock_transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("from_warehouse_id", sa.Integer(), nullable=False),
        sa.Column("to_warehouse_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_stock_transfer_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["from_warehouse_id"],
            ["md_warehouse.id"],
            name=op.f("fk_stock_transfer_from_warehouse_id_md_warehouse"),
        ),
        sa.ForeignKeyConstraint(
            ["to_warehouse_id"],
            ["md_warehouse.id"],
            name=op.f("fk_stock_transfer_to_warehouse_id_md_warehouse"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_transfer")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_stock_transfer_company_id_no")),
    )
    op.create_table(
        "vendor_bill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("invoice_no", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("net_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tax_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("accrued_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("to_stock_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("paid_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_vendor_bill_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["md_supplier.id"], name=op.f("fk_vendor_bill_supplier_id_md_supplier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_bill")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_vendor_bill_company_id_no")),
    )
    with op.batch_alter_table("vendor_bill", schema=None) as batch_op:
        batch_op.create_index("ix_vendor_bill_supplier", ["company_id", "supplier_id"], unique=False)

    op.create_table(
        "voucher_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("voucher_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("debit_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("credit_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("original_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("rate", yecai.store.base.DecimalText(length=40), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_voucher_line_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_voucher_line_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["dimension_value.id"], name=op.f("fk_voucher_line_customer_id_dimension_value")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["dimension_value.id"],
            name=op.f("fk_voucher_line_department_id_dimension_value"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["dimension_value.id"], name=op.f("fk_voucher_line_employee_id_dimension_value")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["dimension_value.id"], name=op.f("fk_voucher_line_project_id_dimension_value")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["dimension_value.id"], name=op.f("fk_voucher_line_supplier_id_dimension_value")
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"], ["voucher.id"], name=op.f("fk_voucher_line_voucher_id_voucher")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_line")),
        sa.UniqueConstraint("voucher_id", "line_no", name=op.f("uq_voucher_line_voucher_id_line_no")),
    )
    with op.batch_alter_table("voucher_line", schema=None) as batch_op:
        batch_op.create_index(
            "ix_voucher_line_account_period", ["company_id", "account_id", "period"], unique=False
        )

    op.create_table(
        "production_bom_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bom_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_per", yecai.store.base.DecimalText(length=40), nullable=False),
        sa.Column("scrap_pct", yecai.store.base.DecimalText(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["bom_id"], ["production_bom.id"], name=op.f("fk_production_bom_line_bom_id_production_bom")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["md_item.id"], name=op.f("fk_production_bom_line_item_id_md_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_bom_line")),
        sa.UniqueConstraint("bom_id", "line_no", name=op.f("uq_production_bom_line_bom_id_line_no")),
    )
    op.create_table(
        "purchase_order_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_price", yecai.store.base.DecimalText(length=40), nullable=False),
        sa.Column("tax_code", sa.String(length=20), nullable=False),
        sa.Column("tax_rate", yecai.store.base.DecimalText(length=40), nullable=False),
        sa.Column("net_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tax_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("received_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("billed_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("accrued_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cleared_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["md_item.id"], name=op.f("fk_purchase_order_line_item_id_md_item")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["purchase_order.id"], name=op.f("fk_purchase_order_line_order_id_purchase_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_line")),
        sa.UniqueConstraint("order_id", "line_no", name=op.f("uq_purchase_order_line_order_id_line_no")),
    )
    op.create_table(
        "purchase_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("amount_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["vendor_bill.id"], name=op.f("fk_purchase_payment_bill_id_vendor_bill")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_purchase_payment_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["md_supplier.id"], name=op.f("fk_purchase_payment_supplier_id_md_supplier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_payment")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_purchase_payment_company_id_no")),
    )
    with op.batch_alter_table("purchase_payment", schema=None) as batch_op:
        batch_op.create_index("ix_purchase_payment_supplier", ["company_id", "supplier_id"], unique=False)

    op.create_table(
        "purchase_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("cost_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_purchase_receipt_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["purchase_order.id"], name=op.f("fk_purchase_receipt_order_id_purchase_order")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["md_supplier.id"], name=op.f("fk_purchase_receipt_supplier_id_md_supplier")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["md_warehouse.id"], name=op.f("fk_purchase_receipt_warehouse_id_md_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_receipt")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_purchase_receipt_company_id_no")),
    )
    with op.batch_alter_table("purchase_receipt", schema=None) as batch_op:
        batch_op.create_index("ix_purchase_receipt_order", ["order_id"], unique=False)

    op.create_table(
        "sales_credit_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("exposure_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("limit_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("approved_by", sa.String(length=60), nullable=False),
        sa.Column("approved_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_sales_credit_approval_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["sales_order.id"], name=op.f("fk_sales_credit_approval_order_id_sales_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_credit_approval")),
        sa.UniqueConstraint("order_id", name=op.f("uq_sales_credit_approval_order_id")),
    )
    op.create_table(
        "sales_credit_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("net_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tax_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_sales_credit_note_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_sales_credit_note_customer_id_md_customer")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["sales_invoice.id"], name=op.f("fk_sales_credit_note_invoice_id_sales_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_credit_note")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_sales_credit_note_company_id_no")),
    )
    with op.batch_alter_table("sales_credit_note", schema=None) as batch_op:
        batch_op.create_index("ix_sales_credit_note_invoice", ["invoice_id"], unique=False)

    op.create_table(
        "sales_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("cost_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_sales_delivery_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_sales_delivery_customer_id_md_customer")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["sales_order.id"], name=op.f("fk_sales_delivery_order_id_sales_order")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["md_warehouse.id"], name=op.f("fk_sales_delivery_warehouse_id_md_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_delivery")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_sales_delivery_company_id_no")),
    )
    op.create_table(
        "sales_order_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_price", yecai.store.base.DecimalText(length=40), nullable=False),
        sa.Column("tax_code", sa.String(length=20), nullable=False),
        sa.Column("tax_rate", yecai.store.base.DecimalText(length=40), nullable=False),
        sa.Column("net_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tax_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("delivered_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("invoiced_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["md_item.id"], name=op.f("fk_sales_order_line_item_id_md_item")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["sales_order.id"], name=op.f("fk_sales_order_line_order_id_sales_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_order_line")),
        sa.UniqueConstraint("order_id", "line_no", name=op.f("uq_sales_order_line_order_id_line_no")),
    )
    op.create_table(
        "sales_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("amount_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_sales_receipt_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_sales_receipt_customer_id_md_customer")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["sales_invoice.id"], name=op.f("fk_sales_receipt_invoice_id_sales_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_receipt")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_sales_receipt_company_id_no")),
    )
    op.create_table(
        "stock_count_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("count_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("counted_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("book_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("move_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["count_id"], ["stock_count.id"], name=op.f("fk_stock_count_line_count_id_stock_count")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["md_item.id"], name=op.f("fk_stock_count_line_item_id_md_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_count_line")),
    )
    op.create_table(
        "stock_receipt_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cost_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["md_item.id"], name=op.f("fk_stock_receipt_line_item_id_md_item")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["stock_receipt.id"], name=op.f("fk_stock_receipt_line_receipt_id_stock_receipt")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_receipt_line")),
    )
    op.create_table(
        "stock_transfer_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("out_move_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["md_item.id"], name=op.f("fk_stock_transfer_line_item_id_md_item")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["stock_transfer.id"],
            name=op.f("fk_stock_transfer_line_transfer_id_stock_transfer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_transfer_line")),
    )
    op.create_table(
        "work_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("bom_id", sa.Integer(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("project", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("received_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("material_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("labour_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("overhead_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "relieved_material_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "relieved_labour_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "relieved_overhead_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "variance_material_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "variance_labour_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "variance_overhead_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bom_id"], ["production_bom.id"], name=op.f("fk_work_order_bom_id_production_bom")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_work_order_company_id_company")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["md_item.id"], name=op.f("fk_work_order_item_id_md_item")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_work_order_company_id_no")),
    )
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.create_index("ix_work_order_project", ["company_id", "project"], unique=False)

    op.create_table(
        "production_cost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("source_account", sa.String(length=20), nullable=False),
        sa.Column("amount_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hours", yecai.store.base.DecimalText(length=40), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_production_cost_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_production_cost_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_cost")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_production_cost_company_id_no")),
    )
    with op.batch_alter_table("production_cost", schema=None) as batch_op:
        batch_op.create_index("ix_production_cost_order", ["work_order_id"], unique=False)

    op.create_table(
        "production_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("cost_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_production_issue_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["md_warehouse.id"], name=op.f("fk_production_issue_warehouse_id_md_warehouse")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_production_issue_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_issue")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_production_issue_company_id_no")),
    )
    with op.batch_alter_table("production_issue", schema=None) as batch_op:
        batch_op.create_index("ix_production_issue_order", ["work_order_id"], unique=False)

    op.create_table(
        "production_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("material_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("labour_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("overhead_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_production_receipt_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["md_warehouse.id"],
            name=op.f("fk_production_receipt_warehouse_id_md_warehouse"),
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_production_receipt_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_receipt")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_production_receipt_company_id_no")),
    )
    with op.batch_alter_table("production_receipt", schema=None) as batch_op:
        batch_op.create_index("ix_production_receipt_order", ["work_order_id"], unique=False)

    op.create_table(
        "purchase_receipt_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cost_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("returned_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "returned_cost_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["md_item.id"], name=op.f("fk_purchase_receipt_line_item_id_md_item")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["purchase_order_line.id"],
            name=op.f("fk_purchase_receipt_line_order_line_id_purchase_order_line"),
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"],
            ["purchase_receipt.id"],
            name=op.f("fk_purchase_receipt_line_receipt_id_purchase_receipt"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_receipt_line")),
    )
    op.create_table(
        "purchase_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("cost_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_purchase_return_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"],
            ["purchase_receipt.id"],
            name=op.f("fk_purchase_return_receipt_id_purchase_receipt"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["md_supplier.id"], name=op.f("fk_purchase_return_supplier_id_md_supplier")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["md_warehouse.id"], name=op.f("fk_purchase_return_warehouse_id_md_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_return")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_purchase_return_company_id_no")),
    )
    op.create_table(
        "sales_delivery_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cost_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["sales_delivery.id"],
            name=op.f("fk_sales_delivery_line_delivery_id_sales_delivery"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["md_item.id"], name=op.f("fk_sales_delivery_line_item_id_md_item")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["sales_order_line.id"],
            name=op.f("fk_sales_delivery_line_order_line_id_sales_order_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_delivery_line")),
    )
    op.create_table(
        "sales_invoice_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_price", yecai.store.base.DecimalText(length=40), nullable=False),
        sa.Column("tax_code", sa.String(length=20), nullable=False),
        sa.Column("tax_rate", yecai.store.base.DecimalText(length=40), nullable=False),
        sa.Column("net_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tax_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["sales_invoice.id"], name=op.f("fk_sales_invoice_line_invoice_id_sales_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["md_item.id"], name=op.f("fk_sales_invoice_line_item_id_md_item")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["sales_order_line.id"],
            name=op.f("fk_sales_invoice_line_order_line_id_sales_order_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_invoice_line")),
    )
    op.create_table(
        "sales_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("cost_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_sales_return_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_sales_return_customer_id_md_customer")
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["sales_delivery.id"], name=op.f("fk_sales_return_delivery_id_sales_delivery")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["md_warehouse.id"], name=op.f("fk_sales_return_warehouse_id_md_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_return")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_sales_return_company_id_no")),
    )
    op.create_table(
        "vendor_bill_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_price", yecai.store.base.DecimalText(length=40), nullable=False),
        sa.Column("tax_code", sa.String(length=20), nullable=False),
        sa.Column("tax_rate", yecai.store.base.DecimalText(length=40), nullable=False),
        sa.Column("net_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tax_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("accrued_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("to_stock_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["vendor_bill.id"], name=op.f("fk_vendor_bill_line_bill_id_vendor_bill")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["md_item.id"], name=op.f("fk_vendor_bill_line_item_id_md_item")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["purchase_order_line.id"],
            name=op.f("fk_vendor_bill_line_order_line_id_purchase_order_line"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["md_warehouse.id"], name=op.f("fk_vendor_bill_line_warehouse_id_md_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_bill_line")),
    )
    op.create_table(
        "work_order_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("required_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("issued_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["md_item.id"], name=op.f("fk_work_order_line_item_id_md_item")),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_work_order_line_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_line")),
        sa.UniqueConstraint(
            "work_order_id", "line_no", name=op.f("uq_work_order_line_work_order_id_line_no")
        ),
    )
    op.create_table(
        "production_issue_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cost_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["production_issue.id"],
            name=op.f("fk_production_issue_line_issue_id_production_issue"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["md_item.id"], name=op.f("fk_production_issue_line_item_id_md_item")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["work_order_line.id"],
            name=op.f("fk_production_issue_line_order_line_id_work_order_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_issue_line")),
    )
    op.create_table(
        "purchase_return_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("receipt_line_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cost_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["md_item.id"], name=op.f("fk_purchase_return_line_item_id_md_item")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_line_id"],
            ["purchase_receipt_line.id"],
            name=op.f("fk_purchase_return_line_receipt_line_id_purchase_receipt_line"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["purchase_return.id"],
            name=op.f("fk_purchase_return_line_return_id_purchase_return"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_return_line")),
    )
    op.create_table(
        "sales_credit_note_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_note_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("invoice_line_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_price", yecai.store.base.DecimalText(length=40), nullable=False),
        sa.Column("tax_code", sa.String(length=20), nullable=False),
        sa.Column("tax_rate", yecai.store.base.DecimalText(length=40), nullable=False),
        sa.Column("net_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tax_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["credit_note_id"],
            ["sales_credit_note.id"],
            name=op.f("fk_sales_credit_note_line_credit_note_id_sales_credit_note"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"],
            ["sales_invoice_line.id"],
            name=op.f("fk_sales_credit_note_line_invoice_line_id_sales_invoice_line"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["md_item.id"], name=op.f("fk_sales_credit_note_line_item_id_md_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_credit_note_line")),
    )
    with op.batch_alter_table("sales_credit_note_line", schema=None) as batch_op:
        batch_op.create_index("ix_sales_credit_note_line_invoice_line", ["invoice_line_id"], unique=False)

    op.create_table(
        "sales_return_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("delivery_line_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_e4", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cost_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_line_id"],
            ["sales_delivery_line.id"],
            name=op.f("fk_sales_return_line_delivery_line_id_sales_delivery_line"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["md_item.id"], name=op.f("fk_sales_return_line_item_id_md_item")
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["sales_return.id"], name=op.f("fk_sales_return_line_return_id_sales_return")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_return_line")),
    )
    with op.batch_alter_table("sales_return_line", schema=None) as batch_op:
        batch_op.create_index("ix_sales_return_line_delivery_line", ["delivery_line_id"], unique=False)
    install_triggers(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("sales_return_line", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_return_line_delivery_line")

    op.drop_table("sales_return_line")
    with op.batch_alter_table("sales_credit_note_line", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_credit_note_line_invoice_line")

    op.drop_table("sales_credit_note_line")
    op.drop_table("purchase_return_line")
    op.drop_table("production_issue_line")
    op.drop_table("work_order_line")
    op.drop_table("vendor_bill_line")
    op.drop_table("sales_return")
    op.drop_table("sales_invoice_line")
    op.drop_table("sales_delivery_line")
    op.drop_table("purchase_return")
    op.drop_table("purchase_receipt_line")
    with op.batch_alter_table("production_receipt", schema=None) as batch_op:
        batch_op.drop_index("ix_production_receipt_order")

    op.drop_table("production_receipt")
    with op.batch_alter_table("production_issue", schema=None) as batch_op:
        batch_op.drop_index("ix_production_issue_order")

    op.drop_table("production_issue")
    with op.batch_alter_table("production_cost", schema=None) as batch_op:
        batch_op.drop_index("ix_production_cost_order")

    op.drop_table("production_cost")
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.drop_index("ix_work_order_project")

    op.drop_table("work_order")
    op.drop_table("stock_transfer_line")
    op.drop_table("stock_receipt_line")
    op.drop_table("stock_count_line")
    op.drop_table("sales_receipt")
    op.drop_table("sales_order_line")
    op.drop_table("sales_delivery")
    with op.batch_alter_table("sales_credit_note", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_credit_note_invoice")

    op.drop_table("sales_credit_note")
    op.drop_table("sales_credit_approval")
    with op.batch_alter_table("purchase_receipt", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_receipt_order")

    op.drop_table("purchase_receipt")
    with op.batch_alter_table("purchase_payment", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_payment_supplier")

    op.drop_table("purchase_payment")
    op.drop_table("purchase_order_line")
    op.drop_table("production_bom_line")
    with op.batch_alter_table("voucher_line", schema=None) as batch_op:
        batch_op.drop_index("ix_voucher_line_account_period")

    op.drop_table("voucher_line")
    with op.batch_alter_table("vendor_bill", schema=None) as batch_op:
        batch_op.drop_index("ix_vendor_bill_supplier")

    op.drop_table("vendor_bill")
    op.drop_table("stock_transfer")
    op.drop_table("stock_revaluation_line")
    op.drop_table("stock_receipt")
    with op.batch_alter_table("stock_move", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_move_source")
        batch_op.drop_index("ix_stock_move_pending")
        batch_op.drop_index("ix_stock_move_peer")
        batch_op.drop_index("ix_stock_move_item")

    op.drop_table("stock_move")
    op.drop_table("stock_count")
    op.drop_table("stock_balance")
    with op.batch_alter_table("sales_order", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_order_customer")

    op.drop_table("sales_order")
    with op.batch_alter_table("sales_invoice", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_invoice_customer")

    op.drop_table("sales_invoice")
    op.drop_table("sales_credit_hold")
    with op.batch_alter_table("purchase_order", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_order_supplier")

    op.drop_table("purchase_order")
    with op.batch_alter_table("production_bom", schema=None) as batch_op:
        batch_op.drop_index("ix_production_bom_item")

    op.drop_table("production_bom")
    op.drop_table("expense_claim_line")
    with op.batch_alter_table("document_voucher", schema=None) as batch_op:
        batch_op.drop_index("ix_document_voucher_voucher")

    op.drop_table("document_voucher")
    with op.batch_alter_table("bank_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_line_statement_id"))
        batch_op.drop_index("ix_bank_line_company_date")

    op.drop_table("bank_line")
    with op.batch_alter_table("ar_payer_memory", schema=None) as batch_op:
        batch_op.drop_index("ix_ar_payer_memory_lookup")

    op.drop_table("ar_payer_memory")
    op.drop_table("account_balance")
    op.drop_table("voucher_counter")
    with op.batch_alter_table("voucher", schema=None) as batch_op:
        batch_op.drop_index("ix_voucher_source")
        batch_op.drop_index("ix_voucher_company_status")

    op.drop_table("voucher")
    op.drop_table("stock_revaluation")
    op.drop_table("posting_rule_set")
    op.drop_table("period")
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_pending")

    op.drop_table("outbox_event")
    op.drop_table("md_warehouse")
    op.drop_table("md_tax_code")
    op.drop_table("md_supplier")
    op.drop_table("md_item")
    op.drop_table("md_customer")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_file_sha256"))

    op.drop_table("import_batch")
    op.drop_table("idempotency_record")
    with op.batch_alter_table("expense_claim", schema=None) as batch_op:
        batch_op.drop_index("ix_expense_claim_employee")

    op.drop_table("expense_claim")
    op.drop_table("exchange_rate")
    with op.batch_alter_table("employee_advance", schema=None) as batch_op:
        batch_op.drop_index("ix_employee_advance_employee")

    op.drop_table("employee_advance")
    op.drop_table("document_counter")
    op.drop_table("dimension_value")
    op.drop_table("company_grant")
    with op.batch_alter_table("bank_statement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_statement_company_id"))

    op.drop_table("bank_statement")
    with op.batch_alter_table("auth_token", schema=None) as batch_op:
        batch_op.drop_index("ix_auth_token_user")

    op.drop_table("auth_token")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entity_at")
        batch_op.drop_index("ix_audit_company_at")

    op.drop_table("audit_log")
    op.drop_table("account")
    op.drop_table("processed_event")
    op.drop_table("company")
    op.drop_table("app_user")
