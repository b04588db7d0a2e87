"""Business documents end to end: documents per second through the service layer, and the share
of time spent evaluating posting rules.

    .venv/bin/python bench/bench_documents.py [--documents 100000] [--backend sqlite|postgres|both]

Posts a deterministic mix of documents, each its own service call (one transaction, as a user
or an API client would), in cycles of about 22: a purchase (order → goods receipt → vendor bill →
payment) of two bought goods and a material; three sales (order → delivery → invoice → receipt),
a fifth of them with a service line, and in every third cycle the first sale has a return of one
unit and its red credit note before the receipt; every other cycle a work order for a made good
whose materials are on hand (work order from its BOM → material issue → labour → overhead →
finished goods into 成品仓 → close; then a stock transfer to the sales warehouse); an expense
claim (claim → approval by a second user → payment). Production is about 10 % of the documents,
expenses about 13 %, returns and credit notes about 3 %.
Dates advance through 2025, so no movement is back-dated. SQLite runs on a fresh file in bench/out/documents/; PostgreSQL on a
dedicated database ``yecai_bench_docs`` (127.0.0.1:5432, trust) that the script creates and drops.

Timed: every service call, nothing else (master data set-up is not timed). Rule evaluation is
the time inside ``yecai.posting.domain.evaluate`` (matching conditions, choosing accounts,
computing amounts and summaries); "posting" is the whole of ``posting.service.post_document``
(rule evaluation plus building, inserting, numbering and hash-chaining the voucher). Where the
rest goes is counted too: SQL statements, ORM flushes and commits per document (SQLAlchemy
events, inside the timed calls only) and, with ``--profile``, a cProfile of the timed calls
(bench/out/documents_profile_<backend>.txt: the slowest functions by cumulative time, then by own time). A Rich
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
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "yecai_bench_docs"
COMPANY = "BENCH"
YEAR = 2025
MADE_GOODS = 8  # FG001-FG008 are manufactured (BOM → work order), the rest bought
BOM_MATERIALS = 10  # their BOMs use RM001-RM010
EXPENSE_CATEGORIES = ("差旅费", "办公费", "业务招待费", "运输费", "水电费")


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


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
    from yecai.expenses import service as expenses
    from yecai.ledger import service as ledger
    from yecai.masterdata import service as md
    from yecai.production import service as production
    from yecai.security import service as security
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
    # Production: the first goods are made in house from a two-material BOM of the first materials.
    boms: dict[str, dict[str, int]] = {}
    for g in goods[:MADE_GOODS]:
        comps = rnd.sample(materials[:BOM_MATERIALS], 2)
        boms[g] = {m: rnd.randint(1, 3) for m in comps}
        production.create_bom(
            u(), COMPANY, item=g, lines=[{"item": m, "qty_per": str(q)} for m, q in boms[g].items()]
        )
    # Expenses: employees in three departments (sales expenses go to 6601, the rest to 6602), and
    # an approver other than the claimant (a claim is never approved by whoever submitted it).
    employees = [f"E{i:02d}" for i in range(1, 21)]
    departments = ["ADM", "SAL", "PRD"]
    ledger.add_dimension_values(
        u(),
        COMPANY,
        [("employee", e, f"员工{e}") for e in employees]
        + [("department", "ADM", "行政部"), ("department", "SAL", "销售部"), ("department", "PRD", "生产部")],
    )
    expenses.set_department_kind(u(), COMPANY, "SAL", "sales")
    security.create_user(u(), username="approver", password="approver-password")
    security.grant(u(), username="approver", company_code=COMPANY, role="finance_manager")
    return {
        "customers": customers,
        "suppliers": suppliers,
        "materials": materials,
        "goods": goods,
        "cost": cost,
        "boms": boms,
        "employees": employees,
        "departments": departments,
        "approver": security.actor_for(db, "approver", source="bench"),
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
    progress_file: Path | None = None,
    progress_seconds: float = 60.0,
) -> dict[str, Any]:
    import cProfile
    import io
    import pstats

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from yecai.checks.service import run_checks
    from yecai.expenses import service as expenses
    from yecai.inventory import documents as transfers
    from yecai.posting import domain as posting_domain
    from yecai.posting import service as posting_service
    from yecai.production import service as production
    from yecai.purchasing import service as pur
    from yecai.sales import returns
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
    last_progress = time.monotonic()

    def figures() -> dict[str, Any]:
        return _figures(done, documents, counts, t_service, cpu_service, rules, posting, counters)

    def write_progress() -> None:
        """A long run leaves its figures so far behind every ``progress_seconds`` (partial)."""
        nonlocal last_progress
        last_progress = time.monotonic()
        assert progress_file is not None
        now = {"partial": True, "at": time.strftime("%H:%M:%S", time.gmtime()), **figures()}
        now["load_average_1min"] = round(os.getloadavg()[0], 2)
        progress_file.parent.mkdir(parents=True, exist_ok=True)
        progress_file.write_text(json.dumps(now, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def call(
        doc_type: str, fn: Callable[..., dict[str, Any]], /, *args: Any, as_: Any = None, **kw: Any
    ) -> dict[str, Any]:
        nonlocal done, t_service, cpu_service
        counters.active = True
        if profiler:
            profiler.enable()
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            out = fn(UnitOfWork(db, as_ or actor), COMPANY, *args, **kw)
        finally:
            t_service += time.perf_counter() - t0
            cpu_service += time.process_time() - c0
            if profiler:
                profiler.disable()
            counters.active = False
        counts[doc_type] = counts.get(doc_type, 0) + 1
        done += 1
        if done % 50 == 0 or done == documents:
            bar.update(task, completed=done, rate=done / t_service if t_service else 0.0)
        if progress_file is not None and time.monotonic() - last_progress > progress_seconds:
            write_progress()
        return out

    def left() -> int:
        return documents - done

    def purchase(day: date) -> None:
        """4 documents: two bought goods and one material (mostly one that the BOMs use)."""
        sup = rnd.choice(md["suppliers"])
        pool = md["materials"][:BOM_MATERIALS] if rnd.random() < 0.8 else md["materials"]
        picked = rnd.sample(md["goods"][MADE_GOODS:], 2) + rnd.sample(pool, 1)
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

    def sale(day: date, with_return: bool) -> None:
        """4 documents (6 with a return of one unit and its red credit note)."""
        cust = rnd.choice(md["customers"])
        stocked = [c for c, q in on_hand.items() if q >= 5 and c.startswith("FG")]
        if not stocked:
            return
        lines = []
        for code in rnd.sample(stocked, min(2, len(stocked))):
            qty = rnd.randint(1, min(10, on_hand[code]))
            on_hand[code] -= qty
            price = md["cost"][code] * rnd.randint(130, 160) // 100
            lines.append({"item": code, "qty": str(qty), "unit_price": f"{price / 100:.2f}"})
        if rnd.random() < 0.2:
            lines.append({"item": "SV01", "qty": "1", "unit_price": "800.00"})
        so = call("sales_order", sales.create_order, customer=cust, day=day, lines=lines)
        dl = call("sales_delivery", sales.create_delivery, order_id=so["id"], day=day, warehouse="WH01")
        inv = call("sales_invoice", sales.create_invoice, customer=cust, day=day, orders=[so["id"]])
        amount = Decimal(inv["total"])
        if with_return and left() >= 3:
            call("sales_return", returns.create_return, delivery_id=dl["id"], day=day, lines=[(1, "1")])
            on_hand[lines[0]["item"]] += 1
            cn = call(
                "sales_credit_note",
                returns.create_credit_note,
                invoice_id=inv["id"],
                day=day,
                lines=[(1, "1")],
            )
            amount -= Decimal(cn["total"])
        if left() > 0:
            call(
                "sales_receipt",
                sales.create_receipt,
                customer=cust,
                day=day,
                amount=str(amount),
                invoice_id=inv["id"],
            )

    def make(day: date) -> None:
        """7 documents: a work order for a made good whose materials are on hand, its issue, labour,
        overhead, the finished goods into 成品仓, the close, and a transfer to the sales warehouse."""
        qty = rnd.randint(5, 10)
        can = [
            g for g, bom in md["boms"].items() if all(on_hand.get(m, 0) >= q * qty for m, q in bom.items())
        ]
        if not can or left() < 7:
            return
        g = rnd.choice(can)
        for m, q in md["boms"][g].items():
            on_hand[m] -= q * qty
        wo = call("work_order", production.create_work_order, item=g, qty=str(qty), day=day)
        call("production_issue", production.issue_materials, order_id=wo["id"], day=day, warehouse="WH01")
        hours = rnd.randint(8, 40)
        call(
            "production_cost",
            production.collect_cost,
            order_id=wo["id"],
            day=day,
            kind="labour",
            amount=f"{hours * 45}.00",
        )
        call(
            "production_cost",
            production.collect_cost,
            order_id=wo["id"],
            day=day,
            kind="overhead",
            amount=f"{hours * 20}.00",
        )
        call(
            "production_receipt",
            production.receive_finished,
            order_id=wo["id"],
            day=day,
            warehouse="WH02",
            qty=str(qty),
        )
        call("work_order_close", production.close_work_order, wo["id"], day=day)
        call(
            "stock_transfer",
            transfers.create_transfer,
            from_warehouse="WH02",
            to_warehouse="WH01",
            day=day,
            lines=[(g, str(qty))],
        )
        on_hand[g] = on_hand.get(g, 0) + qty

    def claim(day: date) -> None:
        """3 documents: an expense claim, its approval by another person, its payment."""
        lines = []
        for _ in range(rnd.randint(1, 3)):
            cat = rnd.choice(EXPENSE_CATEGORIES)
            if rnd.random() < 0.4:  # a special VAT invoice: its 6 % VAT is deductible
                net_fen = rnd.randint(10_000, 300_000)
                tax_fen = net_fen * 6 // 100
                lines.append(
                    {
                        "category": cat,
                        "amount": _yuan(net_fen + tax_fen),
                        "tax": _yuan(tax_fen),
                        "invoice_type": "special",
                    }
                )
            else:
                lines.append(
                    {"category": cat, "amount": f"{rnd.randint(20, 2000)}.00", "invoice_type": "ordinary"}
                )
        c = call(
            "expense_claim",
            expenses.create_claim,
            employee=rnd.choice(md["employees"]),
            department=rnd.choice(md["departments"]),
            day=day,
            lines=lines,
        )
        call("expense_approval", expenses.approve_claim, c["id"], as_=md["approver"])
        call("expense_payment", expenses.pay_claim, c["id"], day=day)

    bar.start()
    started = time.monotonic()
    cycle = 0
    try:
        # One cycle: a purchase, three sales (one in three cycles with a return), a work order every
        # other cycle, an expense claim: about 22 documents, of which production ~10 %, expenses ~13 %.
        while done < documents:
            if max_seconds is not None and time.monotonic() - started > max_seconds:
                break  # out of time: the figures cover the documents posted so far
            day = first_day + timedelta(days=min(364, done * 365 // documents))
            cycle += 1
            if left() >= 4:
                purchase(day)
            if cycle % 2 == 0:
                make(day)
            for i in range(3):
                if left() < 4:
                    break
                sale(day, with_return=(i == 0 and cycle % 3 == 0))
            if left() >= 3:
                claim(day)
            if 0 < left() < 3:  # pad the last few with single documents
                while left() > 0:
                    call(
                        "sales_order",
                        sales.create_order,
                        customer=md["customers"][0],
                        day=day,
                        lines=[{"item": "SV01", "qty": "1", "unit_price": "800.00"}],
                    )
    finally:
        bar.stop()
        remove_listeners()
        posting_domain.evaluate = original_evaluate  # type: ignore[assignment]
        posting_service.post_document = original_post  # type: ignore[assignment]
    if profiler and profile:
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(80)
        stats.sort_stats("tottime").print_stats(40)
        profile.parent.mkdir(parents=True, exist_ok=True)
        profile.write_text(text.getvalue(), encoding="utf-8")

    problems = run_checks(UnitOfWork(db, actor, readonly=True), COMPANY)
    db.dispose()
    return {**figures(), "check_discrepancies": [p.message for p in problems][:10]}


def _figures(
    done: int,
    documents: int,
    counts: dict[str, int],
    t_service: float,
    cpu_service: float,
    rules: Timer,
    posting: Timer,
    counters: Counters,
) -> dict[str, Any]:
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
    ap.add_argument(
        "--progress-file",
        type=Path,
        default=None,
        help="Write the figures so far (JSON, partial) to this file every --progress-seconds",
    )
    ap.add_argument("--progress-seconds", type=float, default=60.0)
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
        res = run(
            url,
            args.documents,
            args.seed,
            not args.quiet,
            profile,
            args.max_seconds,
            args.progress_file.with_suffix(f".{backend}.json") if args.progress_file else None,
            args.progress_seconds,
        )
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
