"""The CLI on a database that was never set up tells the user what to run, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner


def test_a_database_without_tables_names_the_command_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yecai.cli.main import app

    monkeypatch.delenv("YECAI_DATABASE_URL", raising=False)
    monkeypatch.setenv("YECAI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("YECAI_LANG", "zh_CN")
    r = CliRunner().invoke(app, ["check", "--company", "DEMO"])
    assert r.exit_code == 2
    assert "yecai db upgrade" in r.output and "database.not_ready" in r.output and "数据表" in r.output
    assert "Traceback" not in r.output
