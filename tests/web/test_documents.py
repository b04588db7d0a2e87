"""Document and master-data screens through FastAPI's TestClient, in WEBDOCS (a year of documents
made through the services): create through the forms, see it listed, act on it, see its
vouchers; refusals next to their field or line; lists filter and paginate; roles."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from yecai.core.i18n import gettext
from yecai.ledger import service as ledger
from yecai.sales import service as sales
from yecai.security import service as security
from yecai.store.db import Database
from yecai.store.uow import UnitOfWork

from .conftest import DOCS
from .docs_fixture import DocsCompany

pytestmark = pytest.mark.xdist_group("web")
Login = Callable[[str], TestClient]
DAY = "2025-12-18"


def admin_uow(db: Database) -> UnitOfWork:
    return UnitOfWork(db, security.actor_for(db, "admin", source="test"))


def redirect_id(r: object, path: str) -> int:
    assert r.status_code == 303, r.text[:3000]  # type: ignore[attr-defined]
    m = re.match(rf"^{path}/(\d+)", r.headers["location"])  # type: ignore[attr-defined]
    assert m, r.headers["location"]  # type: ignore[attr-defined]
    return int(m.group(1))


def order_form(
    party_field: str, party: str, lines: list[tuple[str, str, str]], **head: str
) -> dict[str, object]:
    data: dict[str, object] = {party_field: party, "date": DAY, "note": "", "prices_include_tax": "1"}
    data.update(head)
    data["item"] = [ln[0] for ln in lines] + [""]
    data["qty"] = [ln[1] for ln in lines] + [""]
    data["unit_price"] = [ln[2] for ln in lines] + [""]
    data["tax_code"] = ["" for _ in lines] + [""]
    return data


def voucher_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'href="/vouchers/(\d+)" data-voucher', html)]


# --- the sales flow through the forms ------------------------------------------------------------


def test_sales_flow_order_delivery_invoice_receipt(docs_login: Login, web_db: Database) -> None:
    client = docs_login("accountant")
    form = client.get("/sales/orders/new")
    assert (
        form.status_code == 200 and "data-doc-form" in form.text and "/static/yecai/docform.js" in form.text
    )
    assert "OUT13" in form.text and "IN13" not in form.text  # output tax codes only
    r = client.post(
        "/sales/orders/new",
        data=order_form("customer", "C02", [("A100", "3", "339.00"), ("A300", "10", "9.60")]),
        follow_redirects=False,
    )
    so = redirect_id(r, "/sales/orders")
    page = client.get(f"/sales/orders/{so}?done=created").text
    assert 'data-status="open"' in page and "¥1,113.00" in page  # 3 × 339 + 10 × 9.60
    assert "C02 西南百货集团" in page and "电机" in page
    no = re.search(r"(SO-2025-\d+)", page).group(1)  # type: ignore[union-attr]
    listed = client.get(f"/sales/orders?text={no}").text
    assert f'data-doc="{so}"' in listed and "1,113.00" in listed

    # deliver two of three motors (a draft), preview its voucher, confirm it
    r = client.post(
        f"/sales/orders/{so}/deliver",
        data={"date": DAY, "warehouse": "W1", "qty": ["2", "10"]},
        follow_redirects=False,
    )
    dn = redirect_id(r, "/sales/deliveries")
    page = client.get(f"/sales/deliveries/{dn}").text
    assert 'data-status="draft"' in page and 'id="action-confirm"' in page and "/preview" in page
    preview = client.get(f"/sales/deliveries/{dn}/preview", headers={"hx-request": "true"}).text
    assert "<html" not in preview and "6401" in preview and "1405" in preview
    r = client.post(f"/sales/deliveries/{dn}/confirm", follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/sales/deliveries/{dn}").text
    assert 'data-status="confirmed"' in page and len(voucher_ids(page)) == 1

    # invoice what is delivered (a draft), post it
    r = client.post(f"/sales/orders/{so}/invoice", data={"date": DAY}, follow_redirects=False)
    inv = redirect_id(r, "/sales/invoices")
    page = client.get(f"/sales/invoices/{inv}").text
    assert 'data-status="draft"' in page and "¥774.00" in page  # 2 × 339 + 10 × 9.60
    preview = client.get(f"/sales/invoices/{inv}/preview").text
    assert "1122" in preview and "6001" in preview and "22210102" in preview
    assert client.post(f"/sales/invoices/{inv}/post", follow_redirects=False).status_code == 303
    page = client.get(f"/sales/invoices/{inv}").text
    assert 'data-status="posted"' in page and 'id="panel-collect"' in page
    invoice_voucher = voucher_ids(page)[0]

    # receive the payment against the invoice
    r = client.post(
        f"/sales/invoices/{inv}/collect",
        data={"date": DAY, "amount": "774.00", "method": "bank"},
        follow_redirects=False,
    )
    sr = redirect_id(r, "/sales/receipts")
    page = client.get(f"/sales/receipts/{sr}?done=created").text
    assert "¥774.00" in page and len(voucher_ids(page)) == 1
    assert 'id="panel-collect"' not in client.get(f"/sales/invoices/{inv}").text  # nothing open

    # the voucher links back to its document
    v = client.get(f"/vouchers/{invoice_voucher}").text
    assert f'href="/sales/invoices/{inv}" data-source-doc' in v


def test_order_form_refusals_sit_on_their_line_and_keep_the_input(docs_login: Login) -> None:
    client = docs_login("accountant")
    r = client.post(
        "/sales/orders/new", data=order_form("customer", "C01", [("A100", "1", "10"), ("NOPE", "2", "5")])
    )
    assert r.status_code == 404
    assert 'value="NOPE"' in r.text and 'value="A100"' in r.text and 'value="C01"' in r.text
    second = r.text.split('<tr class="line">')[2]
    assert 'class="field-error"' in second and "NOPE" in second
    r = client.post("/sales/orders/new", data=order_form("customer", "C01", [("A100", "1", "abc")]))
    assert r.status_code == 422 and 'value="abc"' in r.text
    assert 'class="field-error"' in r.text.split('<tr class="line">')[1]
    r = client.post("/sales/orders/new", data=order_form("customer", "NOBODY", [("A100", "1", "10")]))
    assert r.status_code == 404 and 'value="NOBODY"' in r.text
    head = r.text.split('id="lines"')[0]
    assert head.count('class="field-error"') == 1 and 'class="field has-error"' in head
    r = client.post("/sales/orders/new", data=order_form("customer", "C01", [("A100", "0", "10")]))
    assert r.status_code == 422 and 'value="0"' in r.text


def test_purchase_flow_three_way_match_errors_next_to_the_line(docs_login: Login) -> None:
    client = docs_login("accountant")
    r = client.post(
        "/purchasing/orders/new",
        data=order_form("supplier", "S03", [("A600", "10", "27.00")], prices_include_tax=""),
        follow_redirects=False,
    )
    po = redirect_id(r, "/purchasing/orders")
    r = client.post(
        f"/purchasing/orders/{po}/receive",
        data={"date": DAY, "warehouse": "W1", "qty": ["10"]},
        follow_redirects=False,
    )
    gr = redirect_id(r, "/purchasing/receipts")
    preview = client.get(f"/purchasing/receipts/{gr}/preview").text
    assert "1405" in preview and "2202" in preview  # stock in against the estimated payable (暂估)
    assert client.post(f"/purchasing/receipts/{gr}/post", follow_redirects=False).status_code == 303
    page = client.get(f"/purchasing/orders/{po}").text
    assert 'id="panel-bill"' in page

    # a bill price 10% over the order's: refused, the mismatch next to line 1, the input kept
    r = client.post(
        f"/purchasing/orders/{po}/bill",
        data={"date": DAY, "invoice_no": "88001234", "qty": ["10"], "price": ["29.70"]},
    )
    assert r.status_code == 409 and 'id="panel-bill"' in r.text
    assert 'data-line-error="1"' in r.text and "price" in r.text
    assert 'value="29.70"' in r.text and 'value="88001234"' in r.text

    r = client.post(
        f"/purchasing/orders/{po}/bill",
        data={"date": DAY, "invoice_no": "88001234", "qty": ["10"], "price": ["27.00"]},
        follow_redirects=False,
    )
    bill = redirect_id(r, "/purchasing/bills")
    assert "2202" in client.get(f"/purchasing/bills/{bill}/preview").text
    assert client.post(f"/purchasing/bills/{bill}/post", follow_redirects=False).status_code == 303
    page = client.get(f"/purchasing/bills/{bill}").text
    assert 'data-status="posted"' in page and "¥305.10" in page and 'id="panel-pay"' in page
    r = client.post(f"/purchasing/bills/{bill}/pay", data={"date": DAY, "amount": "400", "method": "bank"})
    assert r.status_code == 409 and 'value="400"' in r.text  # more than is open
    assert 'class="field has-error"' in r.text.split('id="panel-pay"')[1]
    r = client.post(
        f"/purchasing/bills/{bill}/pay",
        data={"date": DAY, "amount": "305.10", "method": "bank"},
        follow_redirects=False,
    )
    pp = redirect_id(r, "/purchasing/payments")
    assert len(voucher_ids(client.get(f"/purchasing/payments/{pp}").text)) == 1


def test_stock_receipt_transfer_and_on_hand(docs_login: Login) -> None:
    client = docs_login("accountant")
    r = client.post(
        "/inventory/receipts/new",
        data={
            "supplier": "S04",
            "warehouse": "W2",
            "date": DAY,
            "note": "",
            "item": ["A500", ""],
            "qty": ["100", ""],
            "cost": ["720", ""],
        },
        follow_redirects=False,
    )
    rk = redirect_id(r, "/inventory/receipts")
    assert 'id="action-post"' in client.get(f"/inventory/receipts/{rk}").text
    assert client.post(f"/inventory/receipts/{rk}/post", follow_redirects=False).status_code == 303
    assert len(voucher_ids(client.get(f"/inventory/receipts/{rk}").text)) == 1
    r = client.post(
        "/inventory/transfers/new",
        data={
            "from_warehouse": "W1",
            "to_warehouse": "W1",
            "date": DAY,
            "note": "",
            "item": ["A500"],
            "qty": ["1"],
        },
    )
    assert r.status_code >= 400 and 'class="field has-error"' in r.text  # the same warehouse twice
    r = client.post(
        "/inventory/transfers/new",
        data={
            "from_warehouse": "W2",
            "to_warehouse": "W1",
            "date": DAY,
            "note": "",
            "item": ["A500"],
            "qty": ["30"],
        },
        follow_redirects=False,
    )
    redirect_id(r, "/inventory/transfers")
    on_hand = client.get("/inventory/on-hand?item=A500&warehouse=W2").text
    assert ">70<" in on_hand and "504.00" in on_hand  # 100 at 7.20 in, 30 out


def test_receipt_form_against_an_invoice_by_number(
    docs_login: Login, web_db: Database, docs_company: DocsCompany
) -> None:
    client = docs_login("accountant")
    inv = next(
        i
        for i in (sales.get_invoice(admin_uow(web_db), DOCS, x) for x in docs_company.ids["sales_invoice"])
        if i["status"] == "posted" and i["open"] != "0.00"
    )
    r = client.post(
        "/sales/receipts/new",
        data={
            "customer": inv["customer"],
            "date": DAY,
            "amount": "1",
            "method": "cash",
            "invoice": "SI-2025-9999",
        },
    )
    assert r.status_code == 404 and 'value="SI-2025-9999"' in r.text
    assert 'class="field-error"' in r.text.split('for="f-invoice"')[1][:600]
    r = client.post(
        "/sales/receipts/new",
        data={
            "customer": inv["customer"],
            "date": DAY,
            "amount": "1.00",
            "method": "cash",
            "invoice": inv["no"],
        },
        follow_redirects=False,
    )
    sr = redirect_id(r, "/sales/receipts")
    assert f'href="/docs/sales_invoice/no/{inv["no"]}"' in client.get(f"/sales/receipts/{sr}").text
    r = client.get(f"/docs/sales_invoice/no/{inv['no']}", follow_redirects=False)
    assert r.headers["location"] == f"/sales/invoices/{inv['id']}"


# --- lists ---------------------------------------------------------------------------------------


def test_lists_filter_by_status_period_party_text_and_paginate(
    docs_login: Login, docs_company: DocsCompany
) -> None:
    client = docs_login("auditor")
    all_orders = client.get("/sales/orders").text
    n = len(docs_company.ids["sales_order"])
    shown = re.search(r'<p class="muted">(\d+) ', all_orders.split('<div id="doc-results">')[1])
    assert shown is not None and int(shown.group(1)) >= n > 50  # other tests add a few
    assert all_orders.count('data-doc="') == 50  # one page
    page2 = client.get("/sales/orders?page=2").text
    assert 'rel="prev"' in page2
    march = client.get("/sales/orders?period=2025-03").text
    assert "2025-03-" in march and "2025-07-" not in march
    c02 = client.get("/sales/invoices?party=C02").text
    assert "C02" in c02 and "C03" not in c02.split('id="doc-list"')[1]
    drafts = client.get("/sales/deliveries?status=draft").text
    assert 'class="status draft"' in drafts and 'class="status confirmed"' not in drafts
    text = client.get("/sales/orders?text=西南").text
    assert "C02" in text and "C01 " not in text.split('id="doc-list"')[1]
    partial = client.get("/sales/orders?status=open", headers={"hx-request": "true"}).text
    assert "<html" not in partial and 'id="doc-results"' in partial
    unpaid = client.get("/purchasing/bills?todo=unpaid").text
    assert 'class="status posted"' in unpaid


def test_dashboard_counts_documents_waiting(docs_login: Login) -> None:
    home = docs_login("accountant").get("/").text
    for key in (
        "sales_order.undelivered",
        "sales_delivery.to_confirm",
        "purchase_order.unbilled",
        "vendor_bill.unpaid",
    ):
        assert f'data-waiting="{key}"' in home, key
    link = re.search(r'href="(/sales/deliveries\?todo=to_confirm)"', home)
    assert link is not None
    listed = docs_login("accountant").get(link.group(1)).text
    assert 'class="status draft"' in listed and 'class="status confirmed"' not in listed
    cashier = docs_login("cashier").get("/").text
    assert (
        'data-waiting="vendor_bill.unpaid"' in cashier
        and 'data-waiting="sales_delivery.to_confirm"' not in cashier
    )


# --- roles ---------------------------------------------------------------------------------------


def test_cashier_sees_invoices_bills_receipts_and_payments_only(
    docs_login: Login, docs_company: DocsCompany
) -> None:
    client = docs_login("cashier")
    home = client.get("/").text
    assert 'href="/sales/invoices" class="" data-nav="sales"' in home
    assert 'href="/purchasing/bills" class="" data-nav="purchasing"' in home
    assert client.get("/purchasing/payments").status_code == 200
    receipts = client.get("/sales/receipts")
    assert receipts.status_code == 200 and 'data-tab="sales_order"' not in receipts.text
    assert 'id="new-doc"' not in receipts.text  # the services let only voucher makers write
    assert client.get("/sales/orders").status_code == 403
    assert client.get(f"/sales/orders/{docs_company.ids['sales_order'][0]}").status_code == 403
    assert client.get("/masterdata/customers").status_code == 403


def test_auditor_reads_everything_and_changes_nothing(docs_login: Login, docs_company: DocsCompany) -> None:
    client = docs_login("auditor")
    draft_dn = docs_company.ids["sales_delivery"][-1]
    page = client.get(f"/sales/deliveries/{draft_dn}").text
    assert 'data-status="draft"' in page and 'id="action-confirm"' not in page
    assert 'id="history"' in page and gettext("Created", "zh_CN") in page  # the audit log
    assert client.post(f"/sales/deliveries/{draft_dn}/confirm").status_code == 403
    assert 'id="new-doc"' not in client.get("/sales/orders").text
    assert 'id="md-form"' not in client.get("/masterdata/customers").text
    assert client.get("/sales/orders/new").status_code == 403
    # the accountant acts but does not read the audit log: the page says so
    acc = docs_login("accountant").get(f"/sales/deliveries/{draft_dn}").text
    assert (
        'id="action-confirm"' in acc and gettext("Your role does not include the audit log.", "zh_CN") in acc
    )


# --- master data ---------------------------------------------------------------------------------


def test_customer_tax_id_error_next_to_the_field_then_create_and_edit(docs_login: Login) -> None:
    client = docs_login("accountant")
    data = {
        "code": "C90",
        "name": "新客户",
        "tax_id": "91110000600037341X",
        "bank_name": "",
        "bank_account": "",
        "group": "直销",
        "credit_days": "30",
        "credit_limit": "5000",
    }
    r = client.post("/masterdata/customers", data=data)
    assert r.status_code == 422
    field = r.text.split('for="md-tax_id"')[1][:700]
    assert 'class="field-error"' in field and 'value="91110000600037341X"' in field
    assert 'value="新客户"' in r.text and 'value="直销"' in r.text
    data["tax_id"] = "91110000600037341L"
    assert client.post("/masterdata/customers", data=data, follow_redirects=False).status_code == 303
    listed = client.get("/masterdata/customers?q=C9").text
    assert "C90" in listed and "新客户" in listed
    r = client.post(
        "/masterdata/customers/C90", data={**data, "name": "新客户（改）", "credit_days": "x", "enabled": "1"}
    )
    assert r.status_code == 422 and 'value="x"' in r.text
    r = client.post(
        "/masterdata/customers/C90",
        data={**data, "name": "新客户（改）", "enabled": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "新客户（改）" in client.get("/masterdata/customers/C90").text
    r = client.post("/masterdata/customers", data=data)
    assert r.status_code == 409 and 'class="field-error"' in r.text.split('for="md-code"')[1][:600]


def test_items_and_warehouses_and_item_autocomplete(docs_login: Login) -> None:
    client = docs_login("accountant")
    r = client.post(
        "/masterdata/items",
        data={
            "code": "B100",
            "name": "电源适配器",
            "spec": "12V",
            "unit": "个",
            "category": "产成品",
            "tax_rate": "0.13",
            "kind": "stock",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "电源适配器" in client.get("/masterdata/items?q=B1").text
    items = client.get("/ui/items?q=dysp").json()  # 电源适配器 by pinyin initials
    assert [i["code"] for i in items] == ["B100"]
    assert client.get("/ui/items?q=SV&stock=1").json() == []  # services are not stock
    r = client.post("/masterdata/warehouses", data={"code": "W 9", "name": "坏编码"})
    assert r.status_code == 422 and 'class="field-error"' in r.text.split('for="md-code"')[1][:600]
    assert (
        client.post(
            "/masterdata/warehouses", data={"code": "W9", "name": "备件库"}, follow_redirects=False
        ).status_code
        == 303
    )
    assert "备件库" in client.get("/masterdata/warehouses").text


# --- drill-down ------------------------------------------------------------------------------------


def test_balance_sheet_to_subledger_to_voucher_to_document(docs_login: Login, web_db: Database) -> None:
    client = docs_login("auditor")
    bs = client.get("/books/balance-sheet?period=2025-12").text
    link = re.search(r'<a href="([^"]+)" data-drill="accounts_receivable"', bs)
    assert link is not None
    sub = client.get("/books/subledger?account=1122&from=2025-01&to=2025-12").text
    vid = re.search(r'href="/vouchers/(\d+)" data-voucher', sub).group(1)  # type: ignore[union-attr]
    v = client.get(f"/vouchers/{vid}").text
    source = re.search(r'<a href="(/sales/\w+/\d+)" data-source-doc', v)
    assert source is not None
    doc = client.get(source.group(1)).text
    assert f'href="/vouchers/{vid}" data-voucher' in doc
    view = ledger.get_voucher(admin_uow(web_db), DOCS, int(vid))
    assert view.source_ref in doc


def test_customers_and_items_import_from_csv_with_refusals_by_row(docs_login: Login) -> None:
    client = docs_login("accountant")
    assert 'action="/masterdata/customers/import"' in client.get("/masterdata/customers").text
    bad = "code,name,tax_id\nC70,导入客户甲,\nC71,导入客户乙,123\n".encode()
    r = client.post(
        "/masterdata/customers/import",
        files={"file": ("customers.csv", bad, "text/csv")},
        data={"all_or_nothing": "1"},
    )
    assert r.status_code == 422 and 'id="import-errors"' in r.text and "tax_id" in r.text
    assert "C70" not in client.get("/masterdata/customers?q=C7").text.split('id="md-list"')[1]
    good = "code,name,tax_id\nC70,导入客户甲,\nC71,导入客户乙,91110000600037341L\n".encode("gbk")
    r = client.post(
        "/masterdata/customers/import",
        files={"file": ("customers.csv", good, "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("imported=2")
    assert "导入客户乙" in client.get("/masterdata/customers?q=C7").text
    items = "code,name,unit,tax_rate\nB200,导入物料,个,13%\n".encode()
    r = client.post(
        "/masterdata/items/import", files={"file": ("items.csv", items, "text/csv")}, follow_redirects=False
    )
    assert r.status_code == 303
    assert "导入物料" in client.get("/masterdata/items?q=B2").text
