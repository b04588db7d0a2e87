"""Web workspace page times: every page of the demo, document and operations companies against
the 300 ms goal.

    .venv/bin/python bench/bench_pages.py        # writes bench/out/pages_results.json

The pages and companies are those of tests/web/test_performance.py, which asserts only the
bounded number of SQL statements per page (a test never asserts time: the machine's load decides
it). This script runs that walk once with ``YECAI_PAGE_TIMINGS`` set, so each page's median of
three requests (after one warm-up) is written out, then prints the slowest pages and whether every
page met the goal. Timings come from FastAPI's in-process test client: server time, no network.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
GOAL_MS = 300.0
WALKS = ("page_timings", "document_page_timings", "operations_page_timings")


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        prefix = str(Path(tmp) / "pages")
        env = {**os.environ, "YECAI_PAGE_TIMINGS": prefix}
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-n",
            "0",
            "tests/web/test_performance.py",
        ]
        done = subprocess.run(cmd, cwd=ROOT.parent, env=env, check=False)
        pages: list[dict[str, object]] = []
        for walk in WALKS:
            path = Path(f"{prefix}.{walk}.json")
            if path.exists():
                pages += [{**p, "walk": walk} for p in json.loads(path.read_text(encoding="utf-8"))]
    if not pages:
        print("no timings were recorded (did the tests run?)", file=sys.stderr)
        return 1
    pages.sort(key=lambda p: -float(p["ms"]))  # type: ignore[arg-type]
    slow = [p for p in pages if float(p["ms"]) >= GOAL_MS]  # type: ignore[arg-type]
    print(f"{len(pages)} pages, median of 3 requests each; goal < {GOAL_MS:.0f} ms")
    for p in pages[:10]:
        print(f"{float(p['ms']):7.1f} ms {int(p['queries']):3d} queries  {p['url']}")  # type: ignore[call-overload]
    print(f"fastest {float(pages[-1]['ms']):.1f} ms; pages at or over the goal: {len(slow)}")  # type: ignore[arg-type]
    result = {
        "goal_ms": GOAL_MS,
        "met": not slow and done.returncode == 0,
        "tests_exit": done.returncode,
        "load_average": os.getloadavg(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "pages": pages,
    }
    (OUT / "pages_results.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
