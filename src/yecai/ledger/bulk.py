"""Voucher import at scale: stream a CSV/XLSX file, validate every voucher with the ledger's own
rules, number it, chain its hash and write it — whole vouchers only, a chunk per transaction.

The pipeline, top to bottom:

1. **read** (importer.stream_rows): rows stream from the file; rows with the same voucher_no and
   date are grouped into one voucher, wherever they are within a look-ahead window.
2. **validate** (``_Validator``): a voucher is accepted by a fast check of the common, plain case
   (leaf account, one positive amount with at most the currency's decimals, the account's
   dimensions present and known, balanced). Anything else — every refusal included — goes through
   ``domain.validate_voucher``, which alone decides errors. The fast check only ever accepts what
   the domain would accept, with the same stored values; tests compare both on every error kind,
   and every chunk re-checks one fast-accepted voucher against the domain at run time.
3. **number and hash** (``_Planner``): gapless numbers per period and word, ids, and for --post
   the hash chain, byte-identical to ``service.payload_of`` (checked at run time, once a chunk).
4. **write** (``bulk_writer.apply_plan``): one transaction per chunk with plain DB-API executemany; on SQLite
   a writer process does it while the next chunk is being validated. Each chunk re-checks, under
   the write lock, that the ledger is as the plan expects (chain head, numbers, ids, open
   periods) and refuses the whole chunk otherwise.

This deliberately departs from "one command, one transaction": a million vouchers are committed a
chunk at a time so a killed import keeps whole vouchers and a re-run (same file hash) skips them.
With ``all_or_nothing`` everything is one transaction. One audit row is written per chunk (file,
batch, id and number ranges), not one per voucher.
"""

from __future__ import annotations

import gc
import hashlib
import json
import marshal
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import select

from yecai.core.errors import FieldRequired, YecaiError
from yecai.core.money import AMOUNT_MINOR_MAX, minor_unit, parse_decimal
from yecai.ledger import domain
from yecai.ledger.bulk_writer import (
    LedgerState,
    _Stats,
    apply_plan,
    read_frame,
    read_state,
    write_frame,
    write_ipc_stream,
)
from yecai.ledger.domain import DIMENSIONS, LINES_MAX, WORDS, LineDraft, ValidVoucher, VoucherDraft
from yecai.ledger.importer import (
    VOUCHER_OPTIONAL,
    VOUCHER_REQUIRED,
    InvalidDate,
    RowReader,
    check_header,
    file_facts,
    parse_date,
    stream_rows,
)
from yecai.ledger.models import Company, ImportBatch, Voucher, VoucherLine
from yecai.ledger.service import _CHAIN_HEAD as CHAIN_HEAD
from yecai.ledger.service import LedgerIndex, PeriodClosed, PeriodNotOpened, payload_of
from yecai.security.domain import Perm
from yecai.store.base import utcnow
from yecai.store.uow import UnitOfWork

CHUNK_VOUCHERS = 25_000  # vouchers validated, written and committed together (bounds memory too)
ISSUES_KEPT_MAX = 10_000  # errors kept for the report; more are counted, not kept
IN_FLIGHT_MAX = 2  # chunks handed to the writer and not yet committed
PARALLEL_ROWS_MIN = 20_000  # rows from which SQLite imports write in a separate process
STATS_ENV = "YECAI_IMPORT_STATS"  # set: both processes print their busy and waiting time per chunk
SOURCE_TYPE = "import"
SOURCE_REF_MAX = 100
SUMMARY_MAX = 200
_KEY_SEP = "\x1f"


class VoucherRowsApart(YecaiError):
    code = "import.rows_apart"
    template = (
        "This row belongs to voucher {voucher_no} of {date}, whose other rows are more than "
        "{window} vouchers earlier in the file; keep the rows of a voucher close together"
    )


class VoucherTypeMismatch(YecaiError):
    code = "import.voucher_type_mismatch"
    template = "Voucher {voucher_no}: voucher_type is {found!r} here but {expected!r} on its first row"


class ImportInterrupted(YecaiError):
    code = "import.interrupted"
    template = (
        "The ledger was changed by someone else during the import ({reason}); {done} voucher(s) "
        "were imported. Run the same import again to import the rest"
    )
    http_status = 409


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportIssue:
    """One error of the report: where (file, row, column) and what (code, message)."""

    file: str
    row: int | None
    column: str
    code: str
    message: str
    rows: tuple[int, ...] = ()  # every row of the voucher, for an error about the whole voucher

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "rows": list(self.rows),
        }


REPORT_COLUMNS = ("file", "row", "column", "code", "message")


@dataclass
class ImportSummary:
    file: str
    file_sha256: str
    batch_id: int | None = None
    rows: int = 0
    vouchers_imported: int = 0
    vouchers_rejected: int = 0
    vouchers_skipped: int = 0
    lines_imported: int = 0
    posted: bool = False
    all_or_nothing: bool = False
    issues: list[ImportIssue] = field(default_factory=list)
    issues_total: int = 0

    @property
    def ok(self) -> bool:
        return self.vouchers_rejected == 0 and self.issues_total == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "file_sha256": self.file_sha256,
            "batch_id": self.batch_id,
            "rows": self.rows,
            "vouchers_imported": self.vouchers_imported,
            "vouchers_rejected": self.vouchers_rejected,
            "vouchers_skipped": self.vouchers_skipped,
            "lines_imported": self.lines_imported,
            "posted": self.posted,
            "all_or_nothing": self.all_or_nothing,
            "ok": self.ok,
            "errors_total": self.issues_total,
            "errors": [i.to_dict() for i in self.issues],
        }


# --- the import use case -----------------------------------------------------------------------


