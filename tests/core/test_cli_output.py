"""The shared CLI writers: CSV headers exactly as given; XLSX amounts as numbers, codes as text."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from yecai.cli.common import write_rows, write_xlsx


def test_xlsx_keeps_codes_as_text_and_amounts_as_numbers(tmp_path: Path) -> None:
    path = tmp_path / "tb.xlsx"
    write_xlsx(
        path,
        [{"account_code": "1122", "voucher_no": "0012", "amount": "-12.50"}],
        ["account_code", "voucher_no", "amount"],
    )
    ws = load_workbook(path).active
    assert ws is not None
    assert [c.value for c in ws[1]] == ["account_code", "voucher_no", "amount"]
    code, no, amount = (c.value for c in ws[2])
    assert code == "1122" and no == "0012"
    assert Decimal(str(amount)) == Decimal("-12.50")


def test_csv_header_is_exactly_the_columns(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    write_rows([{"b": "2", "a": "1", "extra": "x"}], ["a", "b"], "csv", out=out)
    assert out.read_text(encoding="utf-8").splitlines() == ["a,b", "1,2"]
