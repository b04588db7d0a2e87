"""Open items, aging and statements on a large receivables ledger (SQLite).

    .venv/bin/python bench/bench_ar_items.py [--invoices 100000] [--customers 2000] [--repeat 3]

Data (not timed): a company with ``--customers`` customers (a fifth with a salesperson and
department), ``--invoices`` posted invoices spread over 2025, receipts for about 85 % of them
(most applied to their invoice in full, some partly, some left unapplied), a credit note for one
invoice in fifty (applied to it). The documents and applications are inserted in bulk straight
into their tables (no vouchers: the readers measured here do not read the ledger), so building a
100,000-invoice ledger takes seconds, not the hours 300,000 service calls would.

Timed (median of ``--repeat`` runs, each a fresh unit of work as a page or the API would use):
``items.open_items`` (every open item with its applications), ``aging.aging`` by customer and by
salesperson as of 2025-12-31, the drill-down of the largest customer's overdue items, and the
statement (PDF) of the largest customer for the year. Writes bench/out/ar_items_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
sys.path.insert(0, str(ROOT.parent / "src"))

COMPANY = "ARBENCH"
AS_OF = date(2025, 12, 31)


def build(db: Any, actor: Any, invoices: int, customers: int, seed: int) -> dict[str, Any]:
    from sqlalchemy import insert, select

    from yecai.ledger import service as ledger
    from yecai.masterdata.models import Customer
    from yecai.receivables.models_items import ARApplication, ARCustomerOwner
    from yecai.sales.models import SalesInvoice, SalesReceipt
    from yecai.sales.models_returns import SalesCreditNote
    from yecai.store.uow import UnitOfWork

    rnd = random.Random(seed)
    ledger.create_company(UnitOfWork(db, actor), code=COMPANY, name="应收基准公司", start="2025-01")
    now = datetime(2025, 1, 1, tzinfo=UTC)
    with UnitOfWork(db, actor) as uow:
        s = uow.session
        company_id = uow.company(COMPANY, "company.view").id
        s.execute(
            insert(Customer),
            [
                {
                    "company_id": company_id,
                    "code": f"C{i:05d}",
                    "name": f"客户{i:05d}有限公司",
                    "tax_id": "",
                    "bank_name": "",
                    "bank_account": "",
                    "group": ("直销", "经销", "")[i % 3],
                    "credit_days": (0, 30, 60, 90)[i % 4],
                    "credit_limit_minor": 0,
                    "enabled": True,
                    "created_at": now,
                }
                for i in range(customers)
            ],
        )
        ids = list(s.execute(select(Customer.id).where(Customer.company_id == company_id)).scalars())
        s.execute(
            insert(ARCustomerOwner),
            [
                {
                    "company_id": company_id,
                    "customer_id": cid,
                    "salesperson": f"业务员{i % 40:02d}",
                    "department": f"D{i % 8}",
                    "updated_at": now,
                }
                for i, cid in enumerate(ids)
                if i % 5 == 0
            ],
        )
        # a few customers buy much more than the others (as in life)
        weights = [1.0 / (1 + i) ** 0.8 for i in range(len(ids))]
        inv_rows, rec_rows, cn_rows, app_rows = [], [], [], []
        for n in range(1, invoices + 1):
            cid = rnd.choices(ids, weights)[0]
            day = date(2025, 1, 1) + timedelta(days=rnd.randrange(365))
            total = rnd.randrange(10_000, 5_000_000)
            inv_rows.append(
                {
                    "id": n,
                    "company_id": company_id,
                    "no": f"SI-2025-{n:06d}",
                    "date": day,
                    "customer_id": cid,
                    "status": "posted",
                    "net_minor": total,
                    "tax_minor": 0,
                    "total_minor": total,
                    "received_minor": 0,
                    "created_at": now,
                }
            )
            open_minor = total
            if n % 50 == 0:
                credit = total // 10
                cn_rows.append(
                    {
                        "id": len(cn_rows) + 1,
                        "company_id": company_id,
                        "no": f"CN-2025-{len(cn_rows) + 1:06d}",
                        "date": day + timedelta(days=3),
                        "invoice_id": n,
                        "customer_id": cid,
                        "status": "posted",
                        "net_minor": credit,
                        "tax_minor": 0,
                        "total_minor": credit,
                        "reason": "",
                        "created_at": now,
                    }
                )
                app_rows.append(("sales_credit_note", len(cn_rows), n, cid, credit, day + timedelta(days=3)))
                open_minor -= credit
            roll = rnd.random()
            if roll < 0.85:
                paid_day = day + timedelta(days=rnd.randrange(5, 120))
                amount = open_minor if roll < 0.75 else open_minor // 2
                rid = len(rec_rows) + 1
                rec_rows.append(
                    {
                        "id": rid,
                        "company_id": company_id,
                        "no": f"SR-2025-{rid:06d}",
                        "date": paid_day,
                        "customer_id": cid,
                        "invoice_id": None,
                        "method": "bank",
                        "amount_minor": amount,
                        "status": "posted",
                        "created_at": now,
                    }
                )
                if roll < 0.82:  # the rest stays unapplied: cash on account
                    app_rows.append(("sales_receipt", rid, n, cid, amount, paid_day))
                    inv_rows[-1]["received_minor"] = amount
        s.execute(insert(SalesInvoice), inv_rows)
        s.execute(insert(SalesReceipt), rec_rows)
        if cn_rows:
            s.execute(insert(SalesCreditNote), cn_rows)
        s.execute(
            insert(ARApplication),
            [
                {
                    "company_id": company_id,
                    "customer_id": cid,
                    "kind": "apply",
                    "source_type": st,
                    "source_id": sid,
                    "invoice_id": iid,
                    "amount_minor": amount,
                    "date": day,
                    "origin": "manual",
                    "note": "",
                    "created_by": "bench",
                    "created_at": now,
                }
                for st, sid, iid, cid, amount, day in app_rows
            ],
        )
        uow.commit()
    top = max(set(r["customer_id"] for r in inv_rows), key=lambda c: weights[ids.index(c)])
    return {
        "invoices": len(inv_rows),
        "receipts": len(rec_rows),
        "credit_notes": len(cn_rows),
        "applications": len(app_rows),
        "largest_customer": f"C{ids.index(top):05d}",
    }


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds (SQLite runs in this process, so its work is in the CPU time;
    on a shared machine the CPU time is the steadier figure)."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--invoices", type=int, default=100_000)
    p.add_argument("--customers", type=int, default=2_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workdir", type=Path, default=OUT / "ar_items")
    p.add_argument("--results", type=Path, default=OUT / "ar_items_results.json")
    args = p.parse_args(argv)

    from yecai.receivables import aging, items, statements
    from yecai.security import service as security
    from yecai.store.db import get_database, upgrade
    from yecai.store.uow import UnitOfWork

    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / "ar.db"
    for f in args.workdir.glob("ar.db*"):
        f.unlink()
    url = f"sqlite:///{path}"
    upgrade(url)
    db = get_database(url)
    security.ensure_admin(db, "admin", "admin-password")
    actor = security.actor_for(db, "admin", source="bench")
    t = time.perf_counter()
    data = build(db, actor, args.invoices, args.customers, args.seed)
    data["build_s"] = round(time.perf_counter() - t, 2)
    print(f"data: {data}", flush=True)

    def read() -> UnitOfWork:
        return UnitOfWork(db, actor, readonly=True)

    big = data["largest_customer"]
    cases: dict[str, Callable[[], Any]] = {
        "open_items_all": lambda: items.open_items(read(), COMPANY, as_of=AS_OF),
        "aging_by_customer": lambda: aging.aging(read(), COMPANY, as_of=AS_OF),
        "aging_by_salesperson": lambda: aging.aging(read(), COMPANY, as_of=AS_OF, by="salesperson"),
        "drill_down_overdue_largest_customer": lambda: aging.aging_items(
            read(), COMPANY, as_of=AS_OF, key=big, bucket="overdue"
        ),
        "statement_pdf_largest_customer": lambda: statements.statement_pdf(
            statements.statement(read(), COMPANY, big, date_from=date(2025, 1, 1), date_to=AS_OF)
        ),
    }
    results: dict[str, Any] = {}
    for name, fn in cases.items():
        seconds, cpu, out = timed(fn, args.repeat)
        size = len(out) if hasattr(out, "__len__") else None
        if name.startswith("aging"):
            size = len(out["rows"])
        results[name] = {"median_s": round(seconds, 3), "median_cpu_s": round(cpu, 3), "rows": size}
        print(
            f"{name:40s} {seconds * 1000:9.0f} ms wall {cpu * 1000:9.0f} ms CPU  ({size} rows/bytes)",
            flush=True,
        )
    report = {
        "benchmark": "ar_items",
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "data": data,
        "as_of": AS_OF.isoformat(),
        "load_average": list(os.getloadavg()),
        "results": results,
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
