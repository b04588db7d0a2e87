"""Run every benchmark in bench/ (the `make bench` target).

    .venv/bin/python bench/run_all.py           # full size, as reported in bench/README.md
    .venv/bin/python bench/run_all.py --quick   # small sizes, to check the harness end to end

Runs bench/setup.sh first, then each bench/bench_*.py in name order with its
default arguments (or its quick arguments with --quick); stops at the first
failure and exits with its status.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Arguments for --quick, per benchmark script; scripts not listed run with their defaults.
QUICK_ARGS = {
    "bench_ledger.py": ["--vouchers", "20000"],
    "bench_reports.py": ["--lines", "30000"],
    "bench_ocr.py": ["--pages", "2", "--skip-real"],
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes, to check the harness")
    args = p.parse_args(argv)

    subprocess.run(["bash", str(HERE / "setup.sh")], check=True)
    for script in sorted(HERE.glob("bench_*.py")):
        extra = QUICK_ARGS.get(script.name, []) if args.quick else []
        print(f"== {script.name} {' '.join(extra)}", flush=True)
        rc = subprocess.run([sys.executable, str(script), *extra]).returncode
        if rc != 0:
            print(f"== {script.name} failed with exit {rc}", file=sys.stderr)
            return rc
    return 0


if __name__ == "__main__":
    sys.exit(main())