def import_vouchers(
    uow: UnitOfWork,
    company_code: str,
    path: Path,
    *,
    post: bool = False,
    all_or_nothing: bool = False,
    file_name: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    chunk_vouchers: int = CHUNK_VOUCHERS,
    parallel: bool | None = None,
    columnar: bool | None = None,
) -> ImportSummary:
    """Import vouchers from a CSV/XLSX file (one row per voucher line); see the module docstring.

    ``parallel`` (default: on SQLite when not all-or-nothing) writes in a separate process.
    ``columnar`` (default: when the file allows it) reads, checks and plans a plain UTF-8 CSV
    column-wise (``bulk_columnar``); False forces the row-wise path (same result, slower).
    """
    assert chunk_vouchers >= 1
    name = file_name or path.name
    facts = file_facts(path)
    summary = ImportSummary(file=name, file_sha256=facts.sha256, posted=post, all_or_nothing=all_or_nothing)
    if columnar is not False and facts.plain_csv and path.suffix.lower() not in (".xlsx", ".xlsm"):
        source: Any = _columnar_source(path)
    else:
        source = stream_rows(path, facts.encoding)
    with source as (header, reader):
        cols = check_header(header, required=VOUCHER_REQUIRED, optional=VOUCHER_OPTIONAL, file=name)
        with uow:
            company = uow.company(company_code, Perm.VOUCHER_CREATE)
            if post:
                uow.require(company.id, Perm.VOUCHER_IMPORT_POST, company_code)
            s = uow.session
            index = LedgerIndex(s, company)
            skip = _already_imported(uow, company.id, facts.sha256)
            batch = ImportBatch(
                company_id=company.id,
                file_name=name[:255],
                file_sha256=facts.sha256,
                status="running",
                user_id=uow.actor.user_id,
            )
            s.add(batch)
            s.flush()
            summary.batch_id = batch.id
            uow.audit(
                "voucher.import.start",
                "import_batch",
                batch.id,
                company_id=company.id,
                after={"file": name, "sha256": facts.sha256, "post": post, "all_or_nothing": all_or_nothing},
            )
            uow.commit()
        run = _Run(
            uow=uow,
            company=company,
            index=index,
            cols=cols,
            header_width=len(header),
            file=name,
            post=post,
            all_or_nothing=all_or_nothing,
            batch_id=batch.id,
            skip=skip,
            summary=summary,
            chunk_vouchers=chunk_vouchers,
        )
        if parallel is None:
            # A writer process pays off from a few chunks on; it is not started for small files.
            parallel = (
                uow.db.is_sqlite
                and not all_or_nothing
                and ":memory:" not in uow.db.url
                and facts.lines > PARALLEL_ROWS_MIN
            )
        run.execute(reader, progress=progress, rows_total=facts.lines - 1, parallel=parallel)
    _finish_batch(uow, company, summary)
    return summary


@contextmanager
def _columnar_source(path: Path) -> Iterator[tuple[list[str], tuple[Path, int]]]:
    """(header, (path, offset of the first data line)) of a plain CSV file, for bulk_columnar."""
    from yecai.ledger.bulk_columnar import read_header

    header, offset = read_header(path)
    yield header, (path, offset)


def _already_imported(uow: UnitOfWork, company_id: int, sha256: str) -> set[str]:
    """(source_ref, date) of vouchers imported earlier from a file with the same hash."""
    s = uow.session
    batch_ids = list(
        s.execute(
            select(ImportBatch.id).where(
                ImportBatch.company_id == company_id, ImportBatch.file_sha256 == sha256
            )
        ).scalars()
    )
    if not batch_ids:
        return set()
    q = select(Voucher.source_ref, Voucher.date).where(
        Voucher.company_id == company_id,
        Voucher.source_type == SOURCE_TYPE,
        Voucher.source_id.in_(batch_ids),
    )
    return {f"{ref}{_KEY_SEP}{d.isoformat()}" for ref, d in s.execute(q)}


def _finish_batch(uow: UnitOfWork, company: Company, summary: ImportSummary) -> None:
    with uow:
        batch = uow.session.get(ImportBatch, summary.batch_id)
        assert batch is not None
        batch.status = "done" if summary.ok else "failed" if summary.all_or_nothing else "partial"
        batch.rows_total = summary.rows
        batch.vouchers_written = summary.vouchers_imported
        batch.errors = summary.issues_total
        batch.finished_at = utcnow()
        uow.audit(
            "voucher.import.finish",
            "import_batch",
            batch.id,
            company_id=company.id,
            after={
                "status": batch.status,
                "imported": summary.vouchers_imported,
                "rejected": summary.vouchers_rejected,
                "skipped": summary.vouchers_skipped,
                "lines": summary.lines_imported,
                "errors": summary.issues_total,
            },
        )
        uow.commit()


# --- validation --------------------------------------------------------------------------------

# A row is the list of its cells, padded to the header's width, with its line number appended.
Row = list[Any]
# An accepted voucher: (source_ref, date_iso, period_key, word, total_minor, summary, lines)
# A line: (summary, account_id, debit, credit, currency, original_minor, rate, *5 dimension ids)
Accepted = tuple[str, str, int, str, int, str, list[tuple[Any, ...]]]
_NO_DIMS: tuple[None, ...] = (None,) * len(DIMENSIONS)


@dataclass(frozen=True)
class _Cols:
    no: int
    date: int
    summary: int
    account: int
    debit: int
    credit: int
    word: int
    currency: int
    original: int
    rate: int
    dims: tuple[tuple[str, int], ...]  # (dimension, column index) for the dimension columns present
    width: int  # cells per row; the row's line number is kept at this index

    @classmethod
    def of(cls, cols: dict[str, int], header_width: int) -> _Cols:
        g = cols.get
        return cls(
            no=cols["voucher_no"],
            date=cols["date"],
            summary=cols["summary"],
            account=cols["account_code"],
            debit=cols["debit"],
            credit=cols["credit"],
            word=g("voucher_type", -1),
            currency=g("currency", -1),
            original=g("original_amount", -1),
            rate=g("rate", -1),
            dims=tuple((d, cols[d]) for d in DIMENSIONS if d in cols),
            width=header_width,
        )


