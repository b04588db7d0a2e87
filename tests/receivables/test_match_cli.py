"""`yecai receivables match` as a script runs it: a real process, started lean (only the
receivables commands imported), writing the contract's columns."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

YECAI = Path(sys.executable).with_name("yecai")

pytestmark = pytest.mark.skipif(not YECAI.exists(), reason="the yecai script is not installed")


def test_match_runs_lean_and_writes_one_row_per_application(tmp_path: Path) -> None:
    bank, items, out = tmp_path / "bank.csv", tmp_path / "items.csv", tmp_path / "matches.csv"
    bank.write_text(
        "txn_id,date,amount,currency,payer_name,payer_account,remark\n"
        "B1,2025-07-01,1130.00,CNY,上海华东商贸有限公司,,INV-2025-0012\n"
        "B2,2025-07-02,300.00,CNY,北京远航电子有限公司,,付INV-2025-0013、0014\n"
        "B3,2025-07-03,12.34,CNY,中国银行,,结息\n",
        encoding="utf-8",
    )
    items.write_text(
        "item_id,customer_code,customer_name,doc_no,date,due_date,open_amount,currency\n"
        "I12,C1,上海华东商贸有限公司,INV-2025-0012,2025-03-01,2025-04-01,1130.00,CNY\n"
        "I13,C2,北京远航电子有限公司,INV-2025-0013,2025-03-02,2025-04-02,100.00,CNY\n"
        "I14,C2,北京远航电子有限公司,INV-2025-0014,2025-03-03,2025-04-03,200.00,CNY\n",
        encoding="utf-8",
    )
    args = ["receivables", "match", "--bank", str(bank), "--open-items", str(items), "--out", str(out)]
    env = {**os.environ, "YECAI_LANG": "en", "YECAI_DATA_DIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", str(YECAI), *args], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "3 receipts: 2 with a proposal (2 automatic, 0 for review); 3 rows written" in proc.stderr
    imported = {
        line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")
    }
    assert "yecai.receivables.domain.matching" in imported
    assert "yecai.receivables.cli_dunning" not in imported  # nor the other receivables commands
    # Started lean: no other command group (analytics would bring scikit-learn and SciPy).
    assert not {m for m in imported if m.startswith(("yecai.analytics", "yecai.purchasing.cli", "sklearn"))}
    # Files only: no database, so neither the ORM nor the ledger is loaded.
    assert not {m for m in imported if m.startswith(("sqlalchemy", "yecai.store", "yecai.ledger.cli"))}
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["txn_id", "item_id", "applied_amount", "confidence", "auto"]
    assert [(r[0], r[1], r[2], r[4]) for r in rows[1:]] == [
        ("B1", "I12", "1130.00", "true"),
        ("B2", "I13", "100.00", "true"),
        ("B2", "I14", "200.00", "true"),
    ]
