"""Receivables dunning (催收): policies and levels, the customers' dunning state, promises to pay,
disputes, the action queue, tasks, late-fee charges, runs and the timeline.

Revision ID: 0002_dunning
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

import yecai.store.base

revision = "0002_dunning"
down_revision = "0001"
branch_labels = None
depends_on = None

# The timeline is append-only, as the audit log is: a trigger refuses UPDATE and DELETE.
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS trg_ar_dunning_event_no_update BEFORE UPDATE ON ar_dunning_event
       BEGIN SELECT RAISE(ABORT, 'yecai: the dunning timeline is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS trg_ar_dunning_event_no_delete BEFORE DELETE ON ar_dunning_event
       BEGIN SELECT RAISE(ABORT, 'yecai: the dunning timeline is append-only'); END""",
]
_PG_TRIGGERS = [
    # yecai_refuse() is created by revision 0001 (store.immutability)
    "DROP TRIGGER IF EXISTS trg_ar_dunning_event_append_only ON ar_dunning_event",
    """CREATE TRIGGER trg_ar_dunning_event_append_only BEFORE UPDATE OR DELETE ON ar_dunning_event
       FOR EACH ROW EXECUTE FUNCTION yecai_refuse('the dunning timeline is append-only')""",
]


def upgrade() -> None:
    op.create_table(
        "ar_dunning_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("levels_json", sa.Text(), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_ar_dunning_policy_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_dunning_policy")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_ar_dunning_policy_company_id_code")),
    )
    op.create_table(
        "ar_dunning_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("started_by", sa.String(length=60), nullable=False),
        sa.Column("started_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("summary_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_ar_dunning_run_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_dunning_run")),
    )
    with op.batch_alter_table("ar_dunning_run", schema=None) as batch_op:
        batch_op.create_index("ix_ar_dunning_run_company", ["company_id", "as_of"], unique=False)
    op.create_table(
        "ar_dunning_smtp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("security", sa.String(length=10), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("password_enc", sa.Text(), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("timeout_ms", sa.Integer(), nullable=False),
        sa.Column("updated_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_ar_dunning_smtp_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_dunning_smtp")),
        sa.UniqueConstraint("company_id", name=op.f("uq_ar_dunning_smtp_company_id")),
    )
    op.create_table(
        "ar_dunning_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("action_no", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("params_json", sa.Text(), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", yecai.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_ar_dunning_action_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_ar_dunning_action_customer_id_md_customer")
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["ar_dunning_policy.id"],
            name=op.f("fk_ar_dunning_action_policy_id_ar_dunning_policy"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["ar_dunning_run.id"], name=op.f("fk_ar_dunning_action_run_id_ar_dunning_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_dunning_action")),
        sa.UniqueConstraint(
            "company_id",
            "customer_id",
            "cycle",
            "level",
            "action_no",
            name=op.f("uq_ar_dunning_action_company_id_customer_id_cycle_level_action_no"),
        ),
    )
    with op.batch_alter_table("ar_dunning_action", schema=None) as batch_op:
        batch_op.create_index("ix_ar_dunning_action_status", ["company_id", "status"], unique=False)
    op.create_table(
        "ar_dunning_customer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=300), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("level_since", sa.Date(), nullable=True),
        sa.Column("charged_through", sa.Date(), nullable=True),
        sa.Column("updated_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_ar_dunning_customer_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_ar_dunning_customer_customer_id_md_customer")
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["ar_dunning_policy.id"],
            name=op.f("fk_ar_dunning_customer_policy_id_ar_dunning_policy"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_dunning_customer")),
        sa.UniqueConstraint(
            "company_id", "customer_id", name=op.f("uq_ar_dunning_customer_company_id_customer_id")
        ),
    )
    op.create_table(
        "ar_dunning_dispute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("closed_by", sa.String(length=60), nullable=False),
        sa.Column("closed_at", yecai.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_ar_dunning_dispute_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_ar_dunning_dispute_customer_id_md_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_dunning_dispute")),
    )
    with op.batch_alter_table("ar_dunning_dispute", schema=None) as batch_op:
        batch_op.create_index("ix_ar_dunning_dispute_customer", ["company_id", "customer_id"], unique=False)
    op.create_table(
        "ar_dunning_promise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("promise_date", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_by", sa.String(length=60), nullable=False),
        sa.Column("closed_at", yecai.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_ar_dunning_promise_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_ar_dunning_promise_customer_id_md_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_dunning_promise")),
    )
    with op.batch_alter_table("ar_dunning_promise", schema=None) as batch_op:
        batch_op.create_index("ix_ar_dunning_promise_customer", ["company_id", "customer_id"], unique=False)
    op.create_table(
        "ar_dunning_charge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("interest_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("fee_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("total_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("basis_json", sa.Text(), nullable=False),
        sa.Column("voucher_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["ar_dunning_action.id"],
            name=op.f("fk_ar_dunning_charge_action_id_ar_dunning_action"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_ar_dunning_charge_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_ar_dunning_charge_customer_id_md_customer")
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"], ["voucher.id"], name=op.f("fk_ar_dunning_charge_voucher_id_voucher")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_dunning_charge")),
        sa.UniqueConstraint("company_id", "no", name=op.f("uq_ar_dunning_charge_company_id_no")),
    )
    op.create_table(
        "ar_dunning_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("detail_json", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["ar_dunning_action.id"],
            name=op.f("fk_ar_dunning_event_action_id_ar_dunning_action"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_ar_dunning_event_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_ar_dunning_event_customer_id_md_customer")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["ar_dunning_run.id"], name=op.f("fk_ar_dunning_event_run_id_ar_dunning_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_dunning_event")),
    )
    with op.batch_alter_table("ar_dunning_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ar_dunning_event_customer", ["company_id", "customer_id", "id"], unique=False
        )
    op.create_table(
        "ar_dunning_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("assignee", sa.String(length=60), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("done_by", sa.String(length=60), nullable=False),
        sa.Column("done_at", yecai.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", yecai.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["ar_dunning_action.id"],
            name=op.f("fk_ar_dunning_task_action_id_ar_dunning_action"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_ar_dunning_task_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["md_customer.id"], name=op.f("fk_ar_dunning_task_customer_id_md_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_dunning_task")),
    )
    with op.batch_alter_table("ar_dunning_task", schema=None) as batch_op:
        batch_op.create_index("ix_ar_dunning_task_assignee", ["company_id", "assignee", "done"], unique=False)

    bind = op.get_bind()
    for sql in _SQLITE_TRIGGERS if bind.dialect.name == "sqlite" else _PG_TRIGGERS:
        bind.exec_driver_sql(sql, execution_options={"no_parameters": True})


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS trg_ar_dunning_event_no_update")
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS trg_ar_dunning_event_no_delete")
    op.drop_table("ar_dunning_task")
    op.drop_table("ar_dunning_event")
    op.drop_table("ar_dunning_charge")
    op.drop_table("ar_dunning_promise")
    op.drop_table("ar_dunning_dispute")
    op.drop_table("ar_dunning_customer")
    op.drop_table("ar_dunning_action")
    op.drop_table("ar_dunning_smtp")
    op.drop_table("ar_dunning_run")
    op.drop_table("ar_dunning_policy")