class _Validator:
    """Turns one voucher's rows into an Accepted voucher or a list of issues."""

    def __init__(self, index: LedgerIndex, cols: _Cols, file: str) -> None:
        self.index = index
        self.cols = cols
        self.file = file
        self.base = index.company.base_currency
        self.places = minor_unit(self.base)
        self.amount_re = re.compile(
            r"[0-9]+(?:\.[0-9]{1," + str(self.places) + "})?" if self.places else r"[0-9]+"
        )
        dim_col = dict(cols.dims)
        # Accounts the fast check can take: leaf, enabled, every required dimension has a column.
        # code -> (account id, ((dimension position, column), ...) required, columns that must be empty)
        self.fast_accounts: dict[str, tuple[int, tuple[tuple[int, int], ...], tuple[int, ...]]] = {}
        for code, acc in index.accounts.items():
            if not acc.is_leaf or not acc.enabled or any(d not in dim_col for d in acc.dimensions):
                continue
            required = tuple((DIMENSIONS.index(d), dim_col[d]) for d in DIMENSIONS if d in acc.dimensions)
            empty = tuple(c for d, c in cols.dims if d not in acc.dimensions)
            self.fast_accounts[code] = (acc.id, required, empty)
        self.dim_ids = [
            {code: vid for (d, code), vid in index.dims.items() if d == dim} for dim in DIMENSIONS
        ]
        self.dates: dict[str, tuple[str, int] | None] = {}
        self.fx_cols = tuple(i for i in (cols.currency, cols.original, cols.rate) if i >= 0)
        self.open_periods = {p for p, status in index.periods.items() if status == "open"}

    def date_of(self, text: str) -> tuple[str, int] | None:
        """(ISO date, period) of a date cell, None if it is not a date; each text parsed once."""
        hit = self.dates.get(text, False)
        if hit is not False:
            return hit  # type: ignore[return-value]
        try:
            d = parse_date(text)
            value: tuple[str, int] | None = (d.isoformat(), d.year * 100 + d.month)
        except InvalidDate:
            value = None
        if len(self.dates) < 100_000:
            self.dates[text] = value
        return value

    def minor(self, text: str) -> int | None:
        """A non-empty amount cell in minor units when it is plain digits with at most the
        currency's decimals; None for anything else (the domain then decides)."""
        if self.amount_re.fullmatch(text) is None:
            return None
        dot = text.find(".")
        if dot < 0:
            value = int(text) * 10**self.places
        else:
            value = int(text[:dot] + text[dot + 1 :]) * 10 ** (self.places - (len(text) - dot - 1))
        return value if value < AMOUNT_MINOR_MAX else None

    def check(
        self, voucher_no: str, date_key: str, rows: list[Row]
    ) -> tuple[Accepted | None, list[ImportIssue]]:
        fast = self.fast(voucher_no, date_key, rows)
        if fast is not None:
            return fast, []
        return self.slow(voucher_no, date_key, rows)

    def fast(self, voucher_no: str, date_key: str, rows: list[Row]) -> Accepted | None:
        """The plain case, accepted without building drafts; None when the domain must look."""
        c = self.cols
        n = len(rows)
        if n < 2 or n > LINES_MAX or not voucher_no:
            return None
        dp = self.date_of(date_key)
        if dp is None or dp[1] not in self.open_periods:
            return None
        word = "记"
        cw = c.word
        if cw >= 0:
            word = rows[0][cw].strip() or "记"
            if word not in WORDS:
                return None
        fx_cols = self.fx_cols
        ca, cs, cd, cc = c.account, c.summary, c.debit, c.credit
        accounts = self.fast_accounts
        dim_ids = self.dim_ids
        minor = self.minor
        lines: list[tuple[Any, ...]] = []
        total_d = total_c = 0
        for cells in rows:
            acc = accounts.get(cells[ca].strip())
            if acc is None:
                return None
            summary = cells[cs].strip()[:SUMMARY_MAX]
            if not summary:
                return None
            if cw >= 0 and (cells[cw].strip() or "记") != word:
                return None
            for col in fx_cols:
                if cells[col].strip():
                    return None  # foreign currency: the domain's rules, not a copy of them
            text = cells[cd]
            debit = minor(text) if text else 0
            text = cells[cc]
            credit = minor(text) if text else 0
            if debit is None or credit is None or (debit == 0) == (credit == 0):
                return None
            account_id, required, empty = acc
            for col in empty:
                if cells[col].strip():
                    return None
            if required:
                dims = list(_NO_DIMS)
                for i, col in required:
                    vid = dim_ids[i].get(cells[col].strip())
                    if vid is None:
                        return None
                    dims[i] = vid
                lines.append((summary, account_id, debit, credit, None, None, None, *dims))
            else:
                lines.append(
                    (summary, account_id, debit, credit, None, None, None, None, None, None, None, None)
                )
            total_d += debit
            total_c += credit
        if total_d != total_c:
            return None
        return (voucher_no[:SOURCE_REF_MAX], dp[0], dp[1], word, total_d, lines[0][0], lines)

    # --- the domain's verdict, for anything the fast check did not take ------------------------

    def _amount(
        self, where: tuple[Row, int, int, list[ImportIssue], set[int]], col: int, name: str
    ) -> Decimal | None:
        """A cell as a Decimal (None when empty); an unreadable amount is reported at its row."""
        cells, row_no, pos, issues, bad_lines = where
        text = cells[col].strip() if col >= 0 else ""
        if not text:
            return None
        try:
            return parse_decimal(text)
        except YecaiError as exc:
            issues.append(self.issue(exc.located(field=name), row_no))
            bad_lines.add(pos)
            return None

    def draft_of(self, date_key: str, rows: list[Row]) -> tuple[VoucherDraft, list[ImportIssue], set[int]]:
        """A VoucherDraft from the rows, with the issues of cells that are not even values."""
        c = self.cols
        w = c.width
        issues: list[ImportIssue] = []
        bad_amount_lines: set[int] = set()
        dp = self.date_of(date_key)
        if dp is None:
            for cells in rows:
                issues.append(self.issue(InvalidDate(text=cells[c.date], field="date"), cells[w]))
        word = (rows[0][c.word].strip() if c.word >= 0 else "") or "记"
        lines = []
        for pos, cells in enumerate(rows, start=1):
            row_no = cells[w]
            if not cells[c.no].strip():
                issues.append(self.issue(FieldRequired(field_name="voucher_no", field="voucher_no"), row_no))
            if c.word >= 0 and (cells[c.word].strip() or "记") != word:
                found = cells[c.word].strip()
                err = VoucherTypeMismatch(
                    voucher_no=cells[c.no].strip(), found=found, expected=word, field="voucher_type"
                )
                issues.append(self.issue(err, row_no))
            where = (cells, row_no, pos, issues, bad_amount_lines)
            debit = self._amount(where, c.debit, "debit") or Decimal(0)
            credit = self._amount(where, c.credit, "credit") or Decimal(0)
            original = self._amount(where, c.original, "original_amount")
            rate = self._amount(where, c.rate, "rate")
            lines.append(
                LineDraft(
                    summary=cells[c.summary],
                    account_code=cells[c.account],
                    debit=debit,
                    credit=credit,
                    currency=cells[c.currency] if c.currency >= 0 else None,
                    original_amount=original,
                    rate=rate,
                    dims={d: cells[col] for d, col in c.dims},
                )
            )
        d = parse_date(date_key) if dp is not None else date(1900, 1, 1)
        return VoucherDraft(date=d, lines=tuple(lines), word=word), issues, bad_amount_lines

    def slow(
        self, voucher_no: str, date_key: str, rows: list[Row]
    ) -> tuple[Accepted | None, list[ImportIssue]]:
        """Validate with ``domain.validate_voucher``; map its errors to file rows and columns."""
        w = self.cols.width
        row_nos = tuple(cells[w] for cells in rows)
        draft, issues, bad_lines = self.draft_of(date_key, rows)
        idx = self.index
        voucher, errors = domain.validate_voucher(
            draft, idx.account, base_currency=self.base, dimension_exists=idx.dimension_exists
        )
        for err in errors:
            line = err.params.get("line")
            if bad_lines and (
                err.code == "voucher.unbalanced"
                or (line in bad_lines and err.code in ("line.zero", "line.both_sides"))
            ):
                continue  # a consequence of an amount already reported as unreadable
            if line is None and err.field in ("debit", "credit", "currency", "original_amount", "rate"):
                line = self._locate(err, draft)
            if isinstance(line, int) and 1 <= line <= len(rows):
                issues.append(self.issue(err, row_nos[line - 1]))
            else:
                issues.append(self.issue(err, row_nos[0], row_nos))
        if voucher is not None and not issues:
            try:
                idx.check_period_open(voucher.period)
            except (PeriodClosed, PeriodNotOpened) as exc:
                issues.append(self.issue(exc, row_nos[0], row_nos))
        if issues:
            return None, issues
        assert voucher is not None
        return self.accepted(voucher_no, voucher), []

    def _locate(self, err: YecaiError, draft: VoucherDraft) -> int | None:
        """The line of an error the domain raised without a line number (money parsing)."""
        for pos, ld in enumerate(draft.lines, start=1):
            _, errs = domain.validate_voucher(
                VoucherDraft(date=draft.date, lines=(ld,)),
                self.index.account,
                base_currency=self.base,
                dimension_exists=self.index.dimension_exists,
            )
            if any(e.code == err.code and e.field == err.field and e.params == err.params for e in errs):
                return pos
        return None

    def accepted(self, voucher_no: str, v: ValidVoucher) -> Accepted:
        ids = self.index.dims
        lines = []
        for ln in v.lines:
            dims = list(_NO_DIMS)
            for d, code in ln.dims:
                dims[DIMENSIONS.index(d)] = ids[(d, code)]
            rate = None if ln.rate is None else str(ln.rate)
            lines.append(
                (
                    ln.summary[:SUMMARY_MAX],
                    ln.account.id,
                    ln.debit_minor,
                    ln.credit_minor,
                    ln.currency,
                    ln.original_minor,
                    rate,
                    *dims,
                )
            )
        return (
            voucher_no[:SOURCE_REF_MAX],
            v.date.isoformat(),
            v.period.key,
            v.word,
            v.total_minor,
            lines[0][0],
            lines,
        )

    def issue(self, err: YecaiError, row: int, rows: tuple[int, ...] = ()) -> ImportIssue:
        column = err.field or _VOUCHER_ERROR_COLUMN.get(err.code, "")
        return ImportIssue(
            file=self.file, row=row, column=column, code=err.code, message=err.message(), rows=rows
        )


