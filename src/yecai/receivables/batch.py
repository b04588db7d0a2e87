"""Cash application in batch, without a database: the bank and open-items files in, matches.csv
out (``yecai receivables match --open-items``). Imports no ORM, so a run from a script starts
quickly; ``receivables.service`` adds the company's open items and payer memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from yecai.core.errors import FieldRequired, ValidationFailed, YecaiError
from yecai.core.money import format_minor, minor_unit, to_minor
from yecai.ledger.importer import decode_text, read_text_table
from yecai.receivables.domain.forked import cores
from yecai.receivables.domain.matching import (
    BankReceipt,
    Memory,
    OpenItem,
    Progress,
    Proposal,
    Settings,
    gc_paused,
    match,
)

BANK_COLUMNS = ("txn_id", "date", "amount", "currency", "payer_name", "payer_account", "remark")
OPEN_ITEM_COLUMNS = (
    "item_id",
    "customer_code",
    "customer_name",
    "doc_no",
    "date",
    "due_date",
    "open_amount",
    "currency",
)
MATCH_COLUMNS = ("txn_id", "item_id", "applied_amount", "confidence", "auto")
ROWS_MAX = 2_000_000  # a bank file or open items list larger than this is refused, not half-read
ERRORS_MAX = 200
BATCH_WORKERS_MAX = 4  # processes for `receivables match` (beyond this they mostly repeat work)


class InvalidDate(YecaiError):
    code = "receivables.invalid_date"
    template = "Not a date: {value!r} (expected YYYY-MM-DD)"


class DuplicateId(YecaiError):
    code = "receivables.duplicate_id"
    template = "{what} {key} appears more than once"


class NotAReceipt(YecaiError):
    code = "receivables.not_a_receipt"
    template = "Amount {value} is not a receipt (it must be greater than zero)"


class OpenItemsSourceRequired(YecaiError):
    code = "receivables.open_items_source_required"
    template = "Give --open-items FILE or --company C (to match against the company's open items)"


class TooManyRows(YecaiError):
    code = "receivables.too_many_rows"
    template = "{name} has {count} rows; at most {limit} are accepted"


class InvalidThreshold(YecaiError):
    code = "receivables.invalid_threshold"
    template = "Threshold {value} must be between 0 and 1"


def _date(text: str, row: int, field: str) -> date:
    try:
        return date.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        raise InvalidDate(value=text, row=row, field=field) from None


def _rows(path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    rows = read_text_table(path, required=columns)
    if len(rows) > ROWS_MAX:
        raise TooManyRows(name=path.name, count=len(rows), limit=ROWS_MAX, file=path.name)
    return rows


def _collect(errors: list[YecaiError], exc: YecaiError, *, file: str, row: int, field: str) -> None:
    if len(errors) < ERRORS_MAX:
        errors.append(exc.located(file=file, row=row, field=field))


# --- the fast path: a clean CSV is read and checked column by column (polars), not row by row.
# Anything the fast checks do not accept falls back to the row-by-row reader, which names every
# bad row and field; so the fast path changes how long a file takes, never what it means.

_AMOUNT_RE = r"^-?[0-9]{1,13}(\.[0-9]{1,2})?$"
_DATE_RE = r"^[0-9]{4}[-/][0-9]{2}[-/][0-9]{2}$"


def _fast_frame(path: Path, columns: Sequence[str]) -> Any:
    """The CSV's columns as stripped strings (polars DataFrame), or None for the slow path."""
    if path.suffix.lower() in (".xlsx", ".xlsm") or not path.is_file():
        return None
    try:
        import polars as pl

        text = decode_text(path.read_bytes())
        df = pl.read_csv(text.encode("utf-8"), infer_schema=False, has_header=True)
    except Exception:  # any oddity (ragged rows, bad quoting): the slow reader explains it
        return None
    df = df.rename({c: c.strip() for c in df.columns})
    if len(set(df.columns)) != df.width or any(c not in df.columns for c in columns):
        return None
    if df.height > ROWS_MAX:
        return None
    df = df.select([pl.col(c).fill_null("").str.strip_chars() for c in columns])
    blank = pl.all_horizontal([pl.col(c) == "" for c in columns])
    return df.filter(~blank)


def _fast_minor(df: Any, column: str, currency_col: str) -> Any:
    """Integer minor units of a column of plain amounts in two-decimal currencies, or None."""
    import polars as pl

    currencies = df.get_column(currency_col).unique().to_list()
    if any(minor_unit(c) != 2 for c in currencies if c):
        return None
    col = df.get_column(column)
    if not col.str.contains(_AMOUNT_RE).all():
        return None
    parts = col.str.strip_prefix("-").str.split_exact(".", 1).struct.unnest()
    whole = parts.get_column("field_0").cast(pl.Int64)
    frac = parts.get_column("field_1").fill_null("").str.pad_end(2, "0").cast(pl.Int64)
    sign = pl.Series([-1 if neg else 1 for neg in col.str.starts_with("-").to_list()], dtype=pl.Int64)
    return ((whole * 100 + frac) * sign).to_list()


