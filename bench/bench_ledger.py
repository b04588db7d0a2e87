"""yecai against ledger-cli and hledger: import N vouchers, then the trial balance.

    bash bench/setup.sh
    .venv/bin/python bench/bench_ledger.py --vouchers 1000000

Generates (un-timed) N vouchers with bench/gen_vouchers.py, as yecai's CSV
import format and as a journal for ledger-cli/hledger, then runs side by side:

* yecai: ``yecai voucher import vouchers.csv --company BENCH --post`` into a
  fresh SQLite database (full validation, numbering and hash chain), then
  ``yecai report trial-balance ... --format csv``; end to end is the sum of
  the two, each is also reported on its own;
* ``ledger -f journal.ledger bal``;
* ``hledger -f journal.ledger bal`` (unless --skip-hledger).

Each contestant runs in a subprocess. Wall time is measured around it; peak
memory is the larger of the kernel's ru_maxrss for the process and its reaped
descendants (os.wait4) and the summed RSS of the live process tree sampled
every 50 ms, so a multi-process contestant cannot hide memory in workers.

Every contestant's per-account balances are checked against the totals the
generator computed and against each other; any mismatch fails the run (exit 1).
Results go to bench/out/ledger_results.json and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen_vouchers  # noqa: E402

DEFAULT_WORKDIR = HERE / "out" / "ledger"
DEFAULT_RESULTS = HERE / "out" / "ledger_results.json"
COMPANY = "BENCH"
TB_HEADER = [
    "account_code",
    "account_name",
    "opening_debit",
    "opening_credit",
    "period_debit",
    "period_credit",
    "closing_debit",
    "closing_credit",
]
MEMORY_GOAL_MB = 1024
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
# Above this 1-minute load average before a run, warn that the machine is busy.
BUSY_LOAD = max(1.0, (os.cpu_count() or 1) * 0.5)


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    name: str
    cmd: list[str]
    wall_s: float
    cpu_s: float  # user + system of the process and its reaped descendants (os.wait4)
    peak_rss_mb: float
    maxrss_mb: float
    sampled_tree_rss_mb: float
    returncode: int
    stdout: str
    stderr: str
    loadavg_before: float


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: split after the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        kids.setdefault(int(fields[1]), []).append(int(entry))
    return kids


def _tree_rss_bytes(root: int) -> int:
    kids = _children_map()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            pass
        stack.extend(kids.get(pid, ()))
    return total


class _TreeSampler(threading.Thread):
    """Sample the summed RSS of a process tree until stopped."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        self._stop_evt = threading.Event()

    def run(self) -> None:
        while not self._stop_evt.is_set():
            self.peak = max(self.peak, _tree_rss_bytes(self.pid))
            self._stop_evt.wait(self.interval)

    def stop(self) -> None:
        self._stop_evt.set()
        self.join()