# The column named for an error about a whole voucher that the domain gives no field.
_VOUCHER_ERROR_COLUMN = {
    "voucher.unbalanced": "debit",
    "voucher.too_few_lines": "voucher_no",
    "voucher.too_many_lines": "voucher_no",
}


# --- numbering, ids and the hash chain ---------------------------------------------------------

# The payload header: the company, then the voucher columns in the order verify_chain reads them.
_HEADER_KEYS = ("company", *CHAIN_HEAD)
_LINE_KEYS = (
    "id",
    "line_no",
    "period",
    "summary",
    "account",
    "debit",
    "credit",
    "currency",
    "original",
    "rate",
    "company_id",
    *DIMENSIONS,
)
_enc = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses for str


def _template(keys: Sequence[str], consts: dict[str, Any]) -> str:
    """A %-template of a JSON object with sorted keys (as json.dumps(sort_keys=True) writes it):
    constants written out, every other value a %s to be filled with JSON text in key order."""
    parts = []
    for k in sorted(keys):
        v = json.dumps(consts[k], ensure_ascii=False).replace("%", "%%") if k in consts else "%s"
        parts.append(f"{json.dumps(k)}:{v}")
    return "{" + ",".join(parts) + "}"


@dataclass
class _Plan:
    seq: int
    data: dict[str, Any]  # marshal-able: what the writer needs
    vouchers: int
    lines: int


