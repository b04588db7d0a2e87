"""Vendor bills without a purchase order (rent, utilities, services): exact vouchers by expense
category and department, mixed bills (order lines keep their three-way match), payment, `yecai
check`, preview and dry-run, every refusal, and a company whose saved rule set predates them."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.purchasing.books import D, po, setup_books
from yecai.checks.service import run_checks
from yecai.core.errors import FieldRequired, NotFound
from yecai.expenses import domain as expenses_domain
from yecai.expenses import service as expenses
from yecai.ledger import closing
from yecai.ledger import service as ledger
from yecai.ledger.service import PeriodClosed
from yecai.masterdata import service as md
from yecai.posting import dryrun
from yecai.posting import service as posting
from yecai.posting.domain import DocumentWrongState
from yecai.purchasing import domain
from yecai.purchasing import service as purchasing
from yecai.store.db import Database
from yecai.store.uow import Actor


def _books(db: Database, admin: Actor, start: str = "2025-01") -> Any:
    b = setup_books(db, admin, start=start)
    ledger.add_dimension_values(
        b.uow(),
        b.company,
        [("department", "ADM", "行政部"), ("department", "SAL", "销售部"), ("project", "P1", "新厂房")],
    )
    expenses.set_department_kind(b.uow(), b.company, "SAL", "sales")
    md.create_item(
        b.uow(), b.company, code="SV", name="咨询服务", category="中介服务费", tax_rate="0.06", kind="service"
    )
    return b


def _lines(view: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(account, debit, credit, department or supplier) of the bill's voucher."""
    return [
        (
            ln["account_code"],
            ln["debit"],
            ln["credit"],
            ln["dims"].get("department") or ln["dims"].get("supplier", ""),
        )
        for ln in view["vouchers"][0]["lines"]
    ]


RENT = {
    "category": "租赁费",
    "department": "ADM",
    "net": "10000.00",
    "tax_code": "IN9",
    "description": "3月房租",
}
OFFICE = {"category": "办公费", "department": "SAL", "total": "1130.00", "tax_code": "IN13"}


def test_a_bill_without_an_order_books_expenses_by_category_and_department(
    db: Database, admin: Actor
) -> None:
    b = _books(db, admin)
    bill = purchasing.create_bill(
        b.uow(),
        b.company,
        supplier="S2",
        day=D("2025-03-05"),
        lines=[RENT, OFFICE],
        invoice_no="25312000000001",
    )
    assert (bill["net"], bill["tax"], bill["total"], bill["status"]) == (
        "11000.00",
        "1030.00",
        "12030.00",
        "posted",
    )
    assert [(ln["kind"], ln["category"], ln["department"], ln["order"]) for ln in bill["lines"]] == [
        ("expense", "租赁费", "ADM", ""),
        ("expense", "办公费", "SAL", ""),
    ]
    # rent of the admin department to 660208 管理费用-租赁费, office costs of sales to 660107
    assert _lines(bill) == [
        ("660208", "10000.00", "", "ADM"),
        ("660107", "1000.00", "", "SAL"),
        ("22210101", "900.00", "", ""),
        ("22210101", "130.00", "", ""),
        ("2202", "", "12030.00", "S2"),
    ]
    summaries = [ln["summary"] for ln in bill["vouchers"][0]["lines"]]
    assert summaries[0] == f"采购费用 华北材料 租赁费 {bill['no']}"
    assert run_checks(b.uow(), b.company) == []

    paid = purchasing.create_payment(
        b.uow(), b.company, supplier="S2", day=D("2025-03-20"), amount="12030.00", bill_id=bill["id"]
    )
    assert paid["bill"] == bill["no"]
    assert purchasing.get_bill(b.uow(), b.company, bill["id"])["open"] == "0.00"
    assert run_checks(b.uow(), b.company) == []
    balances = {
        r["supplier"]: r["closing"] for r in purchasing.ap_balances(b.uow(), b.company, period="2025-03")
    }
    assert balances.get("S2", 0) == 0