def run_measured(name: str, cmd: list[str], logdir: Path, env: dict[str, str] | None = None) -> Run:
    """Run cmd with stdout/stderr to files; return wall time and peak memory."""
    logdir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logdir / f"{name}.out", logdir / f"{name}.err"
    load = os.getloadavg()[0]
    print(f"[bench] {name}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    if load > BUSY_LOAD:
        print(
            f"[bench] WARNING: 1-minute load average is {load:.1f} on {os.cpu_count()} CPUs:"
            " other work is running, timings will be inflated",
            file=sys.stderr,
            flush=True,
        )
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        try:
            _, status, rusage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            sampler.stop()
            raise
        wall = time.perf_counter() - t0
        sampler.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    maxrss_mb = rusage.ru_maxrss / 1024  # Linux reports KiB
    cpu_s = rusage.ru_utime + rusage.ru_stime
    sampled_mb = sampler.peak / (1024 * 1024)
    run = Run(
        name=name,
        cmd=cmd,
        wall_s=round(wall, 3),
        cpu_s=round(cpu_s, 3),
        peak_rss_mb=round(max(maxrss_mb, sampled_mb), 1),
        maxrss_mb=round(maxrss_mb, 1),
        sampled_tree_rss_mb=round(sampled_mb, 1),
        returncode=proc.returncode,
        stdout=str(out_path),
        stderr=str(err_path),
        loadavg_before=round(load, 2),
    )
    print(
        f"[bench] {name}: {run.wall_s:.2f} s wall, {run.cpu_s:.2f} s CPU, peak {run.peak_rss_mb:.0f} MB, exit {run.returncode}",
        file=sys.stderr,
        flush=True,
    )
    return run


def run_setup(cmd: list[str], env: dict[str, str], logdir: Path, name: str) -> None:
    """Run an un-timed setup step; fail loudly if it fails."""
    print(f"[bench] setup {name}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    res = subprocess.run(cmd, env=env, capture_output=True, stdin=subprocess.DEVNULL)
    (logdir / f"setup_{name}.out").write_bytes(res.stdout)
    (logdir / f"setup_{name}.err").write_bytes(res.stderr)
    if res.returncode != 0:
        raise SystemExit(
            f"setup step {name!r} failed with exit {res.returncode}: {' '.join(cmd)}\n"
            f"{res.stderr.decode(errors='replace')[-4000:]}"
        )


def require_ok(run: Run) -> None:
    if run.returncode != 0:
        tail = Path(run.stderr).read_text(encoding="utf-8", errors="replace")[-4000:]
        raise SystemExit(f"{run.name} failed with exit {run.returncode}: {' '.join(run.cmd)}\n{tail}")


# --------------------------------------------------------------------------- parsing


def to_fen(text: str) -> int:
    """'1,234.50' / '-3.1' / '' -> integer fen; raises ValueError on anything else."""
    s = text.strip().replace(",", "")
    if not s:
        return 0
    try:
        d = Decimal(s) * 100
    except InvalidOperation as e:
        raise ValueError(f"not an amount: {text!r}") from e
    if d != d.to_integral_value():
        raise ValueError(f"amount has more than 2 decimals: {text!r}")
    return int(d)


_BAL_LINE = re.compile(r"^\s*(?:CNY\s*)?(-?[\d,]+(?:\.\d+)?)(?:\s*CNY)?\s{2,}(\S.*?)\s*$")


def parse_bal(path: Path) -> dict[str, int]:
    """Per-account balances (fen) from `ledger bal` / `hledger bal` with flat numeric accounts."""
    balances: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("---"):
            break  # the total follows
        if not line.strip():
            continue
        m = _BAL_LINE.match(line)
        if not m:
            raise ValueError(f"{path}: unexpected balance line {line!r}")
        account = m.group(2)
        balances[account] = balances.get(account, 0) + to_fen(m.group(1))
    return balances


@dataclass
class TrialRow:
    code: str
    name: str
    opening: int
    period_debit: int
    period_credit: int
    closing: int


def parse_trial_balance(path: Path) -> dict[str, TrialRow]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != TB_HEADER:
            raise ValueError(f"{path}: trial-balance header is {header!r}, expected {TB_HEADER!r}")
        rows: dict[str, TrialRow] = {}
        for rec in reader:
            if not rec or not any(c.strip() for c in rec):
                continue
            if len(rec) != len(TB_HEADER):
                raise ValueError(f"{path}: bad row {rec!r}")
            code = rec[0].strip()
            if not code.isdigit():
                continue  # a totals row, if any
            if code in rows:
                raise ValueError(f"{path}: account {code} appears twice")
            od, oc, pd, pc, cd, cc = (to_fen(x) for x in rec[2:])
            rows[code] = TrialRow(code, rec[1], od - oc, pd, pc, cd - cc)
    return rows


# --------------------------------------------------------------------------- checking


def fmt_fen(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def check_bal(name: str, got: dict[str, int], expected_net: dict[str, int]) -> list[str]:
    errors = []
    for acct in sorted(set(expected_net) | set(got)):
        want, have = expected_net.get(acct, 0), got.get(acct, 0)
        if want != have:
            errors.append(f"{name}: account {acct} balance {fmt_fen(have)}, expected {fmt_fen(want)}")
    return errors


def check_trial_balance(rows: dict[str, TrialRow], expected: dict) -> list[str]:
    errors = []
    accounts = expected["accounts"]
    leaves = sorted(accounts)
    for acct in leaves:
        a = accounts[acct]
        row = rows.get(acct)
        if row is None:
            errors.append(f"yecai: account {acct} missing from the trial balance")
            continue
        net = a["debit_fen"] - a["credit_fen"]
        if row.closing != net:
            errors.append(f"yecai: account {acct} closing {fmt_fen(row.closing)}, expected {fmt_fen(net)}")
        if row.opening != 0:
            errors.append(f"yecai: account {acct} opening {fmt_fen(row.opening)}, expected 0")
        if row.period_debit != a["debit_fen"] or row.period_credit != a["credit_fen"]:
            errors.append(
                f"yecai: account {acct} period debit/credit {fmt_fen(row.period_debit)}/"
                f"{fmt_fen(row.period_credit)}, expected {fmt_fen(a['debit_fen'])}/{fmt_fen(a['credit_fen'])}"
            )
    # Parents roll up their children: only the generated leaves carry postings.
    for code, row in rows.items():
        if code in accounts:
            continue
        under = [leaf for leaf in leaves if leaf.startswith(code)]
        want = sum(accounts[leaf]["debit_fen"] - accounts[leaf]["credit_fen"] for leaf in under)
        if row.closing != want:
            errors.append(
                f"yecai: account {code} closing {fmt_fen(row.closing)}, expected {fmt_fen(want)}"
                f" (roll-up of {', '.join(under) or 'nothing'})"
            )
    return errors


# --------------------------------------------------------------------------- orchestration


def tool_version(cmd: list[str]) -> str:
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    if res.returncode != 0:
        return "unknown"
    lines = (res.stdout or res.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def machine_info() -> dict:
    info: dict = {"cpus": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["mem_total_mb"] = int(line.split()[1]) // 1024
                break
    except OSError:
        pass
    return info


def find_yecai(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    beside = Path(sys.executable).parent / "yecai"
    if beside.exists():
        return str(beside)
    return shutil.which("yecai")


def ensure_data(data_dir: Path, vouchers: int, seed: int, regenerate: bool) -> dict:
    marker = data_dir / "expected.json"
    wanted = ("vouchers.csv", "dimensions.csv", "journal.ledger")
    if not regenerate and marker.exists() and all((data_dir / n).exists() for n in wanted):
        expected = json.loads(marker.read_text(encoding="utf-8"))
        if expected.get("vouchers") == vouchers and expected.get("seed") == seed:
            print(f"[bench] reusing generated data in {data_dir}", file=sys.stderr, flush=True)
            return expected
    marker.unlink(missing_ok=True)  # written last: its presence means a complete data set
    t0 = time.perf_counter()
    print(
        f"[bench] generating {vouchers} vouchers (seed {seed}) into {data_dir}", file=sys.stderr, flush=True
    )
    expected = gen_vouchers.generate(vouchers, seed, data_dir)
    print(f"[bench] generated in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    return expected


def run_yecai(
    yecai: str, workdir: Path, data_dir: Path, logdir: Path, *, verify: bool = False
) -> tuple[list[Run], Path]:
    db = workdir / "bench.db"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = dict(os.environ)
    env["YECAI_DATABASE_URL"] = f"sqlite:///{db}"
    env["YECAI_DATA_DIR"] = str(workdir)
    env.setdefault("PYTHONIOENCODING", "utf-8")

    # An installed package carries its bytecode (pip compiles it); a checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module on every start. Compile once, un-timed.
    src = HERE.parent / "src" / "yecai"
    if src.is_dir():
        run_setup([sys.executable, "-m", "compileall", "-q", str(src)], env, logdir, "compileall")
    run_setup([yecai, "db", "upgrade"], env, logdir, "db_upgrade")
    run_setup(
        [yecai, "company", "create", COMPANY, "--name", "基准公司", "--start", "2025-01"],
        env,
        logdir,
        "company_create",
    )
    run_setup(
        [yecai, "dimension", "import", str(data_dir / "dimensions.csv"), "--company", COMPANY],
        env,
        logdir,
        "dimension_import",
    )
    imp = run_measured(
        "yecai_import",
        [yecai, "voucher", "import", str(data_dir / "vouchers.csv"), "--company", COMPANY, "--post"],
        logdir,
        env,
    )
    require_ok(imp)
    tb = run_measured(
        "yecai_trial_balance",
        [
            yecai,
            "report",
            "trial-balance",
            "--company",
            COMPANY,
            "--period",
            "2025-01",
            "--to",
            "2025-12",
            "--format",
            "csv",
        ],
        logdir,
        env,
    )
    require_ok(tb)
    runs = [imp, tb]
    if verify:
        # not part of the comparison: the hash chain recomputed, timed on its own
        ver = run_measured("yecai_verify", [yecai, "ledger", "verify", "--company", COMPANY], logdir, env)
        require_ok(ver)
        runs.append(ver)
    return runs, Path(tb.stdout)


def markdown_table(rows: list[dict]) -> str:
    out = [
        "| contestant | wall s | CPU s | peak RSS MB | wall ÷ yecai |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        ratio = f"{r['ratio_vs_yecai']:.2f}" if r.get("ratio_vs_yecai") is not None else "–"
        out.append(
            f"| {r['contestant']} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {r['peak_rss_mb']:.0f} | {ratio} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vouchers", type=int, default=1_000_000, help="vouchers to generate (default 1000000)")
    p.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    p.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="data, database and logs")
    p.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="JSON results file")
    p.add_argument("--skip-hledger", action="store_true", help="do not run hledger (slow, ~10 GB at 1M)")
    p.add_argument("--skip-ledger", action="store_true", help="do not run ledger-cli")
    p.add_argument("--skip-yecai", action="store_true", help="only run ledger-cli/hledger")
    p.add_argument("--yecai", help="path of the yecai executable (default: beside this Python, or on PATH)")
    p.add_argument("--regenerate", action="store_true", help="regenerate data even if present")
    p.add_argument(
        "--verify", action="store_true", help="also time `yecai ledger verify` (reported apart, not compared)"
    )
    args = p.parse_args(argv)
    if args.vouchers < 1:
        p.error("--vouchers must be at least 1")

    workdir = args.workdir.resolve()
    data_dir, logdir = workdir / "data", workdir / "logs"
    workdir.mkdir(parents=True, exist_ok=True)
    logdir.mkdir(parents=True, exist_ok=True)

    yecai = None
    if not args.skip_yecai:
        yecai = find_yecai(args.yecai)
        if yecai is None:
            p.error("yecai executable not found (install the project, pass --yecai, or --skip-yecai)")
    for tool, skip in (("ledger", args.skip_ledger), ("hledger", args.skip_hledger)):
        if not skip and shutil.which(tool) is None:
            p.error(f"{tool} not found: run `bash bench/setup.sh` (or pass --skip-{tool})")

    expected = ensure_data(data_dir, args.vouchers, args.seed, args.regenerate)
    expected_net = {a: v["debit_fen"] - v["credit_fen"] for a, v in expected["accounts"].items()}
    journal = str(data_dir / "journal.ledger")

    errors: list[str] = []
    table: list[dict] = []
    runs: dict[str, dict] = {}
    yecai_wall = None
    yecai_peak = None
    verified: list[Run] = []

    if yecai:
        yecai_runs, tb_csv = run_yecai(yecai, workdir, data_dir, logdir, verify=args.verify)
        imp, tb = yecai_runs[:2]
        runs["yecai_import"], runs["yecai_trial_balance"] = asdict(imp), asdict(tb)
        yecai_wall = imp.wall_s + tb.wall_s
        yecai_peak = max(imp.peak_rss_mb, tb.peak_rss_mb)
        table.append(
            {
                "contestant": "yecai import + trial balance",
                "wall_s": yecai_wall,
                "cpu_s": imp.cpu_s + tb.cpu_s,
                "peak_rss_mb": yecai_peak,
            }
        )
        for label, r in (("  yecai voucher import --post", imp), ("  yecai report trial-balance", tb)):
            table.append(
                {"contestant": label, "wall_s": r.wall_s, "cpu_s": r.cpu_s, "peak_rss_mb": r.peak_rss_mb}
            )
        verified = yecai_runs[2:]
        for ver in verified:
            runs["yecai_verify"] = asdict(ver)
        try:
            errors += check_trial_balance(parse_trial_balance(tb_csv), expected)
        except ValueError as e:
            errors.append(f"yecai: {e}")

    for tool, skip in (("ledger", args.skip_ledger), ("hledger", args.skip_hledger)):
        if skip:
            continue
        run = run_measured(f"{tool}_bal", [tool, "-f", journal, "bal"], logdir)
        require_ok(run)
        runs[run.name] = asdict(run)
        table.append(
            {
                "contestant": f"{tool} bal",
                "wall_s": run.wall_s,
                "cpu_s": run.cpu_s,
                "peak_rss_mb": run.peak_rss_mb,
            }
        )
        try:
            errors += check_bal(tool, parse_bal(Path(run.stdout)), expected_net)
        except ValueError as e:
            errors.append(f"{tool}: {e}")

    for row in table:
        row["ratio_vs_yecai"] = round(row["wall_s"] / yecai_wall, 2) if yecai_wall else None
    if yecai and verified:
        ver = verified[0]
        table.append(
            {
                "contestant": "(apart) yecai ledger verify",
                "wall_s": ver.wall_s,
                "cpu_s": ver.cpu_s,
                "peak_rss_mb": ver.peak_rss_mb,
                "ratio_vs_yecai": None,
            }
        )

    goals = {}
    if yecai_wall is not None:
        goals["memory_under_1gb"] = yecai_peak < MEMORY_GOAL_MB
        if "ledger_bal" in runs:
            goals["faster_than_ledger"] = yecai_wall < runs["ledger_bal"]["wall_s"]

    results = {
        "benchmark": "ledger",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "bash bench/setup.sh && .venv/bin/python bench/bench_ledger.py "
        + " ".join(a for a in (argv if argv is not None else sys.argv[1:])),
        "vouchers": expected["vouchers"],
        "lines": expected["lines"],
        "seed": expected["seed"],
        "machine": machine_info(),
        "versions": {
            "ledger": tool_version(["ledger", "--version"]) if not args.skip_ledger else None,
            "hledger": tool_version(["hledger", "--version"]) if not args.skip_hledger else None,
            "yecai": tool_version([yecai, "--version"]) if yecai else None,
            "git_commit": tool_version(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"]),
        },
        "table": table,
        "runs": runs,
        "goals": goals,
        "correct": not errors,
        "errors": errors,
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    print(f"\n{expected['vouchers']:,} vouchers, {expected['lines']:,} lines (seed {expected['seed']})\n")
    print(markdown_table(table))
    if yecai_wall is not None:
        print()
        for row in table:
            if row["contestant"] in ("ledger bal", "hledger bal"):
                print(f"yecai is {row['ratio_vs_yecai']:.2f}x as fast as {row['contestant']} end to end")
        print(
            f"yecai peak RSS {yecai_peak:.0f} MB (goal < {MEMORY_GOAL_MB} MB: {'met' if goals['memory_under_1gb'] else 'NOT met'})"
        )
        if "faster_than_ledger" in goals:
            print(f"faster than ledger-cli: {'yes' if goals['faster_than_ledger'] else 'NO'}")
    print(f"\nresults: {args.results}")
    if errors:
        print("\nCORRECTNESS CHECK FAILED:", file=sys.stderr)
        for e in errors:
            print(f"  {e}", file=sys.stderr)
        return 1
    print("correctness: all balances agree with the generator's totals")
    return 0


if __name__ == "__main__":
    sys.exit(main())