class _Planner:
    """Assigns ids, numbers and hashes to a chunk of accepted vouchers; builds the writer's plan."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.company_id = run.company.id
        self.actor_id = run.uow.actor.user_id
        cols = run.cols
        self.fx = cols.currency >= 0
        self.dim_present = [i for i, d in enumerate(DIMENSIONS) if any(d == name for name, _ in cols.dims)]
        self.account_code = {aid: _enc(a.code) for aid, a in run.index.account_by_id.items()}
        self.dim_code: dict[int | None, str] = {
            vid: _enc(code) for vid, (_, code) in run.index.dim_codes.items()
        }
        self.dim_code[None] = "null"
        self.words = {w: _enc(w) for w in WORDS}
        self.dates: dict[str, str] = {}
        self.seq = 0
        self._ts_proc = Voucher.__table__.c.created_at.type.bind_processor(run.uow.db.engine.dialect)

    def _ts_text(self, now: datetime) -> str:
        value = self._ts_proc(now) if self._ts_proc else now
        return value if isinstance(value, str) else value.isoformat(sep=" ")

    def plan(
        self,
        accepted: list[Accepted],
        state: LedgerState,
        take_ids: Callable[[str, int], list[int]] | None,
        done_before: int,
    ) -> _Plan:
        """Number ``accepted`` after ``state`` (which is advanced) and build the writer's plan."""
        self.seq += 1
        run = self.run
        post = run.post
        cid = self.company_id
        now = utcnow()
        now_iso = now.isoformat()
        ts = self._ts_text(now)
        n_lines = sum(len(a[6]) for a in accepted)
        expect: dict[str, Any] = {
            "chain": [state.chain_seq, state.chain_head],
            "voucher_max_id": None if state.next_voucher_id is None else state.next_voucher_id - 1,
            "line_max_id": None if state.next_line_id is None else state.next_line_id - 1,
            "counters": [],
            "periods": sorted({a[2] for a in accepted}),
        }
        if state.next_voucher_id is None:
            assert take_ids is not None
            voucher_ids: Sequence[int] = take_ids("voucher", len(accepted))
            line_ids: Sequence[int] = take_ids("voucher_line", n_lines)
        else:
            assert state.next_line_id is not None
            voucher_ids = range(state.next_voucher_id, state.next_voucher_id + len(accepted))
            line_ids = range(state.next_line_id, state.next_line_id + n_lines)
            state.next_voucher_id += len(accepted)
            state.next_line_id += n_lines
        counters = state.counters
        before: dict[tuple[int, str], int] = {}
        head_consts = {
            "company": run.company.code,
            "attachments": 0,
            "source_type": SOURCE_TYPE,
            "source_id": run.batch_id,
            "reverses_id": None,
            "maker_id": self.actor_id,
            "reviewer_id": self.actor_id if post else None,
            "poster_id": self.actor_id if post else None,
            "created_at": now_iso,
            "reviewed_at": now_iso if post else None,
            "posted_at": now_iso if post else None,
            "status": "posted" if post else "draft",
        }
        head_tmpl = '{"h":' + _template(_HEADER_KEYS, head_consts) + ',"l":[%s]}'
        line_tmpl = _template(_LINE_KEYS, {"company_id": cid})
        plain_tmpl = _template(
            _LINE_KEYS, {"company_id": cid, "currency": None, "original": None, "rate": None}
        )
        # A stored line: (id, voucher_id, period, line_no) + these fields of an accepted line.
        picks = [0, 1, 2, 3] + ([4, 5, 6] if self.fx else []) + [7 + i for i in self.dim_present]
        row_of = itemgetter(*picks)
        account_code, dim_code, words, dates = self.account_code, self.dim_code, self.words, self.dates
        chain_seq, head = state.chain_seq, state.chain_head
        first_seq = chain_seq + 1
        accounts: set[int] = set()
        dim_refs: set[int | None] = set()
        v_rows: list[tuple[Any, ...]] = []
        l_rows: list[tuple[Any, ...]] = []
        v_append, l_append = v_rows.append, l_rows.append
        check_one = post  # one voucher a chunk is hashed again through service.payload_of
        li = 0
        sha256 = hashlib.sha256
        for vi, (source_ref, date_iso, period, word, total, summary, lines) in enumerate(accepted):
            key = (period, word)
            last = counters.get(key)
            if last is None:
                last = counters[key] = 0
            if key not in before:
                before[key] = last
            number = counters[key] = last + 1
            vid = voucher_ids[vi]
            first_li = li
            if not post:
                for line_no, ln in enumerate(lines, start=1):
                    l_append((line_ids[li], vid, period, line_no, *row_of(ln)))
                    li += 1
                    accounts.add(ln[1])
                    dim_refs.update(ln[7:])
                v_append((vid, period, word, number, date_iso, summary, source_ref, total))
                continue
            line_json = []
            for line_no, ln in enumerate(lines, start=1):
                lid = line_ids[li]
                li += 1
                l_append((lid, vid, period, line_no, *row_of(ln)))
                lsum, account_id, debit, credit, currency, original, rate, c0, c1, c2, c3, c4 = ln
                accounts.add(account_id)
                dim_refs.update(ln[7:])
                if currency is None and original is None and rate is None:
                    # sorted keys: account company_id credit currency customer debit department
                    # employee id line_no original period project rate summary supplier
                    text = plain_tmpl % (
                        account_code[account_id],
                        credit,
                        dim_code[c0],
                        debit,
                        dim_code[c2],
                        dim_code[c4],
                        lid,
                        line_no,
                        period,
                        dim_code[c3],
                        _enc(lsum),
                        dim_code[c1],
                    )
                else:
                    text = line_tmpl % (
                        account_code[account_id],
                        credit,
                        "null" if currency is None else _enc(currency),
                        dim_code[c0],
                        debit,
                        dim_code[c2],
                        dim_code[c4],
                        lid,
                        line_no,
                        "null" if original is None else original,
                        period,
                        dim_code[c3],
                        "null" if rate is None else _enc(rate),
                        _enc(lsum),
                        dim_code[c1],
                    )
                line_json.append(text)
            chain_seq += 1
            date_json = dates.get(date_iso)
            if date_json is None:
                date_json = dates[date_iso] = _enc(date_iso)
            # sorted header values: chain_seq date id number period prev_hash source_ref summary
            # total_minor word, then the lines
            payload = (
                head_tmpl
                % (
                    chain_seq,
                    date_json,
                    vid,
                    number,
                    period,
                    f'"{head}"',
                    _enc(source_ref),
                    _enc(summary),
                    total,
                    words[word],
                    ",".join(line_json),
                )
            ).encode("utf-8")
            if check_one:
                check_one = False
                v = (vid, period, word, number, date_iso, summary, source_ref, total, chain_seq, head)
                self._check_payload(payload, v, now, lines, line_ids[first_li:li])
            new_head = sha256(f"{head}\n".encode("ascii") + payload).hexdigest()
            v_append(
                (vid, period, word, number, date_iso, summary, source_ref, total, chain_seq, head, new_head)
            )
            head = new_head
        if post:
            state.chain_seq, state.chain_head = chain_seq, head
        return self._finish(
            state=state,
            expect=expect,
            before=before,
            accounts=sorted(accounts),
            dim_refs=sorted(d for d in dim_refs if d is not None),
            vouchers=v_rows,
            lines=l_rows,
            n_vouchers=len(accepted),
            n_lines=n_lines,
            voucher_ids=[voucher_ids[0], voucher_ids[-1]] if accepted else None,
            line_ids=[line_ids[0], line_ids[-1]] if n_lines else None,
            first_seq=first_seq,
            ts=ts,
            done_before=done_before,
        )

    def _finish(
        self,
        *,
        state: LedgerState,
        expect: dict[str, Any],
        before: dict[tuple[int, str], int],
        accounts: list[int],
        dim_refs: list[int],
        vouchers: Any,
        lines: Any,
        n_vouchers: int,
        n_lines: int,
        voucher_ids: list[int] | None,
        line_ids: list[int] | None,
        first_seq: int,
        ts: str,
        done_before: int,
    ) -> _Plan:
        """The writer's plan of a numbered chunk (``state`` is already advanced past it)."""
        run = self.run
        post = run.post
        cid = self.company_id
        chain_seq, head = state.chain_seq, state.chain_head
        data: dict[str, Any] = {
            "seq": self.seq,
            "company_id": cid,
            "batch_id": run.batch_id,
            "expect": expect | {"counters": [[p, w, n] for (p, w), n in before.items()]},
            "refs": {
                "account": accounts,
                "dimension_value": dim_refs,
                "app_user": [] if self.actor_id is None else [self.actor_id],
                "company": [cid],
            },
            "n_vouchers": n_vouchers,
            "vouchers": vouchers,
            "lines": lines,
            "counters": [[cid, p, w, state.counters[(p, w)]] for (p, w) in before],
            "post": post,
            "line_ids": line_ids,
            "voucher_ids": voucher_ids,
            "chain": [cid, chain_seq, head] if post else None,
            "audit": [
                ts,
                self.actor_id,
                run.uow.actor.username,
                cid,
                "voucher.import",
                "import_batch",
                str(run.batch_id),
                json.dumps(
                    {
                        "file": run.file,
                        "vouchers": n_vouchers,
                        "lines": n_lines,
                        "ids": voucher_ids,
                        "chain_seq": [first_seq, chain_seq] if post and n_vouchers else None,
                        "status": "posted" if post else "draft",
                    },
                    ensure_ascii=False,
                ),
                run.uow.actor.source,
            ],
            "batch": [done_before + n_vouchers, run.batch_id],
        }
        data["vouchers_columns"], data["vouchers_consts"] = self.voucher_columns(ts)
        data["lines_columns"], data["lines_consts"] = self.line_columns()
        return _Plan(self.seq, data, n_vouchers, n_lines)

    def _check_payload(
        self,
        payload: bytes,
        v: tuple[Any, ...],
        now: datetime,
        lines: list[tuple[Any, ...]],
        line_ids: Sequence[int],
    ) -> None:
        """Assert the fast payload is what service.payload_of derives from the stored row."""
        vid, period, word, number, date_iso, summary, source_ref, total, chain_seq, prev = v
        run = self.run
        row = Voucher(
            id=vid,
            company_id=self.company_id,
            period=period,
            word=word,
            number=number,
            date=date.fromisoformat(date_iso),
            attachments=0,
            status="posted",
            summary=summary,
            source_type=SOURCE_TYPE,
            source_id=run.batch_id,
            source_ref=source_ref,
            reverses_id=None,
            total_minor=total,
            maker_id=self.actor_id,
            reviewer_id=self.actor_id,
            poster_id=self.actor_id,
            created_at=now,
            reviewed_at=now,
            posted_at=now,
            chain_seq=chain_seq,
            prev_hash=prev,
        )
        for line_no, (ln, lid) in enumerate(zip(lines, line_ids, strict=True), start=1):
            row.lines.append(
                VoucherLine(
                    id=lid,
                    company_id=self.company_id,
                    period=period,
                    line_no=line_no,
                    summary=ln[0],
                    account_id=ln[1],
                    debit_minor=ln[2],
                    credit_minor=ln[3],
                    currency=ln[4],
                    original_minor=ln[5],
                    rate=None if ln[6] is None else Decimal(ln[6]),
                    **{f"{d}_id": ln[7 + i] for i, d in enumerate(DIMENSIONS)},
                )
            )
        expected = payload_of(run.company, row, run.index)
        assert payload == expected, f"import payload differs from payload_of:\n{payload!r}\n{expected!r}"

    def voucher_columns(self, ts: str) -> tuple[list[str], dict[str, Any]]:
        """(columns bound per row, constants of the chunk) of the voucher rows."""
        post = self.run.post
        consts = {
            "company_id": self.company_id,
            "attachments": 0,
            "status": "posted" if post else "draft",
            "source_type": SOURCE_TYPE,
            "source_id": self.run.batch_id,
            "maker_id": self.actor_id,
            "reviewer_id": self.actor_id if post else None,
            "poster_id": self.actor_id if post else None,
            "created_at": ts,
            "reviewed_at": ts if post else None,
            "posted_at": ts if post else None,
        }
        variables = ["id", "period", "word", "number", "date", "summary", "source_ref", "total_minor"]
        if post:
            variables += ["chain_seq", "prev_hash", "hash"]
        return variables, consts

    def line_columns(self) -> tuple[list[str], dict[str, Any]]:
        """(columns bound per row, constants of the chunk) of the line rows."""
        variables = [
            "id",
            "voucher_id",
            "period",
            "line_no",
            "summary",
            "account_id",
            "debit_minor",
            "credit_minor",
        ]
        if self.fx:
            variables += ["currency", "original_minor", "rate"]
        variables += [f"{DIMENSIONS[i]}_id" for i in self.dim_present]
        return variables, {"company_id": self.company_id}


