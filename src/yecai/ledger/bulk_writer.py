"""The voucher import's writer: applies one planned chunk inside a transaction.

Kept free of the ORM and the rest of the application so that SQLite's writer process
(``python -m yecai.ledger.bulk_writer DB``) starts in a few milliseconds. A plan is a
marshal-able dict made by ``bulk._Planner`` or ``bulk_columnar.ColumnarPlanner``; its rows come
either as tuples or, from the columnar planner, as Arrow IPC streams, which the writer process
inserts straight from C with the ADBC SQLite driver.

Protocol of the writer process: the parent writes frames (8-byte little-endian length, then a
marshal'ed plan) to its stdin; an empty frame or EOF ends it. A plan whose ``streams`` names
some of its row sets ("vouchers", "lines") is followed by those rows as Arrow IPC streams, in
that order, written by polars straight into the pipe. For each plan the child answers on
stdout with a frame (status, seq, reason): "ok" once committed, "conflict" when the ledger moved
(the chunk is rolled back and every later plan is refused), "error" (then it stops).
"""

from __future__ import annotations

import marshal
import os
import struct
import sys
import threading
import time
from dataclasses import dataclass
from typing import IO, Any

COUNTER_SQL = (
    "INSERT INTO voucher_counter (company_id, period, word, last_number) VALUES (?,?,?,?) "
    "ON CONFLICT (company_id, period, word) DO UPDATE SET last_number = excluded.last_number"
)
# Posted movements of the chunk, summed by the database from the lines just written (the same
# sums post_rows adds, without a Python pass over every line).
BALANCE_SQL = (
    "INSERT INTO account_balance (company_id, account_id, period, debit_minor, credit_minor) "
    "SELECT l.company_id, l.account_id, l.period, sum(l.debit_minor), sum(l.credit_minor) "
    "FROM voucher_line l JOIN voucher v ON v.id = l.voucher_id "
    "WHERE l.id BETWEEN ? AND ? AND v.company_id = ? AND v.source_type = 'import' AND v.source_id = ? "
    "AND v.id BETWEEN ? AND ? "
    "GROUP BY l.company_id, l.account_id, l.period "
    "ON CONFLICT (company_id, account_id, period) DO UPDATE SET "
    "debit_minor = account_balance.debit_minor + excluded.debit_minor, "
    "credit_minor = account_balance.credit_minor + excluded.credit_minor"
)
# The same, with the sums computed by the planner (column-wise plans carry them).
BALANCE_ROWS_SQL = (
    "INSERT INTO account_balance (company_id, account_id, period, debit_minor, credit_minor) "
    "VALUES (?,?,?,?,?) "
    "ON CONFLICT (company_id, account_id, period) DO UPDATE SET "
    "debit_minor = account_balance.debit_minor + excluded.debit_minor, "
    "credit_minor = account_balance.credit_minor + excluded.credit_minor"
)
AUDIT_SQL = (
    "INSERT INTO audit_log (at, user_id, username, company_id, action, entity, entity_id, "
    "after_json, source) VALUES (?,?,?,?,?,?,?,?,?)"
)
_FRAME = struct.Struct("<Q")


@dataclass
class LedgerState:
    """What the next voucher's numbers depend on (read under the write lock)."""

    chain_seq: int
    chain_head: str
    counters: dict[tuple[int, str], int]
    periods: dict[int, str]
    next_voucher_id: int | None  # None: ids come from a sequence (PostgreSQL)
    next_line_id: int | None


def sql(text: str, paramstyle: str) -> str:
    return text.replace("?", "%s") if paramstyle == "format" else text


def read_state(cur: Any, company_id: int, *, paramstyle: str, with_max_ids: bool) -> LedgerState:
    """The ledger state a chunk is numbered after (call under the write lock)."""
    pg = paramstyle == "format"
    lock = " FOR UPDATE" if pg else ""
    cur.execute(
        sql("SELECT chain_seq, chain_head FROM company WHERE id = ?" + lock, paramstyle), (company_id,)
    )
    chain_seq, chain_head = cur.fetchone()
    cur.execute(
        sql("SELECT period, word, last_number FROM voucher_counter WHERE company_id = ?" + lock, paramstyle),
        (company_id,),
    )
    counters = {(p, w): n for p, w, n in cur.fetchall()}
    cur.execute(sql("SELECT period, status FROM period WHERE company_id = ?", paramstyle), (company_id,))
    periods = dict(cur.fetchall())
    next_v = next_l = None
    if with_max_ids:
        cur.execute("SELECT coalesce(max(id), 0) FROM voucher")
        next_v = cur.fetchone()[0] + 1
        cur.execute("SELECT coalesce(max(id), 0) FROM voucher_line")
        next_l = cur.fetchone()[0] + 1
    return LedgerState(chain_seq, chain_head, counters, periods, next_v, next_l)


