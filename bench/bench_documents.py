"""Business documents end to end: documents per second through the service layer, and the share
of time spent evaluating posting rules.

    .venv/bin/python bench/bench_documents.py [--documents 100000] [--backend sqlite|postgres|both]

Posts a deterministic mix of documents, each its own service call (one transaction, as a user
or an API client would): purchases (order → goods receipt → vendor bill → payment) and sales
(order → delivery → invoice → receipt), three sales for each purchase, a fifth of the sales with
a service line. Production is not in the mix yet (its service landed after this benchmark).
Dates advance through 2025, so no movement is back-dated. SQLite runs on a fresh file in bench/out/documents/; PostgreSQL on a
dedicated database ``yecai_bench_docs`` (127.0.0.1:5432, trust) that the script creates and drops.

Timed: every service call, nothing else (master data set-up is not timed). Rule evaluation is
the time inside ``yecai.posting.domain.evaluate`` (matching conditions, choosing accounts,
computing amounts and summaries); "posting" is the whole of ``posting.service.post_document``
(rule evaluation plus building, inserting, numbering and hash-chaining the voucher). Where the
rest goes is counted too: SQL statements, ORM flushes and commits per document (SQLAlchemy
events, inside the timed calls only) and, with ``--profile``, a cProfile of the timed calls
(bench/out/documents_profile_<backend>.txt: the slowest functions by cumulative time). A Rich
progress bar shows documents and documents/s. After the run ``yecai check`` must hold. Writes
bench/out/documents_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "yecai_bench_docs"
COMPANY = "BENCH"
YEAR = 2025


class Timer:
    """Accumulates the wall time spent inside a wrapped function (re-entrancy safe)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._depth = 0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kw: Any) -> Any:
            if self._depth:
                return fn(*args, **kw)
            self._depth += 1
            t0 = time.perf_counter()
            try:
                return fn(*args, **kw)
            finally:
                self.seconds += time.perf_counter() - t0
                self.calls += 1
                self._depth -= 1

        return timed


def _pg_database(create: bool) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {PG_DB}")
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"


def _setup(db: Any, actor: Any, rnd: random.Random) -> dict[str, Any]:
    from yecai.ledger import service as ledger
    from yecai.masterdata import service as md
    from yecai.store.uow import UnitOfWork

    def u() -> Any:
        return UnitOfWork(db, actor)

    ledger.create_company(u(), code=COMPANY, name="基准测试制造有限公司", start=f"{YEAR}-01")
    for code, name in (("WH01", "原材料仓"), ("WH02", "成品仓")):
        md.create_warehouse(u(), COMPANY, code=code, name=name)
    customers = [f"C{i:03d}" for i in range(1, 51)]
    suppliers = [f"S{i:03d}" for i in range(1, 21)]
    for c in customers:
        md.create_party(u(), COMPANY, "customer", code=c, name=f"客户{c}", credit_days=60)
    for s_ in suppliers:
        md.create_party(u(), COMPANY, "supplier", code=s_, name=f"供应商{s_}", credit_days=30)
    materials = [f"RM{i:03d}" for i in range(1, 61)]
    goods = [f"FG{i:03d}" for i in range(1, 41)]
    for m in materials:
        md.create_item(u(), COMPANY, code=m, name=f"原材料{m}", unit="kg", category="原材料")
    for g in goods:
        md.create_item(u(), COMPANY, code=g, name=f"产品{g}", unit="台", category="库存商品")
    md.create_item(
        u(), COMPANY, code="SV01", name="安装服务", category="服务", kind="service", tax_rate="0.06"
    )
    cost = {m: rnd.randint(500, 5000) for m in materials} | {g: rnd.randint(20000, 90000) for g in goods}
    return {
        "customers": customers,
        "suppliers": suppliers,
        "materials": materials,
        "goods": goods,
        "cost": cost,
    }


class Counters:
    """SQL statements, flushes and commits, counted only while ``active`` (the timed calls)."""

    def __init__(self) -> None:
        self.active = False
        self.statements = 0
        self.flushes = 0
        self.commits = 0

    def install(self) -> Callable[[], None]:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine
        from sqlalchemy.orm import Session

        def statement(*_a: Any, **_k: Any) -> None:
            if self.active:
                self.statements += 1

        def flush(*_a: Any, **_k: Any) -> None:
            if self.active:
                self.flushes += 1

        def commit(*_a: Any, **_k: Any) -> None:
            if self.active:
                self.commits += 1

        listeners = [
            (Engine, "before_cursor_execute", statement),
            (Session, "after_flush", flush),
            (Session, "after_commit", commit),
        ]
        for target, name, fn in listeners:
            event.listen(target, name, fn)

        def remove() -> None:
            for target, name, fn in listeners:
                event.remove(target, name, fn)

        return remove