def _fast_dates(col: Any) -> list[date] | None:

    if not col.str.contains(_DATE_RE).all():
        return None
    parsed = col.str.replace_all("/", "-").str.to_date("%Y-%m-%d", strict=False)
    if parsed.null_count():
        return None
    return list(parsed.to_list())


def _fast_currency(df: Any) -> Any:
    import polars as pl

    cur = df.get_column("currency").str.to_uppercase()
    cur = pl.Series("currency", ["CNY" if not c else c for c in cur.to_list()])
    try:
        for c in cur.unique().to_list():
            minor_unit(c)
    except YecaiError:
        return None
    return cur


def _fast_bank(path: Path) -> list[BankReceipt] | None:
    df = _fast_frame(path, BANK_COLUMNS)
    if df is None:
        return None
    cur = _fast_currency(df)
    if cur is None:
        return None
    df = df.with_columns(cur)
    ids = df.get_column("txn_id")
    if (ids == "").any() or ids.n_unique() != df.height:
        return None
    amounts = _fast_minor(df, "amount", "currency")
    days = _fast_dates(df.get_column("date"))
    if amounts is None or days is None or any(a <= 0 for a in amounts):
        return None
    cols = [
        df.get_column(c).to_list() for c in ("txn_id", "currency", "payer_name", "payer_account", "remark")
    ]
    return [
        BankReceipt(t, d, a, c, n, acc, rem)
        for t, d, a, c, n, acc, rem in zip(cols[0], days, amounts, *cols[1:], strict=True)
    ]


def _fast_open_items(path: Path) -> list[OpenItem] | None:
    df = _fast_frame(path, OPEN_ITEM_COLUMNS)
    if df is None:
        return None
    cur = _fast_currency(df)
    if cur is None:
        return None
    df = df.with_columns(cur)
    ids = df.get_column("item_id")
    if (ids == "").any() or (df.get_column("customer_code") == "").any() or ids.n_unique() != df.height:
        return None
    amounts = _fast_minor(df, "open_amount", "currency")
    days = _fast_dates(df.get_column("date"))
    due_col = df.get_column("due_date")
    if amounts is None or days is None:
        return None
    dues: list[date] | None
    if (due_col == "").any():
        given = _fast_dates(due_col.filter(due_col != ""))
        if given is None:
            return None
        it = iter(given)
        dues = [next(it) if text else day for text, day in zip(due_col.to_list(), days, strict=True)]
    else:
        dues = _fast_dates(due_col)
        if dues is None:
            return None
    cols = [
        df.get_column(c).to_list()
        for c in ("item_id", "customer_code", "customer_name", "doc_no", "currency")
    ]
    return [
        OpenItem(i, code, name, no, d, due, a, c)
        for i, code, name, no, c, d, due, a in zip(*cols, days, dues, amounts, strict=True)
        if a > 0
    ]


def read_bank_file(path: Path) -> list[BankReceipt]:
    """Bank receipts from CSV/XLSX (UTF-8 or GBK) with the header ``BANK_COLUMNS``."""
    fast = _fast_bank(path)
    if fast is not None:
        return fast
    out: list[BankReceipt] = []
    errors: list[YecaiError] = []
    seen: set[str] = set()
    for n, r in enumerate(_rows(path, BANK_COLUMNS), start=2):
        currency = r["currency"].upper() or "CNY"
        try:
            if not r["txn_id"]:
                raise FieldRequired(field_name="txn_id", field="txn_id")
            if r["txn_id"] in seen:
                raise DuplicateId(what="txn_id", key=r["txn_id"], field="txn_id")
            seen.add(r["txn_id"])
            amount = to_minor(r["amount"], currency)
            if amount <= 0:
                raise NotAReceipt(value=r["amount"], field="amount")
            out.append(
                BankReceipt(
                    txn_id=r["txn_id"],
                    date=_date(r["date"], n, "date"),
                    amount_minor=amount,
                    currency=currency,
                    payer_name=r["payer_name"],
                    payer_account=r["payer_account"],
                    remark=r["remark"],
                )
            )
        except YecaiError as exc:
            _collect(errors, exc, file=path.name, row=n, field="amount")
    if errors:
        raise ValidationFailed(errors, file=path.name)
    return out