def test_a_service_item_with_a_project_and_a_quantity(db: Database, admin: Actor) -> None:
    b = _books(db, admin)
    bill = purchasing.create_bill(
        b.uow(),
        b.company,
        supplier="S2",
        day=D("2025-03-05"),
        lines=[{"item": "SV", "qty": "4", "net": "2000", "department": "ADM", "project": "P1"}],
        post=False,
    )
    ln = bill["lines"][0]
    # category and tax code from the service item (中介服务费, 6%), the description its name
    assert (ln["item"], ln["category"], ln["tax_code"], ln["project"], ln["description"]) == (
        "SV",
        "中介服务费",
        "IN6",
        "P1",
        "咨询服务",
    )
    assert (ln["qty"], ln["unit_price"], ln["tax"], ln["total"]) == ("4", "500", "120.00", "2120.00")
    preview = purchasing.preview_bill(b.uow(), b.company, bill["id"])
    assert preview["errors"] == []
    assert [(p["account_code"], p["debit"], p["credit"]) for p in preview["lines"]] == [
        ("660210", "2000.00", ""),
        ("22210101", "120.00", ""),
        ("2202", "", "2120.00"),
    ]
    assert purchasing.get_bill(b.uow(), b.company, bill["id"])["status"] == "draft"  # preview undone
    posted = purchasing.post_bill(b.uow(), b.company, bill["id"])
    assert _lines(posted)[0] == ("660210", "2000.00", "", "ADM")
    assert run_checks(b.uow(), b.company) == []


def test_a_mixed_bill_matches_its_order_lines_and_books_its_freight(db: Database, admin: Actor) -> None:
    b = _books(db, admin)
    o = po(b, ("A", "10", "100.00"))
    purchasing.create_receipt(b.uow(), b.company, order_id=o["id"], day=D("2025-03-02"), warehouse="W1")
    freight = {"category": "运输费", "department": "ADM", "net": "200.00", "tax_code": "IN9"}
    # beyond the 5% price tolerance the order line is refused, the freight line does not help
    with pytest.raises(domain.ThreeWayMatchFailed):
        purchasing.create_bill(
            b.uow(),
            b.company,
            supplier="S1",
            day=D("2025-03-10"),
            lines=[{"order_id": o["id"], "line_no": 1, "qty": "10", "unit_price": "120.00"}, freight],
        )
    bill = purchasing.create_bill(
        b.uow(),
        b.company,
        supplier="S1",
        day=D("2025-03-10"),
        lines=[{"order_id": o["id"], "line_no": 1, "qty": "10"}, freight],
    )
    assert [ln["kind"] for ln in bill["lines"]] == ["order", "expense"]
    assert (bill["net"], bill["tax"], bill["total"], bill["accrued"]) == (
        "1200.00",
        "148.00",
        "1348.00",
        "1000.00",
    )
    # the order line exactly as before (暂估 cleared, no price difference); the freight of the
    # admin department to 660299 (运输费 has no 管理费用 sub-account)
    assert _lines(bill) == [
        ("2202", "1000.00", "", "S1"),
        ("660299", "200.00", "", "ADM"),
        ("22210101", "130.00", "", ""),
        ("22210101", "18.00", "", ""),
        ("2202", "", "1348.00", "S1"),
    ]
    assert purchasing.get_order(b.uow(), b.company, o["id"])["status"] == "closed"
    assert run_checks(b.uow(), b.company) == []


