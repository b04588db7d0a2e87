"""Quality bars on the demo company: every page answers with a bounded number of queries (the
count does not grow with the rows shown: no N+1).

Each page's median time is measured on the way and recorded (printed with ``-s``, and written to
the JSON file named by ``YECAI_PAGE_TIMINGS`` when set), but never asserted: a shared machine's
load decides wall time. bench/bench_pages.py runs this walk and reports the times against the
300 ms goal."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from yecai.ledger import service as ledger
from yecai.ledger.domain import LineDraft, VoucherDraft
from yecai.security import service as security
from yecai.store.db import Database
from yecai.store.uow import UnitOfWork
from yecai.web.docforms import FORMS
from yecai.web.doclist import KINDS
from yecai.web.documents import PREVIEWS
from yecai.web.pages import CHART_MONTHS

from .conftest import DEMO
from .docs_fixture import DocsCompany
from .ops_fixture import OpsCompany

pytestmark = pytest.mark.xdist_group("web")
QUERIES_MAX = 60
DOC_QUERIES_MAX = 40  # a document page: the service read, names, audit log
# A delivery's or a bill's preview runs the real posting (stock pools, moves) and rolls it back:
# the service's cost, a fixed number per document line (the fixture's documents have 1–3).
PREVIEW_QUERIES_MAX = 80
# The dashboard draws a year of income statements: a fixed number of queries per month shown.
IS_QUERIES = 8
DEC = "2025-12"


def record(
    name: str, report: list[tuple[float, int, str]], record_property: Callable[[str, object], None]
) -> None:
    """Keep the walk's timings: as a test property, on stdout, and for bench/bench_pages.py."""
    lines = [f"{ms:6.1f} ms {n:3d} queries  {url}" for ms, n, url in report]
    record_property(name, "\n".join(lines))
    print("\n" + "\n".join(lines))
    out = os.environ.get("YECAI_PAGE_TIMINGS")
    if out:
        path = f"{out}.{name}.json"
        with open(path, "w", encoding="utf-8") as f:
            json.dump([{"url": url, "ms": ms, "queries": n} for ms, n, url in report], f, ensure_ascii=False)


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def pages(db: Database) -> list[str]:
    admin = UnitOfWork(db, security.actor_for(db, "admin", source="test"))
    vid = ledger.list_vouchers(admin, DEMO, period=DEC, page_size=1)["items"][0].id
    return [
        "/",
        f"/dashboard/trend?period={DEC}",
        "/vouchers",
        f"/vouchers?period={DEC}&status=posted&account=1122&text=销售",
        "/vouchers/new",
        f"/vouchers/{vid}",
        f"/vouchers/{vid}.pdf",
        f"/books/trial-balance?from=2025-01&to={DEC}",
        f"/books/general-ledger?from=2025-01&to={DEC}",
        f"/books/subledger?account=1122&from=2025-01&to={DEC}",
        f"/books/subledger?account=1122&from=2025-01&to={DEC}&dimension=customer&value=C001",
        f"/books/balance-sheet?period={DEC}",
        f"/books/income-statement?from=2025-01&to={DEC}",
        f"/books/trial-balance?from=2025-01&to={DEC}&format=xlsx",
        f"/books/trial-balance?from=2025-01&to={DEC}&format=pdf",
        f"/books/general-ledger?from={DEC}&to={DEC}&format=pdf",
        f"/books/subledger?account=1122&from={DEC}&to={DEC}&format=pdf",
        f"/books/balance-sheet?period={DEC}&format=pdf",
        f"/books/income-statement?from=2025-01&to={DEC}&format=pdf",
        "/closing",
        "/accounts",
        "/dimensions",
        "/search?q=yszk",
        "/search?q=转-1",
        "/ui/accounts?q=yszk",
    ]


def test_every_page_issues_bounded_queries(
    login: Callable[[str], TestClient], web_db: Database, record_property: Callable[[str, object], None]
) -> None:
    client = login("finance_manager")
    report: list[tuple[float, int, str]] = []
    for url in pages(web_db):
        assert client.get(url).status_code == 200, url  # warm up templates and caches
        times = []
        for _ in range(3):
            with counting(web_db) as statements:
                t0 = time.perf_counter()
                r = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, url
        ms = statistics.median(times)
        report.append((ms, len(statements), url))
        budget = QUERIES_MAX + (CHART_MONTHS * IS_QUERIES if "trend" in url else 0)
        assert len(statements) <= budget, f"{url} issued {len(statements)} queries"
    record("page_timings", report, record_property)


def test_lists_do_not_query_per_row(login: Callable[[str], TestClient], web_db: Database) -> None:
    client = login("auditor")
    counts = {}
    for url in ("/vouchers?page=1", "/vouchers?period=2025-03&account=1122&text=收到货款"):
        client.get(url)
        with counting(web_db) as statements:
            assert client.get(url).status_code == 200
        counts[url] = len(statements)
    assert len(set(counts.values())) == 1, counts


