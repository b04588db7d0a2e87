"""Database triggers that refuse UPDATE/DELETE of posted vouchers, their lines and the audit log.

The service layer never tries; the triggers make sure nothing else (a script, a console) can,
short of dropping them, which the hash chain then exposes.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS trg_voucher_posted_no_update BEFORE UPDATE ON voucher
       WHEN OLD.status = 'posted'
       BEGIN SELECT RAISE(ABORT, 'yecai: a posted voucher cannot be changed; reverse it instead'); END""",
    """CREATE TRIGGER IF NOT EXISTS trg_voucher_posted_no_delete BEFORE DELETE ON voucher
       WHEN OLD.status = 'posted'
       BEGIN SELECT RAISE(ABORT, 'yecai: a posted voucher cannot be deleted; reverse it instead'); END""",
    """CREATE TRIGGER IF NOT EXISTS trg_voucher_line_posted_no_update BEFORE UPDATE ON voucher_line
       WHEN (SELECT status FROM voucher WHERE id = OLD.voucher_id) = 'posted'
       BEGIN SELECT RAISE(ABORT, 'yecai: lines of a posted voucher cannot be changed'); END""",
    """CREATE TRIGGER IF NOT EXISTS trg_voucher_line_posted_no_delete BEFORE DELETE ON voucher_line
       WHEN (SELECT status FROM voucher WHERE id = OLD.voucher_id) = 'posted'
       BEGIN SELECT RAISE(ABORT, 'yecai: lines of a posted voucher cannot be deleted'); END""",
    """CREATE TRIGGER IF NOT EXISTS trg_audit_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'yecai: the audit log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS trg_audit_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'yecai: the audit log is append-only'); END""",
]

_PG = [
    """CREATE OR REPLACE FUNCTION yecai_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'yecai: %', TG_ARGV[0]; END; $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION yecai_refuse_posted_line() RETURNS trigger AS $$
       BEGIN
         IF (SELECT status FROM voucher WHERE id = OLD.voucher_id) = 'posted' THEN
           RAISE EXCEPTION 'yecai: lines of a posted voucher cannot be changed';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS trg_voucher_posted_no_change ON voucher",
    """CREATE TRIGGER trg_voucher_posted_no_change BEFORE UPDATE OR DELETE ON voucher
       FOR EACH ROW WHEN (OLD.status = 'posted')
       EXECUTE FUNCTION yecai_refuse('a posted voucher cannot be changed; reverse it instead')""",
    "DROP TRIGGER IF EXISTS trg_voucher_line_posted_no_change ON voucher_line",
    """CREATE TRIGGER trg_voucher_line_posted_no_change BEFORE UPDATE OR DELETE ON voucher_line
       FOR EACH ROW EXECUTE FUNCTION yecai_refuse_posted_line()""",
    "DROP TRIGGER IF EXISTS trg_audit_append_only ON audit_log",
    """CREATE TRIGGER trg_audit_append_only BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION yecai_refuse('the audit log is append-only')""",
]


def install_triggers(conn: Connection) -> None:
    statements = _SQLITE if conn.dialect.name == "sqlite" else _PG
    for sql in statements:
        # no_parameters: psycopg would otherwise read the '%' in RAISE EXCEPTION as a placeholder.
        conn.exec_driver_sql(sql, execution_options={"no_parameters": True})


def drop_triggers(conn: Connection) -> None:
    """For tamper-evidence tests and for emergency repair by an administrator only."""
    if conn.dialect.name == "sqlite":
        for name in (
            "trg_voucher_posted_no_update",
            "trg_voucher_posted_no_delete",
            "trg_voucher_line_posted_no_update",
            "trg_voucher_line_posted_no_delete",
            "trg_audit_no_update",
            "trg_audit_no_delete",
        ):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    else:
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS trg_voucher_posted_no_change ON voucher")
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS trg_voucher_line_posted_no_change ON voucher_line")
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS trg_audit_append_only ON audit_log")