@pytest.mark.parametrize(
    ("line", "error", "field"),
    [
        (
            {"department": "ADM", "net": "100", "tax_code": "IN13"},
            domain.BillLineWithoutKind,
            "lines[1].category",
        ),
        (
            {"order_id": 1, "line_no": 1, "category": "办公费"},
            domain.BillLineBothKinds,
            "lines[1].category",
        ),
        (
            {"category": "茶水费", "department": "ADM", "net": "100", "tax_code": "IN13"},
            expenses_domain.InvalidCategory,
            "lines[1].category",
        ),
        ({"category": "办公费", "net": "100", "tax_code": "IN13"}, FieldRequired, "lines[1].department"),
        (
            {"category": "办公费", "department": "NOPE", "net": "100", "tax_code": "IN13"},
            NotFound,
            "lines[1].department",
        ),
        (
            {"category": "办公费", "department": "ADM", "project": "NOPE", "net": "100", "tax_code": "IN13"},
            NotFound,
            "lines[1].project",
        ),
        ({"category": "办公费", "department": "ADM", "net": "100"}, FieldRequired, "lines[1].tax_code"),
        (
            {"category": "办公费", "department": "ADM", "net": "100", "tax_code": "OUT13"},
            NotFound,
            "lines[1].tax_code",
        ),
        ({"category": "办公费", "department": "ADM", "tax_code": "IN13"}, FieldRequired, "lines[1].net"),
        (
            {"category": "办公费", "department": "ADM", "net": "-100", "tax_code": "IN13"},
            domain.InvalidLineAmount,
            "lines[1].net",
        ),
        (
            {"category": "办公费", "department": "ADM", "total": "0", "tax_code": "IN13"},
            domain.InvalidLineAmount,
            "lines[1].total",
        ),
        (
            {"category": "办公费", "department": "ADM", "net": "100", "tax": "15.00", "tax_code": "IN13"},
            domain.LineTaxMismatch,
            "lines[1].tax",
        ),
        ({"item": "A", "department": "ADM", "net": "100"}, domain.StockItemNeedsOrder, "lines[1].item"),
    ],
)
def test_refusals_name_the_line_and_field(
    db: Database, admin: Actor, line: dict[str, Any], error: type[Exception], field: str
) -> None:
    b = _books(db, admin)
    with pytest.raises(error) as exc:
        purchasing.create_bill(b.uow(), b.company, supplier="S2", day=D("2025-03-05"), lines=[line])
    assert exc.value.field == field  # type: ignore[attr-defined]
    assert purchasing.list_bills(b.uow(), b.company) == []


def test_refusal_messages_in_chinese_and_english(db: Database, admin: Actor) -> None:
    err = domain.BillLineWithoutKind(line=2, field="lines[2].category")
    assert "expense category" in err.message("en")
    assert "费用类别" in err.message("zh_CN")
    err2 = domain.LineTaxMismatch(line=1, tax="15.00", net="100.00", rate="13%", expected="13.00")
    assert "15.00" in err2.message("zh_CN") and "税额" in err2.message("zh_CN")


def test_one_fen_of_invoice_rounding_is_accepted(db: Database, admin: Actor) -> None:
    b = _books(db, admin)
    bill = purchasing.create_bill(
        b.uow(),
        b.company,
        supplier="S2",
        day=D("2025-03-05"),
        lines=[
            {"category": "水电费", "department": "ADM", "net": "100.05", "tax": "13.00", "tax_code": "IN13"}
        ],
    )
    assert (bill["tax"], bill["total"]) == ("13.00", "113.05")


def test_a_closed_period_refuses_the_bill_and_nothing_is_written(db: Database, admin: Actor) -> None:
    b = _books(db, admin, start="2025-03")
    closing.close_period(b.uow(), b.company, "2025-03")
    with pytest.raises(PeriodClosed):
        purchasing.create_bill(b.uow(), b.company, supplier="S2", day=D("2025-03-31"), lines=[RENT])
    assert purchasing.list_bills(b.uow(), b.company) == []
    draft = purchasing.create_bill(
        b.uow(), b.company, supplier="S2", day=D("2025-03-31"), lines=[RENT], post=False
    )
    with pytest.raises(PeriodClosed):
        purchasing.post_bill(b.uow(), b.company, draft["id"])
    assert purchasing.get_bill(b.uow(), b.company, draft["id"])["status"] == "draft"
    assert run_checks(b.uow(), b.company) == []


