"""Cash application benchmark: hit rate, auto-application precision and coverage, time.

    .venv/bin/python bench/bench_cash_application.py [--receipts 100000] [--items 100000] [--seed 7] [--workers N]

Generates the evaluation set (bench/gen_cash_application.py; not timed, reused per size and
seed), runs the matching engine in-process on all receipts (timed: building the indexes and
matching, with as many forked workers as the CLI uses unless --workers says otherwise), then the batch CLI end to end (`yecai receivables match`, timed: reading the CSVs,
matching, writing matches.csv) and checks the CLI wrote the same applications. Prints the
figures and writes bench/out/cash_application.json.

- hit rate: share of receipts whose applications (item, amount) are exactly the truth; a
  receipt that pays no open item is a hit when nothing is proposed;
- auto precision: share of automatically applied receipts that are exactly right;
- auto coverage: share of all receipts applied automatically.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_cash_application import generate, write
from yecai.core.money import to_minor
from yecai.receivables.domain.forked import cores
from yecai.receivables.domain.matching import (
    BankReceipt,
    Memory,
    OpenItem,
    Settings,
    match,
)

HIT_TARGET, PRECISION_TARGET, SECONDS_TARGET = 0.95, 0.995, 10.0


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load(work: Path) -> tuple[list[BankReceipt], list[OpenItem], Memory]:
    receipts = [
        BankReceipt(
            r["txn_id"],
            date.fromisoformat(r["date"]),
            to_minor(r["amount"], r["currency"]),
            r["currency"],
            r["payer_name"],
            r["payer_account"],
            r["remark"],
        )
        for r in read(work / "bank.csv")
    ]
    items = [
        OpenItem(
            r["item_id"],
            r["customer_code"],
            r["customer_name"],
            r["doc_no"],
            date.fromisoformat(r["date"]),
            date.fromisoformat(r["due_date"]),
            to_minor(r["open_amount"], r["currency"]),
            r["currency"],
        )
        for r in read(work / "open_items.csv")
    ]
    mem = read(work / "memory.csv")
    memory = Memory.of(
        accounts=[(m["key"], m["customer_code"]) for m in mem if m["kind"] == "account"],
        names=[(m["key"], m["customer_code"]) for m in mem if m["kind"] == "name"],
    )
    return receipts, items, memory


def main() -> None:
    ap = argparse.ArgumentParser(description="cash application benchmark")
    ap.add_argument("--receipts", type=int, default=100_000)
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threshold", type=float, default=0.95)
    ap.add_argument("--workdir", type=Path, default=Path("bench/out/cash"))
    ap.add_argument("--results", type=Path, default=Path("bench/out/cash_application.json"))
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--skip-cli", action="store_true")
    ap.add_argument("--misses", type=int, default=0, help="print this many misses per scenario")
    ap.add_argument(
        "--workers", type=int, default=None, help="engine processes (default: as `receivables match`)"
    )
    args = ap.parse_args()

    work = args.workdir / f"r{args.receipts}_i{args.items}_s{args.seed}"
    if args.regenerate or not (work / "truth.csv").exists():
        t = time.perf_counter()
        write(generate(args.receipts, args.items, args.seed), work)
        print(f"generated in {time.perf_counter() - t:.1f} s → {work}")
    receipts, items, memory = load(work)
    truth: dict[str, dict[str, int]] = defaultdict(dict)
    for row in read(work / "truth.csv"):
        truth[row["txn_id"]][row["item_id"]] = to_minor(row["applied_amount"])
    scen = {r["txn_id"]: r for r in read(work / "scenarios.csv")}

    from yecai.receivables.batch import BATCH_WORKERS_MAX

    workers = args.workers if args.workers is not None else min(BATCH_WORKERS_MAX, cores())
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0, c0 = time.perf_counter(), time.process_time()
    proposals = match(receipts, items, memory, Settings(threshold=args.threshold, workers=workers))
    engine_s, engine_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    engine_children_cpu_s = (kids1.ru_utime - kids0.ru_utime) + (kids1.ru_stime - kids0.ru_stime)
    load_avg = os.getloadavg()[0]

    hits = auto = auto_right = 0
    by: dict[str, Counter[str]] = defaultdict(Counter)
    misses: dict[str, list[str]] = defaultdict(list)
    for p in proposals:
        got = {a.item_id: a.applied_minor for a in p.applications}
        right = got == truth.get(p.txn_id, {})
        hits += right
        auto += p.auto
        auto_right += p.auto and right
        s = scen[p.txn_id]
        for dim in ("scenario", "payer", "remark_style"):
            c = by[f"{dim}={s[dim]}"]
            c["n"] += 1
            c["hit"] += right
            c["auto"] += p.auto
            c["auto_wrong"] += p.auto and not right
        key = ("AUTO-WRONG " if p.auto else "") + s["scenario"]
        if not right and len(misses[key]) < args.misses:
            misses[key].append(
                f"{p.txn_id} {s['payer']}/{s['remark_style']} got={got} want={truth.get(p.txn_id, {})} "
                f"conf={p.confidence} auto={p.auto} {[str(r) for r in p.reasons]}"
            )
    n = len(proposals)
    hit_rate, precision, coverage = hits / n, (auto_right / auto if auto else 1.0), auto / n

    cli: dict[str, object] = {"skipped": True}
    if not args.skip_cli:
        out = work / "matches.csv"
        cmd = [
            str(Path(sys.executable).parent / "yecai"),
            "receivables",
            "match",
            "--bank",
            str(work / "bank.csv"),
            "--open-items",
            str(work / "open_items.csv"),
            "--memory",
            str(work / "memory.csv"),
            "--out",
            str(out),
            "--threshold",
            str(args.threshold),
        ]
        t1 = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "YECAI_LANG": "en"})
        cli_s = time.perf_counter() - t1
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli_cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        rows = read(out) if proc.returncode == 0 else []
        want = sorted((p.txn_id, a.item_id, str(a.applied_amount)) for p in proposals for a in p.applications)
        same = sorted((r["txn_id"], r["item_id"], r["applied_amount"]) for r in rows) == want
        cli = {
            "command": " ".join(cmd),
            "exit": proc.returncode,
            "seconds": round(cli_s, 2),
            "cpu_seconds": round(cli_cpu_s, 2),
            "rows": len(rows),
            "same_as_engine": same,
            "stderr_tail": proc.stderr[-500:],
            "load_average_1min": round(os.getloadavg()[0], 2),
        }

    result = {
        "receipts": n,
        "open_items": len(items),
        "seed": args.seed,
        "threshold": args.threshold,
        "hit_rate": round(hit_rate, 4),
        "auto_precision": round(precision, 5),
        "auto_coverage": round(coverage, 4),
        "auto_applied": auto,
        "auto_wrong": auto - auto_right,
        "engine_seconds": round(engine_s, 2),
        "engine_cpu_seconds": round(engine_cpu_s, 2),
        "engine_workers": workers,
        "engine_children_cpu_seconds": round(engine_children_cpu_s, 2),
        "load_average_1min": round(load_avg, 2),
        "cli": cli,
        "targets": {"hit_rate": HIT_TARGET, "auto_precision": PRECISION_TARGET, "seconds": SECONDS_TARGET},
        # The time target is the command end to end (the engine's when the CLI is skipped).
        "met": hit_rate >= HIT_TARGET
        and precision >= PRECISION_TARGET
        and (engine_s if cli.get("skipped") else float(str(cli["seconds"]))) < SECONDS_TARGET,
        "breakdown": {k: dict(v) for k, v in sorted(by.items())},
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")

    print(f"{n} receipts × {len(items)} open items (seed {args.seed}, threshold {args.threshold})")
    print(f"  hit rate        {hit_rate:.2%}   (target ≥ {HIT_TARGET:.0%})")
    print(
        f"  auto precision  {precision:.3%}  ({auto - auto_right} wrong of {auto}; target ≥ {PRECISION_TARGET:.1%})"
    )
    print(f"  auto coverage   {coverage:.2%}")
    print(
        f"  engine time     {engine_s:.2f} s wall, {engine_cpu_s:.2f} s CPU + {engine_children_cpu_s:.2f} s CPU in"
        f" {workers - 1} forked worker(s)  (load average {load_avg:.1f} on {os.cpu_count()} cores)"
    )
    if not cli.get("skipped"):
        print(
            f"  CLI end to end  {cli['seconds']} s wall (target < {SECONDS_TARGET:.0f} s), {cli['cpu_seconds']} s CPU"
            f" (workers included), exit {cli['exit']},"
            f" same as engine: {cli['same_as_engine']}"
        )
    print(f"{'':24}{'n':>7} {'hit':>7} {'auto':>7} {'wrong':>6}")
    for k, v in sorted(by.items()):
        print(f"  {k:22}{v['n']:7d} {v['hit'] / v['n']:7.1%} {v['auto'] / v['n']:7.1%} {v['auto_wrong']:6d}")
    for s, lines in misses.items():
        print(f"-- misses: {s}")
        for line in lines:
            print("   ", line)
    print(f"written {args.results}")
    sys.exit(0 if result["met"] else 1)


if __name__ == "__main__":
    main()
