"""Report speed at size: trial balance and balance sheet for one period of a big SQLite company.

Claim measured: with >= 10,000,000 voucher lines, `reports.trial_balance` for one period takes
< 50 ms (server-side time of the service call), because it reads only `account_balance`.

    .venv/bin/python bench/bench_reports.py                       # 10M lines (needs the voucher import)
    .venv/bin/python bench/bench_reports.py --lines 30000 --method service   # prove the script quickly
    .venv/bin/python bench/bench_reports.py --reuse               # time again on the existing database

Data (not timed): `bench/gen_vouchers.py` writes vouchers.csv (3.0 lines per voucher on
average, dates over 2025) and dimensions.csv; the company BENCH is created with
`yecai db upgrade`, `yecai company create`, `yecai dimension import`, and filled by

* ``--method import`` (default when available): `yecai voucher import vouchers.csv --post`;
* ``--method service``: `ledger.service.create_voucher(..., post=True)` per voucher (slow;
  for small sizes only).

Timing: in this process, one warm-up call, then ``--runs`` calls of each service function;
the median, min and max are printed and written to bench/out/reports_results.json, with the
line count, the period and the machine.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent
COMPANY = "BENCH"
TB_GOAL_MS = 50.0
LINES_GOAL = 10_000_000


def yecai_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("yecai")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "yecai"]


def sh(cmd: list[str], env: dict[str, str]) -> None:
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, env=env, check=True)


def import_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("yecai.ledger.cli_import") is not None


def build(workdir: Path, lines: int, method: str, env: dict[str, str]) -> None:
    # The generator averages 3.0 lines per voucher with some spread: ask for 0.3 % more
    # vouchers so the line count reaches the target.
    vouchers = max(1, -(-lines * 1003 // 3000))
    data = workdir / f"data-{vouchers}"
    if not (data / "vouchers.csv").exists():
        sh(
            [sys.executable, str(ROOT / "gen_vouchers.py"), "--vouchers", str(vouchers), "--out", str(data)],
            env,
        )
    db_path = workdir / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    y = yecai_cmd()
    sh([*y, "db", "upgrade"], env)
    sh([*y, "company", "create", COMPANY, "--name", "基准公司", "--start", "2025-01"], env)
    sh([*y, "dimension", "import", str(data / "dimensions.csv"), "--company", COMPANY], env)
    started = time.perf_counter()
    if method == "import":
        sh([*y, "voucher", "import", str(data / "vouchers.csv"), "--company", COMPANY, "--post"], env)
    else:
        post_with_service(data / "vouchers.csv")
    print(f"built in {time.perf_counter() - started:.1f} s", flush=True)


def post_with_service(path: Path) -> None:
    from yecai.ledger import service
    from yecai.ledger.domain import LineDraft, VoucherDraft
    from yecai.security.service import actor_for
    from yecai.store.db import get_database
    from yecai.store.uow import UnitOfWork

    db = get_database()
    actor = actor_for(db, "admin", source="bench")
    with path.open(encoding="utf-8") as fh:
        rows = csv.DictReader(fh)
        for n, (_, group) in enumerate(itertools.groupby(rows, key=lambda r: r["voucher_no"]), start=1):
            group = list(group)
            lines = tuple(
                LineDraft(
                    summary=r["summary"],
                    account_code=r["account_code"],
                    debit=Decimal(r["debit"] or 0),
                    credit=Decimal(r["credit"] or 0),
                    dims={d: r[d] for d in ("customer", "supplier", "department") if r[d]},
                )
                for r in group
            )
            draft = VoucherDraft(date=date.fromisoformat(group[0]["date"]), lines=lines)
            service.create_voucher(UnitOfWork(db, actor), COMPANY, draft, post=True)
            if n % 1000 == 0:
                print(f"  {n} vouchers", flush=True)


def timed(fn: Callable[[], object], runs: int) -> dict[str, float]:
    fn()  # warm-up: imports, statement templates, SQLite page cache
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return {
        "median_ms": round(statistics.median(samples), 2),
        "min_ms": round(min(samples), 2),
        "max_ms": round(max(samples), 2),
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=LINES_GOAL, help="voucher lines to generate (about)")
    p.add_argument("--method", choices=("auto", "import", "service"), default="auto")
    p.add_argument("--workdir", type=Path, default=ROOT / "out" / "reports")
    p.add_argument("--results", type=Path, default=ROOT / "out" / "reports_results.json")
    p.add_argument("--period", default="2025-06")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--reuse", action="store_true", help="time the existing database, build nothing")
    args = p.parse_args(argv)

    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ["YECAI_DATABASE_URL"] = f"sqlite:///{args.workdir / 'bench.db'}"
    os.environ["YECAI_DATA_DIR"] = str(args.workdir)
    env = dict(os.environ)
    method = args.method
    if method == "auto":
        method = "import" if import_available() else "service"
    if not args.reuse:
        if method == "import" and not import_available():
            print("yecai voucher import is not available yet; use --method service", file=sys.stderr)
            return 2
        build(args.workdir, args.lines, method, env)

    from sqlalchemy import func, select

    from yecai.ledger import reports
    from yecai.ledger.models import Company, VoucherLine
    from yecai.security.service import actor_for
    from yecai.store.db import get_database
    from yecai.store.uow import UnitOfWork

    db = get_database()
    actor = actor_for(db, "admin", source="bench")
    with db.session(write=False) as s:
        cid = s.execute(select(Company.id).where(Company.code == COMPANY)).scalar_one()
        n_lines = s.execute(
            select(func.count()).select_from(VoucherLine).where(VoucherLine.company_id == cid)
        ).scalar_one()

    def reader() -> UnitOfWork:
        return UnitOfWork(db, actor, readonly=True)

    tb_rows = reports.trial_balance(reader(), COMPANY, args.period)
    totals = reports.trial_balance_totals(tb_rows)
    assert totals["closing_debit"] == totals["closing_credit"], totals
    bs = {r.key: r.amount for r in reports.balance_sheet(reader(), COMPANY, args.period)}
    assert bs["total_assets"] == bs["total_liabilities_and_equity"], bs

    customer = reports.dimension_balances(reader(), COMPANY, "1122", "customer", args.period)[0]["code"]
    results = {
        "voucher_lines": n_lines,
        "period": args.period,
        "method": method if not args.reuse else "reuse",
        "trial_balance": timed(lambda: reports.trial_balance(reader(), COMPANY, args.period), args.runs),
        "balance_sheet": timed(lambda: reports.balance_sheet(reader(), COMPANY, args.period), args.runs),
        # For information (no goal): line-level reports on the busiest account, fewer runs.
        "subledger_1122_page1": timed(
            lambda: reports.subledger(reader(), COMPANY, "1122", args.period, page_size=500),
            max(3, args.runs // 4),
        ),
        "subledger_1122_one_customer": timed(
            lambda: reports.subledger(
                reader(), COMPANY, "1122", args.period, dimension="customer", value=customer, page_size=500
            ),
            max(3, args.runs // 4),
        ),
        "trial_balance_rows": len(tb_rows),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "sqlite": __import__("sqlite3").sqlite_version,
            "db_bytes": (args.workdir / "bench.db").stat().st_size,
        },
    }
    results["goals"] = {
        "lines_at_least_10m": n_lines >= LINES_GOAL,
        "trial_balance_under_50ms": results["trial_balance"]["median_ms"] < TB_GOAL_MS,
    }
    print(f"{n_lines:,} voucher lines, period {args.period}")
    print("| report | median ms | min ms | max ms |\n| --- | ---: | ---: | ---: |")
    for key in ("trial_balance", "balance_sheet", "subledger_1122_page1", "subledger_1122_one_customer"):
        r = results[key]
        print(f"| {key} | {r['median_ms']} | {r['min_ms']} | {r['max_ms']} |")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