class _ProcessWriter:
    """Writes plans in a child process (``bulk_writer``) while the parent validates the next chunk.

    A plain subprocess rather than multiprocessing: the child imports only the lean writer
    module (spawn would import the parent's whole CLI again), and nothing of the parent's
    SQLite connections is inherited (fork would be unsafe for them).
    """

    def __init__(self, db_path: str) -> None:
        import subprocess
        import sys

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "yecai.ledger.bulk_writer", db_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.inp, self.out = self.proc.stdin, self.proc.stdout
        self.pending: list[_Plan] = []

    def submit(self, plan: _Plan) -> list[tuple[_Plan, str, str]]:
        data = plan.data
        # Column-wise rows (DataFrames) follow the frame as Arrow IPC streams written straight
        # into the pipe: no copy into bytes, into marshal's buffer, and out again on the other side.
        streams = [k for k in ("vouchers", "lines") if hasattr(data[k], "write_ipc_stream")]
        try:
            write_frame(self.inp, marshal.dumps({**data, **dict.fromkeys(streams), "streams": streams}))
            for k in streams:
                write_ipc_stream(data[k], self.inp)
            self.inp.flush()
        except OSError:
            pass  # the writer ended; its answer (or EOF) says why
        for k in streams:
            data[k] = None  # sent: let the chunk's memory go
        self.pending.append(plan)
        done = []
        while len(self.pending) >= IN_FLIGHT_MAX:
            done.append(self._one())
        return done

    def _one(self) -> tuple[_Plan, str, str]:
        raw = read_frame(self.out)
        if raw is None:
            status, seq, reason = "error", self.pending[0].seq, "the writer process ended unexpectedly"
        else:
            status, seq, reason = marshal.loads(raw)
        plan = self.pending.pop(0)
        assert plan.seq == seq
        return plan, status, reason

    def drain(self) -> list[tuple[_Plan, str, str]]:
        done = []
        while self.pending:
            done.append(self._one())
        return done

    def close(self) -> None:
        try:
            write_frame(self.inp, b"")
            self.inp.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=60)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        self.out.close()