def _lit(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


def insert_sql(table: str, columns: list[str], consts: dict[str, Any]) -> str:
    """INSERT with the chunk's constants written in: fewer values bound per row is much of the speed."""
    names = [*columns, *consts]
    values = ["?"] * len(columns) + [_lit(v) for v in consts.values()]
    return f"INSERT INTO {table} ({','.join(names)}) VALUES ({','.join(values)})"


def write_ipc_stream(df: Any, out: IO[bytes]) -> None:
    """Write a polars DataFrame to ``out`` as one Arrow IPC stream (read by ``read_ipc_stream``)."""
    import polars as pl

    df.write_ipc_stream(out, compat_level=pl.CompatLevel.oldest())


def read_ipc_stream(inp: IO[bytes]) -> Any:
    """The next Arrow IPC stream of ``inp`` as a pyarrow Table (reads exactly up to its end)."""
    import pyarrow as pa

    return pa.ipc.open_stream(inp).read_all()


def _rows_of_table(table: Any) -> list[tuple[Any, ...]]:
    return list(zip(*(col.to_pylist() for col in table.columns), strict=True))


def _ingest(cur: Any, table: str, columns: list[str], consts: dict[str, Any], t: Any) -> None:
    """Insert an Arrow table with the ADBC driver: the statement is prepared once with the
    chunk's constants written in, and each row's values are bound from the Arrow arrays in C."""
    assert t.column_names == columns, (t.column_names, columns)
    cur.executemany(insert_sql(table, columns, consts), t)


def _insert(cur: Any, plan: dict[str, Any], what: str, paramstyle: str, adbc: bool) -> None:
    table = {"vouchers": "voucher", "lines": "voucher_line"}[what]
    columns, consts = plan[f"{what}_columns"], plan[f"{what}_consts"]
    rows = plan[what]
    if not isinstance(rows, list):  # an Arrow table (column-wise plans)
        if adbc:
            if columns[0] == "id" and plan["expect"]["voucher_max_id"] is not None and rows.num_rows:
                # SQLite's ids: the planned ones continue the table's largest (checked under
                # this lock), in order, which is what SQLite gives a row inserted without one.
                # Not binding them spares a value and a primary-key lookup per row.
                _ingest(cur, table, columns[1:], consts, rows.drop_columns(["id"]))
                last = plan[{"vouchers": "voucher_ids", "lines": "line_ids"}[what]][1]
                cur.execute(f"SELECT max(id) FROM {table}")
                (got,) = cur.fetchone()
                if got != last:
                    raise RuntimeError(f"{table} ids {got} after the chunk, planned {last}")
                return
            _ingest(cur, table, columns, consts, rows)
            return
        rows = _rows_of_table(rows)
    cur.executemany(sql(insert_sql(table, columns, consts), paramstyle), rows)


def apply_plan(cur: Any, plan: dict[str, Any], paramstyle: str, *, adbc: bool = False) -> str | None:
    """Write one planned chunk inside the caller's transaction; a reason string if it may not."""

    def q(text: str) -> str:
        return sql(text, paramstyle)

    cid = plan["company_id"]
    expect = plan["expect"]
    state = read_state(cur, cid, paramstyle=paramstyle, with_max_ids=expect["voucher_max_id"] is not None)
    if [state.chain_seq, state.chain_head] != list(expect["chain"]):
        return "the hash chain moved"
    if expect["voucher_max_id"] is not None and (
        state.next_voucher_id != expect["voucher_max_id"] + 1
        or state.next_line_id != expect["line_max_id"] + 1
    ):
        return "other vouchers were written"
    for p, w, last in expect["counters"]:
        if state.counters.get((p, w), 0) != last:
            return "voucher numbers moved"
    for p in expect["periods"]:
        if state.periods.get(p) != "open":
            return f"period {p // 100:04d}-{p % 100:02d} is no longer open"
    # Every id the rows refer to exists (the foreign keys, checked once per chunk on the
    # distinct values; the writer process runs with per-row enforcement off for speed).
    for table, ids in plan["refs"].items():
        if ids:
            marks = ",".join("?" * len(ids))
            cur.execute(q(f"SELECT count(*) FROM {table} WHERE id IN ({marks})"), tuple(ids))
            if cur.fetchone()[0] != len(ids):
                return f"a referenced {table} no longer exists"
    if plan["n_vouchers"]:
        _insert(cur, plan, "vouchers", paramstyle, adbc)
        _insert(cur, plan, "lines", paramstyle, adbc)
        cur.executemany(q(COUNTER_SQL), plan["counters"])
        if plan["post"]:
            if plan.get("balances") is not None:
                cur.executemany(q(BALANCE_ROWS_SQL), plan["balances"])
            else:
                lo, hi = plan["line_ids"]
                vlo, vhi = plan["voucher_ids"]
                cur.execute(q(BALANCE_SQL), (lo, hi, cid, plan["batch_id"], vlo, vhi))
            c, seq, head = plan["chain"]
            cur.execute(q("UPDATE company SET chain_seq = ?, chain_head = ? WHERE id = ?"), (seq, head, c))
        cur.execute(q(AUDIT_SQL), tuple(plan["audit"]))
    written, batch_id = plan["batch"]
    cur.execute(q("UPDATE import_batch SET vouchers_written = ? WHERE id = ?"), (written, batch_id))
    return None


class _Stats:
    """Busy and waiting time per chunk of one side of the import (``YECAI_IMPORT_STATS``)."""

    def __init__(self, side: str) -> None:
        self.side = side
        self.t0 = self.last = time.perf_counter()
        self.cpu0 = time.process_time()
        self.busy: list[float] = []
        self.idle: list[float] = []
        self.commit_wall = self.commit_cpu = 0.0  # the writer's COMMITs (with their checkpoints)

    def _lap(self) -> float:
        now = time.perf_counter()
        lap, self.last = now - self.last, now
        return lap

    def busy_until_now(self) -> None:
        self.busy.append(self._lap())

    def idle_until_now(self) -> None:
        self.idle.append(self._lap())

    def report(self) -> None:
        import resource

        wall = time.perf_counter() - self.t0
        cpu = time.process_time() - self.cpu0
        ru = resource.getrusage(resource.RUSAGE_SELF)
        fmt = lambda xs: " ".join(f"{x:.2f}" for x in xs)  # noqa: E731
        print(
            f"[{self.side}] wall {wall:.2f} s cpu {cpu:.2f} s busy {sum(self.busy):.2f} s "
            f"idle {sum(self.idle):.2f} s; process user {ru.ru_utime:.2f} s sys {ru.ru_stime:.2f} s "
            f"maxrss {ru.ru_maxrss // 1024} MB; commits {self.commit_wall:.2f} s wall "
            f"{self.commit_cpu:.2f} s cpu\n[{self.side}] busy {fmt(self.busy)}\n"
            f"[{self.side}] idle {fmt(self.idle)}",
            file=sys.stderr,
            flush=True,
        )


# --- the writer process ----------------------------------------------------------------------------


def write_frame(out: IO[bytes], payload: bytes) -> None:
    out.write(_FRAME.pack(len(payload)))
    out.write(payload)
    out.flush()


def read_frame(inp: IO[bytes]) -> bytes | None:
    """The next frame; None at EOF (also when the parent died part-way through a frame)."""
    head = inp.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (n,) = _FRAME.unpack(head)
    data = inp.read(n)
    return data if len(data) == n else None


class _Connection:
    """One SQLite connection: ADBC when installed (rows bound from Arrow in C), else sqlite3.

    Only ever opened in the writer's own process: ADBC links its own copy of SQLite, and two
    copies in one process must not open the same file (closing one drops the POSIX locks of the
    other, which then fails with "disk I/O error" or worse)."""

    def __init__(self, db_path: str) -> None:
        try:
            import adbc_driver_sqlite.dbapi as adbc_sqlite
        except ImportError:
            adbc_sqlite = None
        if adbc_sqlite is not None:
            self.adbc = True
            self.db: Any = adbc_sqlite.connect(db_path, autocommit=True)
        else:
            import sqlite3

            self.adbc = False
            self.db = sqlite3.connect(db_path, isolation_level=None, timeout=60)
        self.cur = self.db.cursor()
        # synchronous=FULL as everywhere; foreign keys are checked per chunk by apply_plan.
        for pragma in (
            "busy_timeout=60000",
            "journal_mode=WAL",
            "foreign_keys=OFF",
            "synchronous=FULL",
            "cache_size=-65536",
            "temp_store=MEMORY",
        ):
            self.cur.execute(f"PRAGMA {pragma}")
            if self.adbc:
                self.cur.fetchall()

    def execute(self, text: str) -> None:
        self.cur.execute(text)

    def pragma(self, text: str) -> None:
        self.cur.execute(f"PRAGMA {text}")
        if self.adbc:
            self.cur.fetchall()

    def close(self) -> None:
        self.cur.close()
        self.db.close()


class _Checkpointer:
    """Copies the WAL into the database file beside the writer (SQLite's PASSIVE checkpoint, on a
    connection of its own in a thread of its own), woken after each commit. The writer's commits
    then only append to the WAL and fsync it, and the copy with the database file's fsync runs
    while the writer inserts the next chunk, instead of inside its COMMIT. Same durability: a
    checkpoint only ever copies committed frames, and the WAL is fsynced at every commit as
    before. A checkpoint that fails or cannot keep up leaves the WAL longer, never wrong; the
    next one (or any later connection's) copies what is left."""

    def __init__(self, db_path: str) -> None:
        self.conn = _Connection(db_path)  # the writer's SQLite library: never mix two in a process
        self.wake = threading.Event()
        self.closing = False
        self.thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            try:
                self.conn.pragma("wal_checkpoint(PASSIVE)")
            except Exception:  # the WAL stays longer; the next checkpoint copies the rest
                pass
            if self.closing:
                return

    def poke(self) -> None:
        self.wake.set()

    def close(self) -> None:
        """One last checkpoint of everything committed, then the thread ends."""
        self.closing = True
        self.wake.set()
        self.thread.join()
        self.conn.close()


def serve(db_path: str, inp: IO[bytes], out: IO[bytes]) -> None:
    """The SQLite writer: apply each plan in its own IMMEDIATE transaction, report back."""
    conn = _Connection(db_path)
    cur = conn.cur
    # Checkpoints are the checkpointer's job, beside this connection; this one checkpoints only
    # if the WAL ever grows past ~128 MB (the checkpointer stalled), and a WAL that grew is cut
    # back to 64 MB when it restarts, so the import never leaves a large WAL file behind.
    conn.pragma("wal_autocheckpoint=32768")
    conn.pragma("journal_size_limit=67108864")
    checkpointer = _Checkpointer(db_path)
    refused = False
    stats = _Stats("writer") if os.environ.get("YECAI_IMPORT_STATS") else None
    try:
        while True:
            if stats:
                stats.busy_until_now()
            raw = read_frame(inp)
            if stats:
                stats.idle_until_now()
            if not raw:
                break
            plan = marshal.loads(raw)
            try:
                for k in plan.get("streams", ()):
                    plan[k] = read_ipc_stream(inp)
            except Exception:  # the parent ended part-way through a chunk: nothing to write
                break
            if refused:
                write_frame(out, marshal.dumps(("conflict", plan["seq"], "an earlier chunk was refused")))
                continue
            in_tx = False
            try:
                cur.execute("BEGIN IMMEDIATE")
                in_tx = True
                reason = apply_plan(cur, plan, "qmark", adbc=conn.adbc)
                if reason is None:
                    if stats:
                        w0, c0 = time.perf_counter(), time.process_time()
                    cur.execute("COMMIT")
                    checkpointer.poke()
                    if stats:
                        stats.commit_wall += time.perf_counter() - w0
                        stats.commit_cpu += time.process_time() - c0
                    in_tx = False
                    write_frame(out, marshal.dumps(("ok", plan["seq"], "")))
                else:
                    cur.execute("ROLLBACK")
                    in_tx = False
                    refused = True
                    write_frame(out, marshal.dumps(("conflict", plan["seq"], reason)))
            except Exception as exc:  # report, then stop: the parent raises
                if in_tx:
                    try:
                        cur.execute("ROLLBACK")
                    except Exception:
                        pass
                write_frame(out, marshal.dumps(("error", plan["seq"], f"{type(exc).__name__}: {exc}")))
                break
    finally:
        conn.close()
        checkpointer.close()
        if stats:
            stats.report()


def main(argv: list[str]) -> int:
    serve(argv[0], sys.stdin.buffer, sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
