"""The document commands built by yecai.cli.documents (list, show, state change): the options each
package declared, the filters reaching its service, the outcome line, and refusals as exit code 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.purchasing.books import po, setup_books
from yecai.store.db import Database
from yecai.store.uow import Actor


def test_a_skeleton_command_keeps_its_options_and_name() -> None:
    from typer.main import get_command

    from yecai.cli.main import app
    from yecai.purchasing import cli as purchase_cli

    order_list = get_command(app).commands["purchase"].commands["order"].commands["list"]  # type: ignore[attr-defined]
    assert [(p.name, p.opts) for p in order_list.params] == [
        ("company", ["--company", "-c"]),
        ("status", ["--status"]),
        ("supplier", ["--supplier"]),
        ("date_from", ["--from"]),
        ("date_to", ["--to"]),
        ("fmt", ["--format", "-f"]),
    ]
    assert order_list.callback.__name__ == "order_list"
    names = [c.name for c in purchase_cli.order_app.registered_commands]
    assert names[:4] == ["create", "list", "show", "cancel"]  # declared in the package's order


def test_list_show_and_change(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from yecai.cli.main import app

    monkeypatch.setenv("YECAI_DATABASE_URL", db.url)
    monkeypatch.setenv("YECAI_LANG", "en")
    b = setup_books(db, admin)
    po(b, ("A", "10", "100"))
    po(b, ("A", "1", "100"), supplier="S2", day="2025-04-01")
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        r = runner.invoke(app, ["--user", "admin", *args])
        return r.exit_code, r.output

    listing = ["purchase", "order", "list", "-c", b.company, "--format", "json"]
    code, out = cli(*listing)
    assert code == 0 and [r["no"] for r in json.loads(out)] == ["PO-2025-0001", "PO-2025-0002"]
    assert list(json.loads(out)[0]) == ["id", "no", "date", "supplier", "status", "net", "tax", "total"]
    code, out = cli(*listing, "--supplier", "S2")
    assert code == 0 and [r["no"] for r in json.loads(out)] == ["PO-2025-0002"]
    code, out = cli(*listing, "--from", "2025-03-15", "--to", "2025-04-30", "--status", "open")
    assert code == 0 and [r["no"] for r in json.loads(out)] == ["PO-2025-0002"]
    code, out = cli(*listing, "--status", "cancelled")
    assert code == 0 and json.loads(out) == []

    code, out = cli("purchase", "order", "show", "-c", b.company, "PO-2025-0001")
    assert code == 0 and json.loads(out)["supplier"] == "S1"
    code, out = cli("purchase", "order", "show", "-c", b.company, "PO-2025-0099")
    assert code == 2 and "not_found" in out and "PO-2025-0099" in out

    code, out = cli("purchase", "order", "cancel", "-c", b.company, "PO-2025-0002")
    assert code == 0 and "PO-2025-0002 cancelled" in out
    code, out = cli("purchase", "order", "cancel", "-c", b.company, "PO-2025-0002")
    assert code == 2 and "document.wrong_state" in out