def _old_rules() -> dict[str, Any]:
    """The default rule set as saved by a company before bills without an order existed."""
    content = copy.deepcopy(posting.default_rules())
    rules = content["events"]["vendor_bill.posted"]["lines"]
    content["events"]["vendor_bill.posted"]["lines"] = [r for r in rules if r["id"] != "expense"]
    for r in content["events"]["vendor_bill.posted"]["lines"]:
        if r["id"] == "price_difference_cost":
            r["amount"] = "net - accrued - to_stock"
    return content


def test_a_saved_rule_set_without_expense_lines_refuses_them_until_updated(
    db: Database, admin: Actor
) -> None:
    b = _books(db, admin)
    posting.save_rule_set(b.uow(), b.company, _old_rules(), effective_from=D("2025-01-01"), note="old copy")
    with pytest.raises(domain.RulesLackExpenseLines) as exc:
        purchasing.create_bill(b.uow(), b.company, supplier="S2", day=D("2025-03-05"), lines=[RENT])
    assert "version 1" in str(exc.value) and "2025-03-05" in str(exc.value)
    assert purchasing.list_bills(b.uow(), b.company) == []
    # bills over orders post as before under the old copy
    o = po(b, ("A", "1", "100.00"))
    purchasing.create_receipt(b.uow(), b.company, order_id=o["id"], day=D("2025-03-02"), warehouse="W1")
    assert (
        purchasing.create_bill(b.uow(), b.company, supplier="S1", day=D("2025-03-06"), orders=[o["id"]])[
            "status"
        ]
        == "posted"
    )
    # the fix: a new version with the default vendor_bill.posted rules, effective from April
    content = _old_rules()
    content["events"]["vendor_bill.posted"] = posting.default_rules()["events"]["vendor_bill.posted"]
    preview = dryrun.dry_run(b.uow(), b.company, content, period_from="2025-03")
    assert preview["changed"] == 0 and preview["failed"] == 0 and preview["documents"] >= 2
    posting.save_rule_set(b.uow(), b.company, content, effective_from=D("2025-04-01"), note="expense lines")
    with pytest.raises(domain.RulesLackExpenseLines):
        purchasing.create_bill(b.uow(), b.company, supplier="S2", day=D("2025-03-31"), lines=[RENT])
    bill = purchasing.create_bill(b.uow(), b.company, supplier="S2", day=D("2025-04-01"), lines=[RENT])
    assert _lines(bill)[0] == ("660208", "10000.00", "", "ADM")
    assert run_checks(b.uow(), b.company) == []


def test_dry_run_of_the_default_rules_over_direct_bills_changes_nothing(db: Database, admin: Actor) -> None:
    b = _books(db, admin)
    purchasing.create_bill(b.uow(), b.company, supplier="S2", day=D("2025-03-05"), lines=[RENT, OFFICE])
    got = dryrun.dry_run(b.uow(), b.company, posting.default_rules(), period_from="2025-03")
    assert (got["documents"], got["changed"], got["failed"]) == (1, 0, 0)


def test_the_default_rules_still_prove_balance_when_saved(db: Database, admin: Actor) -> None:
    b = _books(db, admin)
    assert posting.check_rule_set(b.uow(), b.company, posting.default_rules()) == []
    broken = posting.default_rules()
    for r in broken["events"]["vendor_bill.posted"]["lines"]:
        if r["id"] == "price_difference_cost":
            r["amount"] = "net - accrued - to_stock"  # would book a line's net twice
    errors = posting.check_rule_set(b.uow(), b.company, broken)
    assert [e.code for e in errors] == ["posting.unbalanced"]