def read_open_items_file(path: Path) -> list[OpenItem]:
    """Open items from CSV/XLSX with the header ``OPEN_ITEM_COLUMNS``."""
    fast = _fast_open_items(path)
    if fast is not None:
        return fast
    out: list[OpenItem] = []
    errors: list[YecaiError] = []
    seen: set[str] = set()
    for n, r in enumerate(_rows(path, OPEN_ITEM_COLUMNS), start=2):
        currency = r["currency"].upper() or "CNY"
        try:
            for col in ("item_id", "customer_code"):
                if not r[col]:
                    raise FieldRequired(field_name=col, field=col)
            if r["item_id"] in seen:
                raise DuplicateId(what="item_id", key=r["item_id"], field="item_id")
            seen.add(r["item_id"])
            day = _date(r["date"], n, "date")
            out.append(
                OpenItem(
                    item_id=r["item_id"],
                    customer_code=r["customer_code"],
                    customer_name=r["customer_name"],
                    doc_no=r["doc_no"],
                    date=day,
                    due_date=_date(r["due_date"], n, "due_date") if r["due_date"] else day,
                    open_minor=to_minor(r["open_amount"], currency),
                    currency=currency,
                )
            )
        except YecaiError as exc:
            _collect(errors, exc, file=path.name, row=n, field="open_amount")
    if errors:
        raise ValidationFailed(errors, file=path.name)
    return [it for it in out if it.open_minor > 0]


def read_memory_file(path: Path) -> Memory:
    """Payer memory exported or prepared elsewhere: ``kind,key,customer_code`` (kind account|name)."""
    rows = _rows(path, ("kind", "key", "customer_code"))
    return Memory.of(
        accounts=[(r["key"], r["customer_code"]) for r in rows if r["kind"] == "account"],
        names=[(r["key"], r["customer_code"]) for r in rows if r["kind"] == "name"],
    )


def check_threshold(threshold: float) -> None:
    if not 0.0 <= threshold <= 1.0:
        raise InvalidThreshold(value=threshold, field="threshold")


def match_batch(
    receipts: Sequence[BankReceipt],
    items: Sequence[OpenItem],
    memories: Sequence[Memory],
    threshold: float,
    progress: Progress | None = None,
) -> list[Proposal]:
    """Match a batch with every given payer memory; may fork workers for the first look at
    every receipt (the proposals are the same for any number of them)."""
    accounts: list[tuple[str, str]] = []
    names: list[tuple[str, str]] = []
    for mem in memories:
        accounts += [(k, c) for k, codes in mem.accounts.items() for c in codes]
        names += [(k, c) for k, codes in mem.names.items() for c in codes]
    settings = Settings(threshold=threshold, workers=min(BATCH_WORKERS_MAX, cores()))
    return match(receipts, items, Memory.of(accounts, names), settings, progress)


def match_files(
    *,
    bank: Path,
    open_items_file: Path,
    memory_file: Path | None = None,
    threshold: float = 0.95,
    progress: Progress | None = None,
) -> list[Proposal]:
    """The bank file against an open items file (and a payer memory file, if given)."""
    check_threshold(threshold)
    with gc_paused():  # reading and matching allocate millions of acyclic objects
        receipts = read_bank_file(bank)
        items = read_open_items_file(open_items_file)
        memories = [read_memory_file(memory_file)] if memory_file else []
        return match_batch(receipts, items, memories, threshold, progress)


def match_rows(proposals: Sequence[Proposal]) -> list[dict[str, str]]:
    """Output rows, one per application: ``MATCH_COLUMNS``."""
    return [dict(zip(MATCH_COLUMNS, row, strict=True)) for row in _match_tuples(proposals)]


def _confidence_text(confidence: float) -> str:
    return f"{confidence:.4f}".rstrip("0").rstrip(".") if confidence else "0"


def _match_tuples(proposals: Sequence[Proposal]) -> Iterator[tuple[str, str, str, str, str]]:
    places: dict[str, int] = {}
    for p in proposals:
        if not p.applications:
            continue
        conf = _confidence_text(p.confidence)
        auto = "true" if p.auto else "false"
        for a in p.applications:
            n = places.get(a.currency)
            if n is None:
                n = places[a.currency] = minor_unit(a.currency)
            m = a.applied_minor
            if n == 2 and m >= 0:  # the common case without Decimal: 123456 → "1234.56"
                amount = f"{m // 100}.{m % 100:02d}"
            else:
                amount = format_minor(m, a.currency)
            yield (p.txn_id, a.item_id, amount, conf, auto)


def write_matches(proposals: Sequence[Proposal], out: Path) -> int:
    """Write ``matches.csv`` (header ``MATCH_COLUMNS``, UTF-8); returns the rows written."""
    n = 0
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(MATCH_COLUMNS)
        for row in _match_tuples(proposals):
            w.writerow(row)
            n += 1
    return n
