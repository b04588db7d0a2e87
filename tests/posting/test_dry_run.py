"""Dry-run of a changed rule set over past periods: exactly the documents the change touches,
line by line (old vs new) and per account; nothing written; refused as saving would refuse."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.sales.books import Books, setup_books
from yecai.core.errors import ValidationFailed
from yecai.ledger.models import Voucher
from yecai.posting import domain, dryrun
from yecai.posting import service as posting
from yecai.posting.models import DocumentVoucher, PostingRuleSet
from yecai.sales import service as sales
from yecai.store.db import Database
from yecai.store.uow import Actor

D = date.fromisoformat


def _sell(b: Books, customer: str, day: str, qty: str = "2") -> dict:
    o = sales.create_order(
        b.uow(),
        b.company,
        customer=customer,
        day=D(day),
        lines=[{"item": "A", "qty": qty, "unit_price": "113.00"}],
    )
    sales.create_delivery(b.uow(), b.company, order_id=o["id"], day=D(day), warehouse="W1")
    return sales.create_invoice(b.uow(), b.company, customer=customer, day=D(day), orders=[o["id"]])


def _direct_sales_to_6051() -> dict:
    """Revenue from customers of the 直销 group goes to 6051 (其他业务收入)."""
    content = copy.deepcopy(posting.default_rules())
    revenue = content["events"]["sales_invoice.posted"]["lines"][1]
    revenue["account"] = [{"when": "customer.group == '直销'", "account": "6051"}, *revenue["account"]]
    return content


@pytest.fixture
def books(db: Database, admin: Actor) -> Books:
    b = setup_books(db, admin)
    return b


def _counts(db: Database) -> tuple[int, int, int]:
    with db.session() as s:
        return (
            s.execute(select(func.count(Voucher.id))).scalar_one(),
            s.execute(select(func.count(DocumentVoucher.id))).scalar_one(),
            s.execute(select(func.count(PostingRuleSet.id))).scalar_one(),
        )


def test_a_changed_account_for_one_customer_group_shows_exactly_those_documents(books: Books) -> None:
    b = books
    c1_march = _sell(b, "C1", "2025-03-10")  # C1 is 直销
    _sell(b, "C2", "2025-03-11")
    c1_april = _sell(b, "C1", "2025-04-02", qty="3")
    _sell(b, "C1", "2025-05-06")  # outside the range
    before = _counts(b.db)

    out = dryrun.dry_run(
        b.uow(), b.company, _direct_sales_to_6051(), period_from="2025-03", period_to="2025-04"
    )

    assert _counts(b.db) == before  # nothing written, nothing saved
    assert (out["period_from"], out["period_to"]) == ("2025-03", "2025-04")
    # 2 stock receipts, 3 deliveries, 3 invoices in March–April
    assert out["documents"] == 8 and out["changed"] == 2 and out["failed"] == 0 and out["skipped"] == 0
    assert out["unchanged"] == 6 and out["truncated"] is False
    assert [(d["doc_no"], d["event"]) for d in out["differences"]] == [
        (c1_march["no"], "sales_invoice.posted"),
        (c1_april["no"], "sales_invoice.posted"),
    ]
    march = out["differences"][0]
    assert march["voucher_no"] == c1_march["vouchers"][0]["voucher_no"]
    assert march["date"] == "2025-03-10" and march["rule_version"] == 0
    assert [
        (ln["rule"], ln["changed"], ln["old_account"], ln["new_account"], ln["old_credit"], ln["new_credit"])
        for ln in march["lines"]
    ] == [("revenue", ["account"], "6001", "6051", "200.00", "200.00")]
    assert (
        march["lines"][0]["old_summary"]
        == march["lines"][0]["new_summary"]
        == f"销售 华东商贸 {c1_march['no']}"
    )
    accounts = {a["account"]: a for a in out["accounts"]}
    # March 200.00 + April 300.00 of C1's revenue move from 6001 to 6051; C2's 200.00 stays
    assert accounts["6001"]["old_credit"] == "700.00" and accounts["6001"]["new_credit"] == "200.00"
    assert accounts["6001"]["difference"] == "500.00"
    assert accounts["6051"]["old_credit"] == "0.00" and accounts["6051"]["new_credit"] == "500.00"
    assert accounts["6051"]["difference"] == "-500.00"
    assert accounts["1122"]["difference"] == "0.00" and accounts["1405"]["difference"] == "0.00"


def test_an_unchanged_rule_set_shows_no_difference(books: Books) -> None:
    b = books
    _sell(b, "C1", "2025-03-10")
    _sell(b, "C2", "2025-03-11")
    sales.create_receipt(b.uow(), b.company, customer="C2", day=D("2025-03-20"), amount="100.00")
    out = dryrun.dry_run(b.uow(), b.company, posting.default_rules(), period_from="2025-03")
    assert out["documents"] == 7 and out["changed"] == 0 and out["differences"] == []
    assert all(a["difference"] == "0.00" for a in out["accounts"])
    assert {a["account"] for a in out["accounts"]} >= {"1122", "1405", "6001", "6401", "100201"}


def test_an_amount_and_a_summary_change_are_named_line_by_line(books: Books) -> None:
    b = books
    inv = _sell(b, "C2", "2025-03-10")
    content = copy.deepcopy(posting.default_rules())
    lines = content["events"]["sales_invoice.posted"]["lines"]
    lines[0]["summary"] = "应收 {customer.name} {doc.no}"
    out = dryrun.dry_run(b.uow(), b.company, content, period_from="2025-03")
    assert out["changed"] == 1
    (diff,) = out["differences"]
    assert diff["doc_no"] == inv["no"]
    assert [(ln["rule"], ln["changed"], ln["old_summary"], ln["new_summary"]) for ln in diff["lines"]] == [
        ("receivable", ["summary"], f"销售 西南百货 {inv['no']}", f"应收 西南百货 {inv['no']}")
    ]


def test_an_invalid_rule_set_is_refused_with_the_same_errors_as_saving(books: Books) -> None:
    b = books
    _sell(b, "C1", "2025-03-10")
    content = copy.deepcopy(posting.default_rules())
    content["events"]["sales_invoice.posted"]["lines"][1]["account"] = "2221"  # not a leaf
    with pytest.raises(domain.RuleAccountNotLeaf) as saving:
        posting.save_rule_set(b.uow(), b.company, content, effective_from=D("2025-01-01"))
    with pytest.raises(domain.RuleAccountNotLeaf) as dry:
        dryrun.dry_run(b.uow(), b.company, content, period_from="2025-03")
    assert dry.value.to_dict("en") == saving.value.to_dict("en")

    content["events"]["sales_invoice.posted"]["lines"][1]["account"] = "9999"
    content["events"]["sales_invoice.posted"]["lines"][2]["amount"] = "tax * 2 +"
    with pytest.raises(ValidationFailed) as many_saving:
        posting.save_rule_set(b.uow(), b.company, content, effective_from=D("2025-01-01"))
    with pytest.raises(ValidationFailed) as many_dry:
        dryrun.dry_run(b.uow(), b.company, content, period_from="2025-03")
    assert [e.to_dict("en") for e in many_dry.value.errors] == [
        e.to_dict("en") for e in many_saving.value.errors
    ]

    content["events"]["sales_invoice.posted"]["lines"][1]["account"] = "6001"
    content["events"]["sales_invoice.posted"]["lines"][2]["amount"] = "tax * 2"  # cannot balance
    with pytest.raises(domain.RuleSetUnbalanced):
        dryrun.dry_run(b.uow(), b.company, content, period_from="2025-03")


def test_a_backwards_or_too_long_range_is_refused(books: Books) -> None:
    with pytest.raises(dryrun.DryRunRangeInvalid) as exc:
        dryrun.dry_run(
            books.uow(), books.company, posting.default_rules(), period_from="2025-06", period_to="2025-03"
        )
    assert exc.value.field == "to"
    with pytest.raises(dryrun.DryRunRangeInvalid):
        dryrun.dry_run(
            books.uow(), books.company, posting.default_rules(), period_from="2020-01", period_to="2025-03"
        )


def test_postings_without_a_snapshot_are_counted_as_skipped(books: Books) -> None:
    b = books
    _sell(b, "C1", "2025-03-10")
    with b.db.session() as s:  # as if posted before snapshots were kept
        s.execute(
            DocumentVoucher.__table__.update()
            .where(DocumentVoucher.source_type == "sales_invoice")
            .values(snapshot_json=None, doc_date=None)
        )
        s.commit()
    out = dryrun.dry_run(b.uow(), b.company, _direct_sales_to_6051(), period_from="2025-03")
    assert out["skipped"] == 1 and out["changed"] == 0 and out["documents"] == 3


def test_pure_diff_pairs_lines_by_rule() -> None:
    def ln(rule: str, account: str, credit: int, summary: str = "s") -> domain.PostedLine:
        return domain.PostedLine(rule, account, 0, credit, (), summary)

    old = [ln("r", "6001", 100), ln("r", "6001", 50), ln("t", "2221", 13)]
    new = [ln("r", "6001", 100), ln("r", "6051", 50), ln("u", "2221", 13)]
    diffs = domain.diff_lines(old, new)
    # the 2221 line moved from rule t to u but is the same line: no difference
    assert [(d.rule_id, d.changed) for d in diffs] == [("r", ("account",))]
    assert domain.diff_lines(old, old[:2]) == [domain.LineDifference("t", ("removed",), old[2], None)]
    assert domain.diff_lines(old[:2], old) == [domain.LineDifference("t", ("added",), None, old[2])]


# --- shells --------------------------------------------------------------------------------------


def test_cli_dry_run(books: Books, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from yecai.cli.main import app

    b = books
    monkeypatch.setenv("YECAI_DATABASE_URL", b.db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    inv = _sell(b, "C1", "2025-03-10")
    _sell(b, "C2", "2025-03-11")
    candidate = tmp_path / "rules.json"
    candidate.write_text(json.dumps(_direct_sales_to_6051(), ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        r = runner.invoke(app, ["--user", "admin", "rules", "dry-run", "-c", b.company, *args])
        return r.exit_code, r.output

    code, out = cli("--rules", str(candidate), "--period", "2025-03", "--format", "csv")
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["doc_no"], r["rule"], r["changed"], r["old_account"], r["new_account"]) for r in rows] == [
        (inv["no"], "revenue", "account", "6001", "6051")
    ]
    code, out = cli("--rules", str(candidate), "--period", "2025-03", "--format", "csv", "--accounts")
    totals = {r["account"]: r["difference"] for r in csv.DictReader(io.StringIO(out))}
    assert code == 0 and totals["6001"] == "200.00" and totals["6051"] == "-200.00"
    code, out = cli("--rules", str(candidate), "--period", "2025-03", "--to", "2025-04", "--format", "json")
    assert code == 0 and json.loads(out)["changed"] == 1
    code, out = cli("--rules", str(candidate), "--period", "2025-03")
    assert code == 0 and "1 would change" in out and "6051" in out
    broken = _direct_sales_to_6051()
    broken["events"]["sales_invoice.posted"]["lines"][1]["account"][0]["account"] = "9999"
    candidate.write_text(json.dumps(broken), encoding="utf-8")
    code, out = cli("--rules", str(candidate), "--period", "2025-03")
    assert code == 2 and "posting.account_unknown" in out
    candidate.write_text("{not json", encoding="utf-8")
    code, out = cli("--rules", str(candidate), "--period", "2025-03")
    assert code == 2 and "posting.rule_set_malformed" in out
    candidate.write_text(json.dumps(posting.default_rules()), encoding="utf-8")
    code, out = cli("--rules", str(candidate), "--period", "2025-04", "--to", "2025-03")
    assert code == 2 and "posting.dry_run_range_backwards" in out


def test_api_dry_run(books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from yecai.api import app as api_app
    from yecai.api.app import create_app
    from yecai.security import service as security

    b = books
    monkeypatch.setattr(api_app, "ROUTERS", ("yecai.posting.api",))
    token, _user = security.login(b.db, "admin", "admin-password", kind="api", source="test")
    client = TestClient(create_app(b.db))
    inv = _sell(b, "C1", "2025-03-10")
    url = f"/api/companies/{b.company}/posting-rules/dry-run"
    body = {"content": _direct_sales_to_6051(), "period_from": "2025-03"}
    assert client.post(url, json=body).status_code == 401  # behind auth
    client.headers["Authorization"] = f"Bearer {token}"
    r = client.post(url, json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["changed"] == 1 and out["differences"][0]["doc_no"] == inv["no"]
    assert out["differences"][0]["lines"][0]["new_account"] == "6051"
    body["content"]["events"]["sales_invoice.posted"]["lines"][1]["account"][0]["account"] = "9999"
    r = client.post(url, json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "posting.account_unknown"
    r = client.post(url, json={**body, "period_from": "March"})
    assert r.status_code == 422