def document_pages(docs: DocsCompany) -> list[str]:
    first = {k: v[0] for k, v in docs.ids.items()}
    last = {k: v[-1] for k, v in docs.ids.items()}
    urls = ["/"]
    for kind in KINDS.values():
        if kind.key not in docs.ids:  # production, claims, counts, returns: operations_pages
            continue
        urls += [
            kind.url,
            f"{kind.url}?status={kind.statuses[0]}&period=2025-06&text=2025",
            f"{kind.url}?page=2",
            f"{kind.url}/{first[kind.key]}",
            f"{kind.url}/{last[kind.key]}",
        ]
        if kind.key in PREVIEWS:
            urls.append(f"{kind.url}/{last[kind.key]}/preview")
        if kind.creatable:
            urls.append(f"{kind.url}/new")
    return urls + [
        "/inventory/on-hand",
        "/masterdata/customers",
        "/masterdata/customers/C01",
        "/masterdata/suppliers",
        "/masterdata/items",
        "/masterdata/warehouses",
        "/ui/items?q=dj",
    ]


def test_document_pages_issue_bounded_queries(
    docs_login: Callable[[str], TestClient],
    docs_company: DocsCompany,
    web_db: Database,
    record_property: Callable[[str, object], None],
) -> None:
    """On WEBDOCS (a year of documents made through the services): each list, document page,
    preview and form with a bounded number of queries."""
    client = docs_login("finance_manager")
    report: list[tuple[float, int, str]] = []
    for url in document_pages(docs_company):
        assert client.get(url).status_code == 200, url
        times = []
        for _ in range(3):
            with counting(web_db) as statements:
                t0 = time.perf_counter()
                r = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, url
        ms = statistics.median(times)
        report.append((ms, len(statements), url))
        budget = QUERIES_MAX if url == "/" else DOC_QUERIES_MAX  # the dashboard: figures and waiting counts
        if url.endswith("/preview"):
            budget = PREVIEW_QUERIES_MAX
        assert len(statements) <= budget, f"{url} issued {len(statements)} queries"
    record("document_page_timings", report, record_property)


def test_document_lists_do_not_query_per_row(
    docs_login: Callable[[str], TestClient], web_db: Database
) -> None:
    client = docs_login("auditor")
    for kind in KINDS.values():
        counts = {}
        for url in (f"{kind.url}?page=1", f"{kind.url}?period=2025-03&text=2025"):
            client.get(url)
            with counting(web_db) as statements:
                assert client.get(url).status_code == 200
            counts[url] = len(statements)
        assert len(set(counts.values())) == 1, counts


def operations_pages(ops: OpsCompany) -> list[str]:
    urls = [
        "/production/boms",
        f"/production/boms/{ops.ids['bom'][0]}",
        "/production/boms/new",
        "/inventory/counts/new?warehouse=W1",
        "/inventory/costing?period=2025-12",
        "/production/allocate",
    ]
    for key in ("work_order", "expense_claim", "stock_count", "sales_return", "sales_credit_note"):
        kind = KINDS[key]
        urls += [kind.url, f"{kind.url}?period=2025-12&text=2025"]
        urls += [f"{kind.url}/{i}" for i in ops.ids[key]]
        if key in FORMS:
            urls.append(f"{kind.url}/new")
    urls += [
        f"/sales/deliveries/{ops.ids['sales_delivery'][0]}",
        f"/sales/invoices/{ops.ids['sales_invoice'][0]}",
    ]
    return urls


def test_operations_pages_issue_bounded_queries(
    ops_login: Callable[..., TestClient],
    ops_company: OpsCompany,
    login: Callable[[str], TestClient],
    web_db: Database,
    record_property: Callable[[str, object], None],
) -> None:
    """Production, expense claims, counts, costing, returns (WEBOPS) and editing a draft voucher
    (WEBDEMO): each with a bounded number of queries."""
    admin = UnitOfWork(web_db, security.actor_for(web_db, "admin", source="test"))
    draft = ledger.create_voucher(
        admin,
        DEMO,
        VoucherDraft(
            date=date(2025, 12, 30),
            lines=(
                LineDraft("性能测试", "100201", debit=Decimal("10")),
                LineDraft("性能测试", "6001", credit=Decimal("10")),
            ),
        ),
    )
    report: list[tuple[float, int, str]] = []
    for client, urls in (
        (ops_login("finance_manager"), operations_pages(ops_company)),
        (login("finance_manager"), [f"/vouchers/{draft.id}/edit"]),
    ):
        for url in urls:
            assert client.get(url).status_code == 200, url
            times = []
            for _ in range(3):
                with counting(web_db) as statements:
                    t0 = time.perf_counter()
                    r = client.get(url)
                    times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, url
            ms = statistics.median(times)
            report.append((ms, len(statements), url))
            assert len(statements) <= DOC_QUERIES_MAX, f"{url} issued {len(statements)} queries"
    record("operations_page_timings", report, record_property)