# --- the run -----------------------------------------------------------------------------------


class _Run:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        company: Company,
        index: LedgerIndex,
        cols: dict[str, int],
        header_width: int,
        file: str,
        post: bool,
        all_or_nothing: bool,
        batch_id: int,
        skip: set[str],
        summary: ImportSummary,
        chunk_vouchers: int,
    ) -> None:
        self.uow = uow
        self.company = company
        self.index = index
        self.cols = _Cols.of(cols, header_width)
        self.file = file
        self.post = post
        self.all_or_nothing = all_or_nothing
        self.batch_id = batch_id
        self.skip = skip
        self.summary = summary
        self.chunk_vouchers = chunk_vouchers
        self.validator = _Validator(index, self.cols, file)

    # -- grouping ---------------------------------------------------------------------------------

    def groups(self, reader: RowReader) -> Iterator[list[tuple[str, str, list[Row]]]]:
        """Chunks of vouchers: rows grouped by (voucher_no, date) within a look-ahead window.

        A voucher's rows may be anywhere in the current chunk or the next one; a row that comes
        after its voucher was already handed on is reported (import.rows_apart).
        """
        c = self.cols
        width = c.width
        limit = self.chunk_vouchers
        dates = self.validator.dates
        date_of = self.validator.date_of
        cur: dict[tuple[str, str], list[Row]] = {}
        nxt: dict[tuple[str, str], list[Row]] = {}
        flushed: set[int] = set()
        i_no, i_date = c.no, c.date
        pad = [""] * width
        n_rows = 0
        try:
            for cells in reader:
                n = len(cells)
                if n != width:
                    if n < width:
                        cells.extend(pad[n:])
                    else:
                        del cells[width:]
                no = cells[i_no].strip()
                dtext = cells[i_date].strip()
                if not no and not dtext and not any(x.strip() for x in cells):
                    continue  # a blank row
                n_rows += 1
                cells.append(reader.line_num)
                dp = dates.get(dtext) or date_of(dtext)
                key = (no, dp[0] if dp is not None else dtext)
                g = cur.get(key)
                if g is not None:
                    g.append(cells)
                    continue
                if nxt:
                    g = nxt.get(key)
                    if g is not None:
                        g.append(cells)
                        continue
                if flushed and hash(key) in flushed:
                    err = VoucherRowsApart(voucher_no=no, date=key[1], window=limit, field="voucher_no")
                    self.add_issues([self.validator.issue(err, cells[width])], rejected=0)
                    continue
                if len(cur) < limit:
                    cur[key] = [cells]
                    continue
                nxt[key] = [cells]
                if len(nxt) >= limit:
                    self.summary.rows = n_rows
                    yield [(k[0], k[1], g) for k, g in cur.items()]
                    flushed.update(hash(k) for k in cur)
                    cur, nxt = nxt, {}
        finally:
            self.summary.rows = n_rows
        if cur:
            yield [(k[0], k[1], g) for k, g in cur.items()]
        if nxt:
            yield [(k[0], k[1], g) for k, g in nxt.items()]

    def add_issues(self, issues: list[ImportIssue], rejected: int) -> None:
        s = self.summary
        s.vouchers_rejected += rejected
        s.issues_total += len(issues)
        room = ISSUES_KEPT_MAX - len(s.issues)
        if room > 0:
            s.issues.extend(issues[:room])

    def validate(self, chunk: list[tuple[str, str, list[Row]]]) -> list[Accepted]:
        accepted: list[Accepted] = []
        skip = self.skip
        fast = self.validator.fast
        slow = self.validator.slow
        checked = False
        for no, dkey, rows in chunk:
            if skip and f"{no[:SOURCE_REF_MAX]}{_KEY_SEP}{dkey}" in skip:
                self.summary.vouchers_skipped += 1
                continue
            voucher = fast(no, dkey, rows)
            if voucher is None:
                voucher, issues = slow(no, dkey, rows)
                if voucher is None:
                    self.add_issues(issues, rejected=1)
                    continue
            elif not checked:
                # Run-time proof, once a chunk, that the fast check agrees with the domain.
                checked = True
                again, again_issues = slow(no, dkey, rows)
                assert not again_issues and again == voucher, f"fast check disagrees with the domain: {no}"
            accepted.append(voucher)
        return accepted

    # -- the pipeline -----------------------------------------------------------------------------

    def execute(
        self,
        reader: RowReader | tuple[Path, int],
        *,
        progress: Callable[[int, int | None], None] | None,
        rows_total: int,
        parallel: bool,
    ) -> None:
        """Validate, plan and write every chunk; ``reader`` is a row reader, or (path, offset)
        of a plain CSV file read column-wise."""
        planner = _Planner(self)
        if isinstance(reader, tuple):
            from yecai.ledger import bulk_columnar

            chunks: Iterator[Any] = self._columnar_chunks(*reader)
            ipc = parallel

            def columnar_plan(batch: Any, state: LedgerState, take: Any, done: int) -> _Plan:
                return bulk_columnar.plan_batch(planner, batch, state, take, done, ipc=ipc)

            plan: Callable[..., _Plan] = columnar_plan
        else:
            chunks = (self.validate(chunk) for chunk in self.groups(reader))
            plan = planner.plan
        if progress:
            progress(0, rows_total)
        # Millions of short-lived lists and tuples, none in a cycle: the cyclic collector would
        # rescan every live chunk again and again (it was a third of the run time).
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            if parallel:
                assert self.uow.db.is_sqlite and not self.all_or_nothing
                self._execute_parallel(chunks, plan, progress, rows_total)
            elif self.all_or_nothing:
                self._execute_one_transaction(chunks, plan, progress, rows_total)
            else:
                self._execute_inline(chunks, plan, progress, rows_total)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _columnar_chunks(self, path: Path, offset: int) -> Iterator[Any]:
        """The accepted vouchers of each chunk (bulk_columnar.Batch), read column-wise."""
        from yecai.ledger import bulk_columnar

        grouper = bulk_columnar.Grouper(self)
        validator = bulk_columnar.ChunkValidator(self)
        for block in bulk_columnar.read_blocks(path, offset, self.cols.width):
            for chunk in grouper.feed(block):
                yield validator.validate(chunk)
        for chunk in grouper.feed(None):
            yield validator.validate(chunk)

    def _progress(self, progress: Callable[[int, int | None], None] | None, rows_total: int) -> None:
        if progress:
            progress(self.summary.rows, max(rows_total, self.summary.rows))

    def _cursor(self) -> tuple[Any, str]:
        conn = self.uow.session.connection()
        dbapi = conn.connection.driver_connection
        assert dbapi is not None
        return dbapi.cursor(), "format" if conn.dialect.name == "postgresql" else "qmark"

    @staticmethod
    def _take_ids(cur: Any) -> Callable[[str, int], list[int]]:
        def take(table: str, n: int) -> list[int]:
            if n == 0:
                return []
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", (table, n)
            )
            ids = [r[0] for r in cur.fetchall()]
            assert len(ids) == n
            return ids

        return take

    def _execute_inline(self, chunks: Iterator[Any], plan_of: Any, progress: Any, rows_total: int) -> None:
        """One transaction per chunk, in this process (PostgreSQL, or SQLite when asked)."""
        for accepted in chunks:
            if accepted:
                with self.uow:
                    cur, style = self._cursor()
                    state = read_state(cur, self.company.id, paramstyle=style, with_max_ids=style == "qmark")
                    plan = plan_of(accepted, state, self._take_ids(cur), self.summary.vouchers_imported)
                    reason = apply_plan(cur, plan.data, style)
                    assert reason is None, reason  # read under the same lock
                    self.uow.commit()
                self.summary.vouchers_imported += plan.vouchers
                self.summary.lines_imported += plan.lines
            self._progress(progress, rows_total)

    def _execute_one_transaction(
        self, chunks: Iterator[Any], plan_of: Any, progress: Any, rows_total: int
    ) -> None:
        """--all-or-nothing: everything in one transaction, rolled back on the first error."""
        imported = lines = valid = 0
        with self.uow:
            cur, style = self._cursor()
            state = read_state(cur, self.company.id, paramstyle=style, with_max_ids=style == "qmark")
            take = self._take_ids(cur)
            for accepted in chunks:
                valid += len(accepted)
                if self.summary.issues_total == 0 and accepted:
                    plan = plan_of(accepted, state, take, imported)
                    reason = apply_plan(cur, plan.data, style)
                    assert reason is None, reason
                    imported += plan.vouchers
                    lines += plan.lines
                self._progress(progress, rows_total)
            if self.summary.issues_total == 0:
                self.uow.commit()
                self.summary.vouchers_imported, self.summary.lines_imported = imported, lines
            else:
                # Nothing is written: the valid vouchers are rejected with the file.
                self.summary.vouchers_rejected += valid

    def _execute_parallel(self, chunks: Iterator[Any], plan_of: Any, progress: Any, rows_total: int) -> None:
        """SQLite: plans are written by a child process while the next chunk is validated.

        The plan for chunk k+1 is numbered after what chunk k will write; the writer re-checks
        that under its lock, so another writer slipping in between makes the import stop cleanly.
        """
        path = self.uow.db.url.split("///", 1)[-1]
        with self.uow:
            cur, style = self._cursor()
            state = read_state(cur, self.company.id, paramstyle=style, with_max_ids=True)
        writer = _ProcessWriter(path)
        planned = 0
        failure: tuple[str, str] | None = None
        stats = _Stats("main") if os.environ.get(STATS_ENV) else None
        try:
            for accepted in chunks:
                if accepted:
                    plan = plan_of(accepted, state, None, planned)
                    planned += plan.vouchers
                    if stats:
                        stats.busy_until_now()
                    failure = self._settle(writer.submit(plan))
                    if stats:
                        stats.idle_until_now()
                    if failure:
                        break
                self._progress(progress, rows_total)
            failure = self._settle(writer.drain()) or failure
        finally:
            writer.close()
            if stats:
                stats.idle_until_now()
                stats.report()
        if failure:
            status, reason = failure
            if status == "error":
                raise RuntimeError(f"voucher import writer failed: {reason}")
            raise ImportInterrupted(reason=reason, done=self.summary.vouchers_imported)

    def _settle(self, done: list[tuple[_Plan, str, str]]) -> tuple[str, str] | None:
        failure = None
        for plan, status, reason in done:
            if status == "ok":
                self.summary.vouchers_imported += plan.vouchers
                self.summary.lines_imported += plan.lines
            elif failure is None:
                failure = (status, reason)
        return failure
