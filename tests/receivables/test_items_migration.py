"""Migration 0002_aritems carries existing settlements over: a database holding receipts entered
against invoices and credit notes (written as revision 0001 left them) gets the applications that
give the same open amounts, and a credit note larger than what its invoice had open keeps the rest
open as the customer's credit."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from yecai.receivables import items
from yecai.store.db import get_database, upgrade

NOW = "2025-03-01 08:00:00.000000"


def test_existing_receipts_and_credit_notes_become_applications(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, revision="0001")
    db = get_database(url)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO company (id, code, name, base_currency, template, start_period, chain_seq, "
                "chain_head, settings_json, created_at) VALUES (1, 'OLD', '旧账套', 'CNY', 'cas', 202501, 0, '', "
                "'{}', :now)"
            ),
            {"now": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO md_customer (id, company_id, code, name, tax_id, bank_name, bank_account, "
                "party_group, credit_days, credit_limit_minor, enabled, created_at) "
                "VALUES (1, 1, 'C1', '老客户', '', '', '', '', 0, 0, 1, :now)"
            ),
            {"now": NOW},
        )
        for iid, no, total, received in ((1, "SI-1", 11300, 5000), (2, "SI-2", 20000, 20000)):
            conn.execute(
                text(
                    "INSERT INTO sales_invoice (id, company_id, no, date, customer_id, status, net_minor, "
                    "tax_minor, total_minor, received_minor, created_at) "
                    "VALUES (:id, 1, :no, '2025-03-01', 1, 'posted', :total, 0, :total, :received, :now)"
                ),
                {"id": iid, "no": no, "total": total, "received": received, "now": NOW},
            )
        for rid, no, inv, amount in ((1, "SR-1", 1, 5000), (2, "SR-2", 2, 20000), (3, "SR-3", None, 7000)):
            conn.execute(
                text(
                    "INSERT INTO sales_receipt (id, company_id, no, date, customer_id, invoice_id, method, "
                    "amount_minor, status, created_at) "
                    "VALUES (:id, 1, :no, '2025-03-05', 1, :inv, 'bank', :amount, 'posted', :now)"
                ),
                {"id": rid, "no": no, "inv": inv, "amount": amount, "now": NOW},
            )
        for cid, no, inv, total in ((1, "CN-1", 1, 10000), (2, "CN-2", 2, 1000)):
            conn.execute(
                text(
                    "INSERT INTO sales_credit_note (id, company_id, no, date, invoice_id, customer_id, status, "
                    "net_minor, tax_minor, total_minor, reason, created_at) "
                    "VALUES (:id, 1, :no, '2025-03-10', :inv, 1, 'posted', :total, 0, :total, '', :now)"
                ),
                {"id": cid, "no": no, "inv": inv, "total": total, "now": NOW},
            )
    upgrade(url)
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT kind, source_type, source_id, invoice_id, amount_minor, date, origin "
                "FROM ar_application ORDER BY id"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("apply", "sales_receipt", 1, 1, 5000, "2025-03-05", "receipt"),
        ("apply", "sales_receipt", 2, 2, 20000, "2025-03-05", "receipt"),
        ("apply", "sales_credit_note", 1, 1, 6300, "2025-03-10", "credit_note"),
    ]
    with db.session() as s:
        open_by_no = {it.doc_no: it.open_minor for it in items.load_items(s, 1)[0]}
    assert open_by_no == {
        "SI-1": 0,
        "SI-2": 0,
        "SR-1": 0,
        "SR-2": 0,
        "SR-3": -7000,
        "CN-1": -3700,
        "CN-2": -1000,
    }
    db.dispose()
