"""Reading tabular files people bring (CSV in UTF-8 or GBK/GB18030, XLSX)."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from yecai.core.errors import YecaiError


class FileUnreadable(YecaiError):
    code = "import.unreadable"
    template = "Cannot read {name}: {reason}"


class MissingColumns(YecaiError):
    code = "import.missing_columns"
    template = "Missing column(s) {columns} (the header must include {required})"


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK, as Chinese Excel writes)."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise FileUnreadable(name="", reason="not UTF-8 or GBK text")


def read_text_table(path: Path, *, required: Sequence[str] = ()) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX file as dicts keyed by the (stripped) header."""
    if not path.is_file():
        raise FileUnreadable(name=str(path), reason="no such file", file=str(path))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _read_xlsx(path)
    else:
        try:
            text = decode_text(path.read_bytes())
        except FileUnreadable as exc:
            raise FileUnreadable(name=path.name, reason=exc.params["reason"], file=str(path)) from None
        rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise FileUnreadable(name=path.name, reason="the file is empty", file=str(path))
    header = [h.strip() for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise MissingColumns(columns=",".join(missing), required=",".join(required), file=str(path), row=1)
    out = []
    for r in rows[1:]:
        if not any(c.strip() for c in r):
            continue
        out.append({h: (r[i].strip() if i < len(r) else "") for i, h in enumerate(header)})
    return out


def _read_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise FileUnreadable(name=path.name, reason=str(exc)[:200], file=str(path)) from None
    ws = wb.worksheets[0]
    rows = [["" if c is None else str(c) for c in row] for row in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


# --- the voucher import file (streamed: a million vouchers must not be held in memory) ----------

VOUCHER_REQUIRED: tuple[str, ...] = ("voucher_no", "date", "summary", "account_code", "debit", "credit")
VOUCHER_OPTIONAL: tuple[str, ...] = (
    "voucher_type",
    "currency",
    "original_amount",
    "rate",
    "customer",
    "supplier",
    "department",
    "project",
    "employee",
)
_DATE_RES = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_READ_BLOCK_BYTES = 1 << 20


class UnknownColumns(YecaiError):
    code = "import.unknown_columns"
    template = "Unknown column(s) {columns}; the allowed columns are {allowed}"


class DuplicateColumns(YecaiError):
    code = "import.duplicate_columns"
    template = "Column(s) {columns} appear more than once in the header"


class InvalidDate(YecaiError):
    code = "import.invalid_date"
    template = "Not a date: {text!r} (expected YYYY-MM-DD, YYYY/M/D or YYYYMMDD)"


def parse_date(text: str) -> date:
    """The dates Chinese spreadsheets carry: 2025-03-05, 2025/3/5, 20250305."""
    s = text.strip()
    for rx in _DATE_RES:
        m = rx.match(s)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                break
    raise InvalidDate(text=text)


@dataclass(frozen=True)
class FileFacts:
    """What one read of the raw bytes tells us before the import starts."""

    sha256: str
    size_bytes: int
    lines: int  # physical lines (an upper bound of the rows, for the progress bar)
    encoding: str  # for CSV: utf-8-sig or gb18030
    # No quote, NUL or lone carriage return: every physical line is one record whose cells are
    # the text between commas, so it may be read column-wise (bulk_columnar) with the same result.
    plain_csv: bool = False


def file_facts(path: Path) -> FileFacts:
    """SHA-256, size, line count and text encoding in one pass of 1 MB blocks (constant memory).

    The digest is computed in a helper thread (hashlib releases the GIL on large buffers), so
    on a multi-core machine it costs next to nothing beside the checks done here.
    """
    from concurrent.futures import ThreadPoolExecutor

    if not path.is_file():
        raise FileUnreadable(name=str(path), reason="no such file", file=str(path))
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = path.suffix.lower() not in (".xlsx", ".xlsm")
    size = lines = 0
    plain = is_utf8
    prev_last = b""
    with path.open("rb") as fh, ThreadPoolExecutor(1) as pool:
        hashing = None
        while block := fh.read(_READ_BLOCK_BYTES):
            if hashing is not None:
                hashing.result()
            hashing = pool.submit(digest.update, block)
            size += len(block)
            lines += block.count(b"\n")
            if is_utf8 and not (block.isascii() and not utf8.getstate()[0]):
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    is_utf8 = False
            if plain:
                crs = block.count(b"\r") if b"\r" in block else 0
                if crs:  # every \r must start a \r\n, also across blocks
                    crs -= block.count(b"\r\n") + (block[-1:] == b"\r")
                if prev_last == b"\r" and block[:1] != b"\n":
                    crs += 1
                plain = not crs and b'"' not in block and b"\0" not in block
                prev_last = block[-1:]
        if hashing is not None:
            hashing.result()
    if is_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    plain = plain and is_utf8 and prev_last != b"\r"
    return FileFacts(digest.hexdigest(), size, lines + 1, "utf-8-sig" if is_utf8 else "gb18030", plain)


def check_header(
    header: Sequence[str], *, required: Sequence[str], optional: Sequence[str], file: str
) -> dict[str, int]:
    """Column name → index; refuses missing, unknown and repeated columns, naming them."""
    names = [h.strip() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise MissingColumns(columns=",".join(missing), required=",".join(required), file=file, row=1)
    allowed = (*required, *optional)
    unknown = [c for c in names if c and c not in allowed]
    if unknown:
        raise UnknownColumns(columns=",".join(unknown), allowed=",".join(allowed), file=file, row=1)
    repeated = sorted({c for c in names if c and names.count(c) > 1})
    if repeated:
        raise DuplicateColumns(columns=",".join(repeated), file=file, row=1)
    return {c: i for i, c in enumerate(names) if c}


class RowReader(Protocol):
    """Rows of cells as text; ``line_num`` is the file line of the row last returned (header = 1)."""

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...


@contextmanager
def stream_rows(path: Path, encoding: str) -> Iterator[tuple[list[str], RowReader]]:
    """(header, rows) of a CSV or XLSX file, read lazily.

    Iterating ``rows`` raises FileUnreadable (with the row) on text that is not in ``encoding`` or
    is not CSV. Blank rows come through as they are; the caller skips them.
    """
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        with _xlsx_rows(path) as rows:
            header = next(iter(rows), None)
            if header is None:
                raise FileUnreadable(name=path.name, reason="the file is empty", file=str(path))
            yield header, rows
        return
    with path.open(encoding=encoding, newline="") as fh:
        reader = _CsvRows(fh, path)
        header = next(iter(reader), None)
        if header is None:
            raise FileUnreadable(name=path.name, reason="the file is empty", file=str(path))
        yield header, reader


class _CsvRows:
    def __init__(self, fh: Any, path: Path) -> None:
        self._reader = csv.reader(fh)
        self._path = path

    @property
    def line_num(self) -> int:
        return int(self._reader.line_num)

    def __iter__(self) -> Iterator[list[str]]:
        reader = self._reader
        try:
            yield from reader
        except (UnicodeDecodeError, csv.Error) as exc:
            raise FileUnreadable(
                name=self._path.name, reason=str(exc)[:200], file=str(self._path), row=reader.line_num + 1
            ) from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # Excel keeps numbers as doubles; repr is the shortest text that reads back the same,
        # i.e. what the user typed (1234.5, not 1234.4999999).
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


class _XlsxRows:
    def __init__(self, ws: Any) -> None:
        self._rows = ws.iter_rows(values_only=True)
        self.line_num = 0

    def __iter__(self) -> Iterator[list[str]]:
        for values in self._rows:
            self.line_num += 1
            yield [_cell_text(v) for v in values]


@contextmanager
def _xlsx_rows(path: Path) -> Iterator[_XlsxRows]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise FileUnreadable(name=path.name, reason=str(exc)[:200], file=str(path)) from None
    try:
        yield _XlsxRows(wb.worksheets[0])
    finally:
        wb.close()
