"""Posting rules: pure evaluation, refusals when saved, versions by effective date, preview."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal

import pytest

from tests.conftest import make_company
from tests.sales.books import setup_books
from yecai.core.errors import ValidationFailed, YecaiError
from yecai.ledger.domain import AccountInfo
from yecai.posting import domain
from yecai.posting import service as posting
from yecai.sales import service as sales
from yecai.store.db import Database
from yecai.store.uow import Actor, UnitOfWork

D = date.fromisoformat


def rules() -> dict:
    return copy.deepcopy(posting.default_rules())


def invoice_rules(content: dict) -> list[dict]:
    return content["events"]["sales_invoice.posted"]["lines"]


# --- pure ----------------------------------------------------------------------------------------


def test_amount_expressions_are_restricted() -> None:
    tree = domain.parse_amount("(net + tax) * 2 - total / 4")
    assert domain.eval_amount(tree, {"net": 100, "tax": 13, "total": 113}) == Decimal("197.75")
    assert domain.amount_names(tree) == {"net", "tax", "total"}
    for bad in (
        "__import__('os').system('true')",
        "net +",
        "net ** 2",
        "abs(net)",
        "net if tax else 0",
        "'x'",
    ):
        with pytest.raises(domain._BadExpression):
            domain.parse_amount(bad)


def test_evaluate_chooses_accounts_by_condition_and_explains_each_line() -> None:
    parsed, errors = domain.parse_rule_set(posting.default_rules())
    assert errors == []
    snap = {
        "doc": {"no": "SI-1", "date": "2025-03-10", "type": "sales_invoice"},
        "customer": {"code": "C1", "name": "华东商贸"},
        "amounts": {"net": 30000, "tax": 3900, "total": 33900},
        "lines": [
            {
                "item": {"category": "产成品"},
                "line": {"no": 1},
                "tax": {"account": "22210102"},
                "amounts": {"net": 20000, "tax": 2600, "total": 22600},
            },
            {
                "item": {"category": "原材料"},
                "line": {"no": 2},
                "tax": {"account": "22210102"},
                "amounts": {"net": 10000, "tax": 1300, "total": 11300},
            },
        ],
    }
    res = domain.evaluate("sales_invoice.posted", snap, parsed)
    assert res.errors == () and res.draft is not None
    assert [(ln.account_code, str(ln.debit), str(ln.credit)) for ln in res.draft.lines] == [
        ("1122", "339.00", "0"),
        ("6001", "0", "200.00"),
        ("6051", "0", "100.00"),
        ("22210102", "0", "26.00"),
        ("22210102", "0", "13.00"),
    ]
    assert res.draft.lines[0].summary == "销售 华东商贸 SI-1" and res.draft.lines[0].dims == {
        "customer": "C1"
    }
    assert [(e.line_no, e.rule_id) for e in res.explanations] == [
        (1, "receivable"),
        (2, "revenue"),
        (3, "revenue"),
        (4, "output_vat"),
        (5, "output_vat"),
    ]
    assert res.explanations[2].account_choice == "item.category == '原材料'"


def _accounts(code: str) -> AccountInfo | None:
    leaves = {"1122": ("customer",), "6001": (), "22210102": ()}
    if code == "2221":
        return AccountInfo(1, code, "应交税费", False, True, (), False)
    if code in leaves:
        return AccountInfo(2, code, code, True, True, leaves[code], False)
    return None


BROKEN = [
    ("account", "9999", domain.RuleAccountUnknown),
    ("account", "2221", domain.RuleAccountNotLeaf),
    ("amount", "net +", domain.RuleExpressionInvalid),
    ("amount", "net + discount", domain.RuleNameUnknown),
    ("amount", "total", domain.RuleSetUnbalanced),
    ("summary", "销售 {customer.nickname}", domain.RuleNameUnknown),
    ("account", [{"when": "customer.group == '关联方'", "account": "6001"}], domain.RuleNoDefaultAccount),
    (
        "account",
        [{"when": "customer.group(", "account": "6001"}, {"account": "6001"}],
        domain.RuleExpressionInvalid,
    ),
]


@pytest.mark.parametrize(("key", "value", "error"), BROKEN, ids=[e.code for _k, _v, e in BROKEN])
def test_broken_rule_is_named(key: str, value: object, error: type[YecaiError]) -> None:
    content = {
        "events": {
            "sales_invoice.posted": copy.deepcopy(posting.default_rules()["events"]["sales_invoice.posted"])
        }
    }
    lines = invoice_rules(content)
    lines[1]["account"] = "6001"
    lines[1][key] = value
    errors = domain.validate_rule_set(content, _accounts, field_accounts={"tax.account": {"22210102"}})
    assert [type(e) for e in errors] == [error], [str(e) for e in errors]


def test_missing_dimension_is_named() -> None:
    content = {
        "events": {
            "sales_receipt.posted": copy.deepcopy(posting.default_rules()["events"]["sales_receipt.posted"])
        }
    }
    content["events"]["sales_receipt.posted"]["lines"][0]["account"] = "6001"
    del content["events"]["sales_receipt.posted"]["lines"][1]["dims"]
    errors = domain.validate_rule_set(content, _accounts)
    assert [e.code for e in errors] == ["posting.dimension_missing"]


# --- with the database ---------------------------------------------------------------------------


def test_default_rules_validate_against_the_cas_chart(db: Database, admin: Actor) -> None:
    company = make_company(db, admin)
    assert posting.check_rule_set(UnitOfWork(db, admin), company, posting.default_rules()) == []


def test_broken_rule_set_is_refused_when_saved_and_nothing_is_stored(db: Database, admin: Actor) -> None:
    company = make_company(db, admin)
    content = rules()
    invoice_rules(content)[1]["account"] = "2221"
    with pytest.raises(domain.RuleAccountNotLeaf) as exc:
        posting.save_rule_set(UnitOfWork(db, admin), company, content, effective_from=D("2025-01-01"))
    assert exc.value.field == "account" and "2221" in str(exc.value)
    invoice_rules(content)[1]["account"] = "9999"
    invoice_rules(content)[2]["amount"] = "tax * 2 +"
    with pytest.raises(ValidationFailed) as many:
        posting.save_rule_set(UnitOfWork(db, admin), company, content, effective_from=D("2025-01-01"))
    assert sorted(e.code for e in many.value.errors) == [
        "posting.account_unknown",
        "posting.expression_invalid",
    ]
    assert [r["version"] for r in posting.list_rule_sets(UnitOfWork(db, admin), company)] == [0]


def test_new_version_applies_from_its_date_and_never_changes_posted_vouchers(
    db: Database, admin: Actor
) -> None:
    b = setup_books(db, admin)
    o = sales.create_order(
        b.uow(),
        b.company,
        customer="C1",
        day=D("2025-03-03"),
        lines=[{"item": "A", "qty": "4", "unit_price": "113.00"}],
    )
    sales.create_delivery(b.uow(), b.company, order_id=o["id"], day=D("2025-03-04"), warehouse="W1")
    march = sales.create_invoice(
        b.uow(), b.company, customer="C1", day=D("2025-03-31"), lines=[(o["id"], 1, "2")]
    )

    content = rules()
    invoice_rules(content)[1]["account"] = "6051"  # from April: book this revenue as 其他业务收入
    saved = posting.save_rule_set(b.uow(), b.company, content, effective_from=D("2025-04-01"), note="April")
    assert saved["version"] == 1

    april = sales.create_invoice(
        b.uow(), b.company, customer="C1", day=D("2025-04-01"), lines=[(o["id"], 1, "2")]
    )
    march_again = sales.get_invoice(b.uow(), b.company, march["id"])
    assert march_again["vouchers"] == march["vouchers"]
    assert [ln["account_code"] for ln in march_again["vouchers"][0]["lines"]][1] == "6001"
    assert march_again["vouchers"][0]["rule_version"] == 0
    assert [ln["account_code"] for ln in april["vouchers"][0]["lines"]][1] == "6051"
    assert april["vouchers"][0]["rule_version"] == 1
    assert posting.get_rule_set(b.uow(), b.company, on=D("2025-03-31"))["version"] == 0
    assert posting.get_rule_set(b.uow(), b.company, on=D("2025-04-30"))["version"] == 1


def test_preview_shows_the_voucher_and_the_rule_of_each_line(db: Database, admin: Actor) -> None:
    b = setup_books(db, admin)
    o = sales.create_order(
        b.uow(),
        b.company,
        customer="C1",
        day=D("2025-03-03"),
        lines=[{"item": "A", "qty": "2", "unit_price": "113.00"}],
    )
    d = sales.create_delivery(
        b.uow(), b.company, order_id=o["id"], day=D("2025-03-04"), warehouse="W1", confirm=False
    )
    pd = sales.preview_delivery(b.uow(), b.company, d["id"])
    assert [(ln["rule"], ln["account_code"], ln["debit"], ln["credit"]) for ln in pd["lines"]] == [
        ("cogs", "6401", "230.00", ""),
        ("stock", "1405", "", "230.00"),
    ]
    assert sales.get_delivery(b.uow(), b.company, d["id"])["status"] == "draft"  # nothing written
    sales.confirm_delivery(b.uow(), b.company, d["id"])
    inv = sales.create_invoice(
        b.uow(), b.company, customer="C1", day=D("2025-03-05"), orders=[o["id"]], post=False
    )
    p = sales.preview_invoice(b.uow(), b.company, inv["id"])
    assert p["errors"] == [] and p["rule_version"] == 0
    assert [(ln["rule"], ln["account_code"], ln["debit"] or ln["credit"]) for ln in p["lines"]] == [
        ("receivable", "1122", "226.00"),
        ("revenue", "6001", "200.00"),
        ("output_vat", "22210102", "26.00"),
    ]
    assert json.dumps(p, ensure_ascii=False)  # plain data for the shells
    posted = sales.post_invoice(b.uow(), b.company, inv["id"])
    assert [ln["account_code"] for ln in posted["vouchers"][0]["lines"]] == ["1122", "6001", "22210102"]