def run(
    url: str,
    documents: int,
    seed: int,
    progress: bool,
    profile: Path | None = None,
    max_seconds: float | None = None,
) -> dict[str, Any]:
    import cProfile
    import io
    import pstats

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from yecai.checks.service import run_checks
    from yecai.posting import domain as posting_domain
    from yecai.posting import service as posting_service
    from yecai.purchasing import service as pur
    from yecai.sales import service as sales
    from yecai.security import service as security
    from yecai.store.db import get_database, upgrade
    from yecai.store.uow import UnitOfWork

    upgrade(url)
    db = get_database(url)
    security.ensure_admin(db, "admin", "admin-password")
    actor = security.actor_for(db, "admin", source="bench")
    rnd = random.Random(seed)
    md = _setup(db, actor, rnd)

    def u() -> Any:
        return UnitOfWork(db, actor)

    rules, posting = Timer(), Timer()
    original_evaluate, original_post = posting_domain.evaluate, posting_service.post_document
    posting_domain.evaluate = rules.wrap(original_evaluate)  # type: ignore[assignment]
    posting_service.post_document = posting.wrap(original_post)  # type: ignore[assignment]
    counters = Counters()
    remove_listeners = counters.install()
    profiler = cProfile.Profile() if profile else None
    counts: dict[str, int] = {}
    on_hand: dict[str, int] = {}
    done = 0
    t_service = 0.0
    first_day = date(YEAR, 1, 1)
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>6.1f} documents/s"),
        TimeRemainingColumn(),
        disable=not progress,
        transient=False,
    )
    task = bar.add_task("documents", total=documents, rate=0.0)

    cpu_service = 0.0

    def call(kind: str, fn: Callable[..., dict[str, Any]], *args: Any, **kw: Any) -> dict[str, Any]:
        nonlocal done, t_service, cpu_service
        counters.active = True
        if profiler:
            profiler.enable()
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            out = fn(u(), COMPANY, *args, **kw)
        finally:
            t_service += time.perf_counter() - t0
            cpu_service += time.process_time() - c0
            if profiler:
                profiler.disable()
            counters.active = False
        counts[kind] = counts.get(kind, 0) + 1
        done += 1
        if done % 50 == 0 or done == documents:
            bar.update(task, completed=done, rate=done / t_service if t_service else 0.0)
        return out

    bar.start()
    started = time.monotonic()
    try:
        while done < documents:
            if max_seconds is not None and time.monotonic() - started > max_seconds:
                break  # out of time: the figures cover the documents posted so far
            day = first_day + timedelta(days=min(364, done * 365 // documents))
            # A purchase (4 documents) restocks the goods the next sales will take.
            sup = rnd.choice(md["suppliers"])
            picked = rnd.sample(md["goods"], 2) + rnd.sample(md["materials"], 1)
            lines = []
            for code in picked:
                qty = rnd.randint(20, 60)
                on_hand[code] = on_hand.get(code, 0) + qty
                price = md["cost"][code] * rnd.randint(97, 103) // 100
                lines.append({"item": code, "qty": str(qty), "unit_price": f"{price / 100:.2f}"})
            po = call("purchase_order", pur.create_order, supplier=sup, day=day, lines=lines)
            call("purchase_receipt", pur.create_receipt, order_id=po["id"], day=day, warehouse="WH01")
            bill = call("vendor_bill", pur.create_bill, supplier=sup, day=day, orders=[po["id"]])
            call("purchase_payment", pur.create_payment, supplier=sup, day=day, amount=bill["total"])
            # Sales (4 documents each) of what is on hand.
            for _ in range(3):
                if done >= documents:
                    break
                cust = rnd.choice(md["customers"])
                stocked = [c for c, q in on_hand.items() if q >= 5]
                if not stocked:
                    break
                lines = []
                for code in rnd.sample(stocked, min(2, len(stocked))):
                    qty = rnd.randint(1, min(10, on_hand[code]))
                    on_hand[code] -= qty
                    price = md["cost"][code] * rnd.randint(130, 160) // 100
                    lines.append({"item": code, "qty": str(qty), "unit_price": f"{price / 100:.2f}"})
                if rnd.random() < 0.2:
                    lines.append({"item": "SV01", "qty": "1", "unit_price": "800.00"})
                so = call("sales_order", sales.create_order, customer=cust, day=day, lines=lines)
                call("sales_delivery", sales.create_delivery, order_id=so["id"], day=day, warehouse="WH01")
                inv = call("sales_invoice", sales.create_invoice, customer=cust, day=day, orders=[so["id"]])
                call(
                    "sales_receipt",
                    sales.create_receipt,
                    customer=cust,
                    day=day,
                    amount=inv["total"],
                    invoice_id=inv["id"],
                )
    finally:
        bar.stop()
        remove_listeners()
        posting_domain.evaluate = original_evaluate  # type: ignore[assignment]
        posting_service.post_document = original_post  # type: ignore[assignment]
    if profiler and profile:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(80)
        profile.parent.mkdir(parents=True, exist_ok=True)
        profile.write_text(text.getvalue(), encoding="utf-8")

    problems = run_checks(UnitOfWork(db, actor, readonly=True), COMPANY)
    db.dispose()
    return {
        "documents": done,
        "documents_asked": documents,
        "by_type": counts,
        "seconds": round(t_service, 2),
        "documents_per_second": round(done / t_service, 1),
        "rule_evaluation_seconds": round(rules.seconds, 2),
        "rule_evaluation_share": round(rules.seconds / t_service, 4),
        "rule_evaluations": rules.calls,
        "posting_seconds": round(posting.seconds, 2),
        "posting_share": round(posting.seconds / t_service, 4),
        "ms_per_document": round(1000 * t_service / done, 2),
        # CPU time of this process in the timed calls: on SQLite all of the work (the database
        # runs in-process), so it varies far less with other load on the machine than wall time.
        "cpu_ms_per_document": round(1000 * cpu_service / done, 2),
        "rule_evaluation_ms_per_posting": round(1000 * rules.seconds / max(1, rules.calls), 3),
        "posting_ms_per_posting": round(1000 * posting.seconds / max(1, posting.calls), 2),
        "sql_statements_per_document": round(counters.statements / done, 1),
        "flushes_per_document": round(counters.flushes / done, 2),
        "commits_per_document": round(counters.commits / done, 2),
        "check_discrepancies": [p.message for p in problems][:10],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--documents", type=int, default=100_000)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--results", type=Path, default=OUT / "documents_results.json")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--profile", action="store_true", help="cProfile the timed calls (slower)")
    ap.add_argument("--label", default="", help="Stored with the results (e.g. before / after)")
    ap.add_argument(
        "--max-seconds",
        type=float,
        default=None,
        help="Stop posting after this wall time (figures cover what was done)",
    )
    args = ap.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results: dict[str, Any] = {}
    for backend in backends:
        if backend == "sqlite":
            work = OUT / "documents"
            work.mkdir(parents=True, exist_ok=True)
            path = work / "bench.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            url = f"sqlite:///{path}"
        else:
            url = _pg_database(create=True)
        load_before = os.getloadavg()[0]
        print(f"{backend}: posting {args.documents} documents …", file=sys.stderr)
        profile = OUT / f"documents_profile_{backend}.txt" if args.profile else None
        res = run(url, args.documents, args.seed, not args.quiet, profile, args.max_seconds)
        res["label"] = args.label
        res["profiled"] = bool(profile)
        res["load_average_1min_before"] = round(load_before, 2)
        res["load_average_1min_after"] = round(os.getloadavg()[0], 2)
        if backend == "postgres":
            _pg_database(create=False)
        results[backend] = res
        print(
            f"{backend}: {res['documents']} documents in {res['seconds']} s = "
            f"{res['documents_per_second']} documents/s ({res['cpu_ms_per_document']} ms CPU per document); rule evaluation {res['rule_evaluation_share']:.1%} "
            f"of the time, posting as a whole {res['posting_share']:.1%}; "
            f"{res['sql_statements_per_document']} SQL statements, {res['flushes_per_document']} flushes "
            f"per document; "
            f"check: {'ok' if not res['check_discrepancies'] else res['check_discrepancies']} "
            f"(load average {res['load_average_1min_before']} → {res['load_average_1min_after']} "
            f"on {os.cpu_count()} cores)"
        )
    # Runs of one backend at a time (e.g. both at once in two processes) keep each other's figures.
    previous: dict[str, Any] = {}
    if args.results.exists():
        previous = json.loads(args.results.read_text(encoding="utf-8")).get("backends", {})
    out = {
        "benchmark": "documents",
        "seed": args.seed,
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "backends": {**previous, **results},
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