def test_cli_bill_with_expense_lines(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    b = _books(db, admin)
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        r = runner.invoke(app, ["--user", "admin", *args])
        return r.exit_code, r.output

    bill = ["purchase", "bill", "create", "-c", b.company, "--supplier", "S2", "--date", "2025-03-05"]
    code, out = cli(*bill, "--expense", "category=茶水费,department=ADM,net=100,tax_code=IN13")
    assert code == 2 and "expenses.invalid_category" in out
    code, out = cli(*bill, "--expense", "department=ADM,net=100")
    assert code == 2 and "--expense needs category=" in out
    code, out = cli(*bill, "--expense", "category=办公费,dept=ADM")
    assert code == 2 and "KEY=VALUE" in out
    code, out = cli(
        *bill,
        "--expense",
        "category=租赁费,department=ADM,net=10000,tax_code=IN9,description=3月房租",
        "--expense",
        "category=办公费，department=SAL，total=1130，tax_code=IN13",  # full-width commas too
        "--invoice-no",
        "25312000000001",
        "--draft",
    )
    assert code == 0 and "VB-2025-0001 draft" in out
    code, out = cli("purchase", "bill", "preview", "-c", b.company, "VB-2025-0001")
    preview = json.loads(out)
    assert preview["errors"] == []
    assert [(ln["rule"], ln["account_code"]) for ln in preview["lines"]] == [
        ("expense", "660208"),
        ("expense", "660107"),
        ("input_vat", "22210101"),
        ("input_vat", "22210101"),
        ("payable", "2202"),
    ]
    code, out = cli(
        "purchase",
        "bill",
        "update",
        "-c",
        b.company,
        "VB-2025-0001",
        "--expense",
        "category=租赁费,department=ADM,net=10000,tax_code=IN9,description=3月房租",
        "--expense",
        "category=办公费,department=NOPE,total=1130,tax_code=IN13",
    )
    assert code == 2 and "not_found" in out
    code, out = cli(
        "purchase",
        "bill",
        "update",
        "-c",
        b.company,
        "VB-2025-0001",
        "--expense",
        "category=租赁费,department=ADM,net=10000,tax_code=IN9,description=3月房租",
        "--expense",
        "category=办公费,department=SAL,total=1130,tax_code=IN13",
        "--date",
        "2025-03-06",
    )
    assert code == 0 and "VB-2025-0001 draft" in out
    code, out = cli("purchase", "bill", "post", "-c", b.company, "VB-2025-0001")
    assert code == 0 and "VB-2025-0001 posted" in out
    shown = json.loads(cli("purchase", "bill", "show", "-c", b.company, "VB-2025-0001")[1])
    assert shown["total"] == "12030.00" and shown["lines"][0]["description"] == "3月房租"
    assert shown["date"] == "2025-03-06"
    code, out = cli("check", "-c", b.company)
    assert code == 0, out


def test_api_bill_with_expense_lines(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from yecai.api import app as api_app
    from yecai.api.app import create_app
    from yecai.security import service as security

    monkeypatch.setattr(api_app, "ROUTERS", ("yecai.ledger.api", "yecai.posting.api", "yecai.purchasing.api"))
    token, _user = security.login(db, "admin", "admin-password", kind="api", source="test")
    client = TestClient(create_app(db))
    client.headers["Authorization"] = f"Bearer {token}"
    b = _books(db, admin)
    base = f"/api/companies/{b.company}/purchasing"
    body: dict[str, Any] = {"supplier": "S2", "date": "2025-03-05"}
    r = client.post(f"{base}/bills", json={**body, "lines": [{**RENT, "net": "-5"}]})
    assert r.status_code == 422 and "net" in json.dumps(r.json())
    r = client.post(f"{base}/bills", json={**body, "lines": [{**RENT, "colour": "red"}]})
    assert r.status_code == 422 and "colour" in json.dumps(r.json())
    r = client.post(f"{base}/bills", json={**body, "lines": [{"department": "ADM", "net": "5"}]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "purchasing.bill_line_without_kind"
    assert r.json()["error"]["field"] == "lines[1].category"
    r = client.post(f"{base}/bills", json={**body, "lines": [{**RENT, "department": "NOPE"}]})
    assert r.status_code == 404 and r.json()["error"]["field"] == "lines[1].department"
    r = client.post(f"{base}/bills", json={**body, "invoice_no": "0001", "lines": [RENT], "post": False})
    assert r.status_code == 201, r.json()
    r = client.put(f"{base}/bills/{r.json()['id']}", json={"lines": []})
    assert r.status_code == 422
    r = client.put(f"{base}/bills/{r.url.path.rsplit('/', 1)[1]}", json={"lines": [RENT, OFFICE]})
    assert r.status_code == 200 and r.json()["total"] == "12030.00"
    r = client.post(f"{base}/bills/{r.json()['id']}/post")
    assert r.status_code == 200
    bill = r.json()
    r = client.put(f"{base}/bills/{bill['id']}", json={"lines": [RENT]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "document.wrong_state"
    assert [ln["account_code"] for ln in bill["vouchers"][0]["lines"]] == [
        "660208",
        "660107",
        "22210101",
        "22210101",
        "2202",
    ]
    r = client.post(
        f"{base}/payments",
        json={"supplier": "S2", "date": "2025-03-06", "amount": "12030", "bill_id": bill["id"]},
    )
    assert r.status_code == 201
    assert client.get(f"{base}/bills/{bill['id']}").json()["open"] == "0.00"


def test_a_draft_is_corrected_before_it_posts_and_a_posted_bill_is_not(db: Database, admin: Actor) -> None:
    b = _books(db, admin)
    guessed = {"category": "其他", "department": "ADM", "net": "1000", "tax": "60", "tax_code": "IN6"}
    draft = purchasing.create_bill(
        b.uow(), b.company, supplier="S2", day=D("2025-03-05"), lines=[guessed], invoice_no="X1", post=False
    )
    o = po(b, ("A", "2", "100.00"), supplier="S2")
    purchasing.create_receipt(b.uow(), b.company, order_id=o["id"], day=D("2025-03-02"), warehouse="W1")
    # a refused correction changes nothing
    with pytest.raises(NotFound):
        purchasing.update_bill(b.uow(), b.company, draft["id"], lines=[{**guessed, "department": "NOPE"}])
    assert purchasing.get_bill(b.uow(), b.company, draft["id"])["lines"][0]["category"] == "其他"
    with pytest.raises(FieldRequired):
        purchasing.update_bill(b.uow(), b.company, draft["id"], lines=[])
    fixed = purchasing.update_bill(
        b.uow(),
        b.company,
        draft["id"],
        lines=[
            {**guessed, "category": "中介服务费", "department": "SAL"},
            {"order_id": o["id"], "line_no": 1, "qty": "2"},
        ],
        day=D("2025-03-06"),
    )
    assert (fixed["no"], fixed["date"], fixed["invoice_no"], fixed["total"]) == (
        draft["no"],
        "2025-03-06",
        "X1",
        "1286.00",
    )
    assert [(ln["line_no"], ln["kind"], ln["category"], ln["department"]) for ln in fixed["lines"]] == [
        (1, "expense", "中介服务费", "SAL"),
        (2, "order", "", ""),
    ]
    posted = purchasing.post_bill(b.uow(), b.company, draft["id"])
    assert _lines(posted) == [
        ("2202", "200.00", "", "S2"),
        ("660199", "1000.00", "", "SAL"),  # 中介服务费 of a sales department: 660199
        ("22210101", "60.00", "", ""),
        ("22210101", "26.00", "", ""),
        ("2202", "", "1286.00", "S2"),
    ]
    with pytest.raises(DocumentWrongState):
        purchasing.update_bill(b.uow(), b.company, draft["id"], lines=[guessed])
    assert run_checks(b.uow(), b.company) == []


def test_a_rent_bill_is_paid_from_the_bank_statement_by_payment_matching(db: Database, admin: Actor) -> None:
    from tests.payables.books import Bank
    from yecai.payables import service as ap

    b = _books(db, admin)
    rent = purchasing.create_bill(
        b.uow(), b.company, supplier="S1", day=D("2025-03-05"), lines=[RENT], invoice_no="04400001"
    )
    Bank(b).statement(
        ("2025-04-01", "10900.00", "江南制造有限公司", "6222 1000 0000 0001", "付发票04400001房租")
    )
    counts = ap.run(b.uow(), b.company)
    assert counts["auto_applied"] == 1, counts
    assert purchasing.get_bill(b.uow(), b.company, rent["id"])["open"] == "0.00"
    assert run_checks(b.uow(), b.company) == []
