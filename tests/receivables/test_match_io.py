"""The batch files are read column by column when they are clean; the result must be exactly what
the row-by-row reader makes of them, and anything unusual must go to the row-by-row reader (which
names the row and field)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from yecai.core.errors import ValidationFailed
from yecai.receivables import batch
from yecai.receivables.domain.matching import Application, Proposal

BANK = "txn_id,date,amount,currency,payer_name,payer_account,remark\n"
ITEMS = "item_id,customer_code,customer_name,doc_no,date,due_date,open_amount,currency\n"


def _both(path: Path, fast: object, slow: object, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    got_fast = fast(path)  # type: ignore[operator]
    with monkeypatch.context() as m:
        m.setattr(batch, "_fast_bank", lambda p: None)
        m.setattr(batch, "_fast_open_items", lambda p: None)
        got_slow = slow(path)  # type: ignore[operator]
    return got_fast, got_slow


def test_clean_files_read_fast_equal_the_row_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bank = tmp_path / "bank.csv"
    bank.write_bytes(
        (
            " txn_id ,date,amount,currency,payer_name,payer_account,remark\n"
            "B1,2025-07-01,1130.00,CNY, 上海华东商贸有限公司 ,,付INV-2025-0012货款\n"
            "\n"
            ",,,,,,\n"
            'B2,2025/07/02,300.5,,远航电子,6222 0200,"INV-2025-0013, 0014"\n'
            "B3,2025-07-03,7,usd,ACME Ltd.,,\n"
        ).encode("gbk")
    )
    fast, slow = _both(bank, batch._fast_bank, batch.read_bank_file, monkeypatch)
    assert fast is not None and fast == slow
    assert [(r.txn_id, r.date, r.amount_minor, r.currency) for r in fast] == [  # type: ignore[attr-defined]
        ("B1", date(2025, 7, 1), 113000, "CNY"),
        ("B2", date(2025, 7, 2), 30050, "CNY"),
        ("B3", date(2025, 7, 3), 700, "USD"),
    ]
    items = tmp_path / "items.csv"
    items.write_text(
        ITEMS + "I1,C1,华东,INV-2025-0012,2025-03-01,2025-04-01,1130.00,CNY\n"
        "I2,C2,远航,INV-2025-0013,2025-03-02,,100.00,CNY\n"
        "I3,C2,远航,INV-2025-0014,2025-03-03,2025-04-03,0.00,CNY\n"
        "I4,C2,远航,INV-2025-0015,2025-03-03,2025-04-03,-5.00,CNY\n",
        encoding="utf-8",
    )
    fast, slow = _both(items, batch._fast_open_items, batch.read_open_items_file, monkeypatch)
    assert fast is not None and fast == slow
    assert [(i.item_id, i.due_date, i.open_minor) for i in fast] == [  # type: ignore[attr-defined]
        ("I1", date(2025, 4, 1), 113000),
        ("I2", date(2025, 3, 2), 10000),  # no due date: the invoice date
    ]


@pytest.mark.parametrize(
    "row",
    [
        'B1,2025-07-01,"1,130.00",CNY,x,,',  # grouping: the row reader understands it
        "B1,20250701,1.00,CNY,x,,",  # a date without separators
        "B1,2025-07-01,1.00,JPY,x,,",  # a currency without cents
    ],
)
def test_unusual_but_valid_rows_take_the_row_reader(tmp_path: Path, row: str) -> None:
    bank = tmp_path / "bank.csv"
    bank.write_text(BANK + row + "\n", encoding="utf-8")
    assert batch._fast_bank(bank) is None
    (r,) = batch.read_bank_file(bank)
    assert r.txn_id == "B1"


def test_bad_rows_are_named_by_the_row_reader(tmp_path: Path) -> None:
    bank = tmp_path / "bank.csv"
    bank.write_text(BANK + "B1,2025-07-01,1.00,CNY,x,,\nB1,2025-07-02,-3.00,CNY,x,,\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as e:
        batch.read_bank_file(bank)
    assert [(x.code, x.row, x.field) for x in e.value.errors] == [
        ("receivables.duplicate_id", 3, "txn_id"),
    ]
    bank.write_text(BANK + "B1,2025-07-01,-1.00,CNY,x,,\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as e:
        batch.read_bank_file(bank)
    assert [(x.code, x.row) for x in e.value.errors] == [("receivables.not_a_receipt", 2)]


def test_matches_file_rows(tmp_path: Path) -> None:
    proposals = [
        Proposal("T1", "C1", (Application("I1", 113000), Application("I2", 5)), 0.97, (), True),
        Proposal("T2", None, (), 0.0, (), False),
        Proposal("T3", "C2", (Application("I3", 700, "JPY"),), 0.5, (), False),
    ]
    out = tmp_path / "matches.csv"
    assert batch.write_matches(proposals, out) == 3
    assert out.read_text(encoding="utf-8").splitlines() == [
        "txn_id,item_id,applied_amount,confidence,auto",
        "T1,I1,1130.00,0.97,true",
        "T1,I2,0.05,0.97,true",
        "T3,I3,700,0.5,false",
    ]
    assert batch.match_rows(proposals)[0] == {
        "txn_id": "T1",
        "item_id": "I1",
        "applied_amount": "1130.00",
        "confidence": "0.97",
        "auto": "true",
    }
