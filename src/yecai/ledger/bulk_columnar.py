"""The voucher import, column-wise: reading, grouping, the fast check and planning with polars.

Used for plain UTF-8 CSV files (``importer.FileFacts.plain_csv``: no quotes, so each physical
line is one record and its cells are the text between commas); XLSX, GBK and quoted CSV take the
row-wise path of ``bulk``. Both must give the same result, row for row:

* **rows** are what ``csv.reader`` yields (padded or cut to the header's width, the file line
  of each kept), blank rows skipped; cells are stripped with Python's ``str.strip`` rules;
* **grouping** follows ``bulk._Run.groups`` exactly: vouchers are numbered in order of first
  appearance; chunk ``c`` holds vouchers ``c*N .. (c+1)*N-1`` and is handed on when voucher
  ``(c+2)*N-1`` first appears; a later row of one of its vouchers is ``import.rows_apart``;
* **the fast check** is ``bulk._Validator.fast`` as column expressions; every voucher it does not
  take (all refusals included) goes through ``_Validator.slow``, i.e. ``domain.validate_voucher``;
  once a chunk, a fast-accepted voucher is checked against the domain at run time;
* **planning** builds the same stored values and, for --post, the same hash payload as
  ``bulk._Planner`` (itself checked against ``service.payload_of`` once a chunk); only the
  SHA-256 chain itself is a Python loop.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from yecai.core.money import AMOUNT_MINOR_MAX
from yecai.ledger.domain import DIMENSIONS, LINES_MAX, WORDS
from yecai.ledger.importer import FileUnreadable, InvalidDate, parse_date

if TYPE_CHECKING:
    from yecai.ledger.bulk import _Plan, _Run, _Validator
    from yecai.ledger.bulk_writer import LedgerState

# What str.strip() strips: every character c with c.isspace() (a test keeps this in step).
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
BLOCK_BYTES = 4 << 20  # bytes of the file parsed at once
FIELD_LIMIT = 131_072  # csv.field_size_limit(): a longer cell makes csv.reader fail
CHECK_ALL = False  # tests: check every fast-accepted voucher against the domain, not one a chunk
_JSON_SPECIAL = r'["\\\x00-\x1f]'  # characters json.dumps escapes (with ensure_ascii=False)
_LINE_DIMS = [f"{d}_id" for d in DIMENSIONS]


def _strip(e: pl.Expr) -> pl.Expr:
    return e.str.strip_chars(PY_WHITESPACE)


# --- reading ---------------------------------------------------------------------------------------


def read_header(path: Path) -> tuple[list[str], int]:
    """The header row (as csv.reader gives it) and the byte offset of the first data line."""
    with path.open("rb") as fh:
        first = fh.readline()
    if not first:
        raise FileUnreadable(name=path.name, reason="the file is empty", file=str(path))
    text = first.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):
        text = text[:-1]
    return (text.split(",") if text else []), len(first)


def _parse_block(block: bytes, width: int, n_lines: int) -> pl.DataFrame:
    """The block's lines as ``width`` string columns c0.. (padded with "" or cut, as csv.reader)."""
    names = [f"c{i}" for i in range(width)]
    df = pl.read_csv(
        block,
        has_header=False,
        quote_char=None,
        schema=dict.fromkeys(names, pl.String),
        truncate_ragged_lines=True,
        extra_columns="ignore",
        missing_columns="insert",
        raise_if_empty=False,
        empty_string_is_null=False,
        comment_prefix=None,
    )
    if df.height != n_lines:
        # One record per physical line, empty lines included, is what the reader promises; if
        # it ever does not, split the lines ourselves (slower, same result).
        lines = pl.Series([block]).cast(pl.String).str.split("\n").explode()
        if block.endswith(b"\n"):
            lines = lines.head(-1)
        parts = lines.str.strip_suffix("\r").str.split(",")
        df = pl.DataFrame({n: parts.list.get(i, null_on_oob=True) for i, n in enumerate(names)})
    assert df.height == n_lines, (df.height, n_lines)
    return df.with_columns(pl.all().fill_null(""))


def read_blocks(path: Path, offset: int, width: int) -> Iterator[pl.DataFrame]:
    """Every data line of the file from ``offset``, in blocks: columns c0.., and ``line``."""
    line = 2
    rest = b""
    with path.open("rb") as fh:
        fh.seek(offset)
        eof = False
        while not eof:
            data = fh.read(BLOCK_BYTES)
            if data:
                buf = rest + data if rest else data
                cut = buf.rfind(b"\n")
                if cut < 0:
                    rest = buf
                    continue
                block, rest = buf[: cut + 1], buf[cut + 1 :]
            else:
                eof = True
                block, rest = rest, b""
                if not block:
                    break
            n_lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
            df = _parse_block(block, max(width, 1), n_lines)
            if width == 0:
                df = df.select(pl.lit("").alias("c0").head(0)).clear(n_lines)
            big = df.select(pl.max_horizontal(pl.all().str.len_bytes().max())).item() if width else 0
            if big and big > FIELD_LIMIT:
                hit = df.with_row_index("i").filter(
                    pl.any_horizontal(pl.exclude("i").str.len_chars() > FIELD_LIMIT)
                )
                if hit.height:
                    raise FileUnreadable(
                        name=path.name,
                        reason=f"field larger than field limit ({FIELD_LIMIT})",
                        file=str(path),
                        row=line + int(hit["i"][0]),
                    )
            yield df.with_columns(line=pl.int_range(line, line + n_lines, dtype=pl.Int64))
            line += n_lines


# --- grouping --------------------------------------------------------------------------------------


class Grouper:
    """Blocks of rows in, chunks of whole vouchers out; see the module docstring."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        c = run.cols
        self.width = c.width
        self.c_no, self.c_date = f"c{c.no}", f"c{c.date}"
        self.limit = run.chunk_vouchers
        self.pending: pl.DataFrame | None = None
        self.base = 0  # the first voucher (rank) of the pending rows: a multiple of limit
        self.flushed: list[pl.DataFrame] = []  # (no, dkey) of the vouchers handed on
        self.flushed_hashes: set[int] = set()  # and their _key_hash
        self.dates: dict[str, tuple[str | None, int | None]] = {}

    def _date_keys(self, texts: pl.Series) -> pl.DataFrame:
        """(dtext, iso, period) for the distinct date texts, each parsed by parse_date."""
        cache = self.dates
        keys = texts.unique().to_list()
        isos: list[str | None] = []
        periods: list[int | None] = []
        for t in keys:
            hit = cache.get(t)
            if hit is None:
                try:
                    d = parse_date(t)
                    hit = (d.isoformat(), d.year * 100 + d.month)
                except InvalidDate:
                    hit = (None, None)
                if len(cache) < 100_000:
                    cache[t] = hit
            isos.append(hit[0])
            periods.append(hit[1])
        return pl.DataFrame(
            {"dtext": keys, "iso": isos, "period": periods},
            schema={"dtext": pl.String, "iso": pl.String, "period": pl.Int64},
        )

    def rows(self, block: pl.DataFrame) -> pl.DataFrame:
        """The block's non-blank rows with their key (no, dkey) and date (iso, period)."""
        block = block.with_columns(no=_strip(pl.col(self.c_no)), dtext=_strip(pl.col(self.c_date)))
        maybe_blank = (block["no"] == "") & (block["dtext"] == "")
        if maybe_blank.any():
            # a row is blank when every cell strips to nothing, i.e. when all of them together do
            cells = [f"c{i}" for i in range(self.width)]
            idx = maybe_blank.arg_true()
            blank = block[idx].select(_strip(pl.concat_str(cells)) == "").to_series()
            drop = pl.Series("drop", [False] * block.height).scatter(idx.filter(blank), True)
            block = block.filter(~drop)
        dates = self._date_keys(block["dtext"])
        block = block.join(dates, on="dtext", how="left", maintain_order="left")
        return block.with_columns(dkey=pl.coalesce("iso", "dtext")).drop("dtext")

    @staticmethod
    def _key_hash(df: pl.DataFrame) -> pl.Series:
        return df.select(pl.struct("no", "dkey").hash().alias("h")).to_series()

    def feed(self, block: pl.DataFrame | None) -> Iterator[pl.DataFrame]:
        """Chunks completed by this block (None: the end of the file, every chunk left)."""
        limit = self.limit
        if block is not None:
            rows = self.rows(block)
            self.run.summary.rows += rows.height
            if self.flushed_hashes and rows.height:
                # Only the vouchers handed on can make rows apart: a hash of their keys is looked
                # up first, the exact (slower) join runs only when one of them matches.
                heads = rows.filter(_run_starts(rows))
                if not self.flushed_hashes.isdisjoint(self._key_hash(heads).to_list()):
                    flushed = pl.concat(self.flushed, rechunk=False)
                    apart = rows.join(flushed, on=["no", "dkey"], how="semi", maintain_order="left")
                    if apart.height:
                        self._apart(apart)
                        rows = rows.join(flushed, on=["no", "dkey"], how="anti", maintain_order="left")
            both = rows if self.pending is None else pl.concat([self.pending, rows])
        else:
            if self.pending is None:
                return
            both = self.pending
        starts = _run_starts(both)
        heads = both.filter(starts)
        head_hashes = self._key_hash(heads)
        adjacent = heads.height == head_hashes.n_unique()
        if adjacent:
            # The normal case: the rows of each voucher are adjacent. Vouchers are the runs of
            # equal keys in order, none comes back, so no row is late: no ranking, no joins.
            both = both.with_columns(rank=(starts.cum_sum().cast(pl.Int64) - 1 + self.base))
            n_keys = self.base + heads.height
        else:
            both, n_keys = self._rank(both)
        if block is None:
            done_until = n_keys  # every voucher left
        else:
            # the chunks whose hand-on voucher has appeared: c + 2 <= n_keys // limit
            done_until = max(self.base, (n_keys // limit - 1) * limit)
        if adjacent:
            # ranks ascend: the ready rows and the chunks are slices (no copies)
            ranks = both["rank"]
            cut = int(ranks.search_sorted(done_until, side="left"))
            ready, pending = both.slice(0, cut), both.slice(cut).drop("rank")
            n_ready = done_until - self.base  # vouchers handed on, i.e. the first heads
            self.flushed.append(heads.slice(0, n_ready).select("no", "dkey"))
            self.flushed_hashes.update(head_hashes.slice(0, n_ready).to_list())
            self.pending = pending if block is not None and pending.height else None
            for lo in range(self.base, done_until, limit):
                a = int(ranks.search_sorted(lo, side="left"))
                b = int(ranks.search_sorted(min(lo + limit, done_until), side="left"))
                if b > a:
                    yield ready.slice(a, b - a)
            self.base = done_until if block is not None else self.base
            return
        ready = both.filter(pl.col("rank") < done_until)
        pending = both.filter(pl.col("rank") >= done_until).drop("rank") if block is not None else None
        self.pending = pending if pending is not None and pending.height else None
        if ready.height:
            if not ready["rank"].is_sorted():
                ready = ready.sort("rank", "line")
            keys = ready.filter(_run_starts(ready)).select("no", "dkey")
            self.flushed.append(keys)
            self.flushed_hashes.update(self._key_hash(keys).to_list())
            chunk_of = (pl.col("rank") // limit).alias("chunk")
            for _, chunk in ready.with_columns(chunk_of).group_by("chunk", maintain_order=True):
                yield chunk.drop("chunk")
        self.base = done_until if block is not None else self.base

    def _rank(self, both: pl.DataFrame) -> tuple[pl.DataFrame, int]:
        """Rows of one voucher apart from each other: number the vouchers in order of their first
        row, and report the rows that come after their chunk was handed on."""
        limit = self.limit
        first = pl.col("line").min().over(["no", "dkey"])
        both = both.with_columns(rank=(first.rank("dense") - 1).cast(pl.Int64) + self.base)
        n_keys = int(both["rank"].max()) + 1 if both.height else self.base  # type: ignore[arg-type]
        # Chunk c is handed on at the first row of voucher (c+2)*limit-1; its rows after that
        # are import.rows_apart.
        firsts = both.group_by("rank").agg(pl.col("line").min().alias("flush_line"))
        both = (
            both.with_columns(flush_rank=(pl.col("rank") // limit + 2) * limit - 1)
            .join(firsts.rename({"rank": "flush_rank"}), on="flush_rank", how="left", maintain_order="left")
            .drop("flush_rank")
        )
        late = pl.col("flush_line").is_not_null() & (pl.col("line") > pl.col("flush_line"))
        apart = both.filter(late)
        if apart.height:
            self._apart(apart)
            both = both.filter(~late)
        return both.drop("flush_line"), n_keys

    def _apart(self, rows: pl.DataFrame) -> None:
        from yecai.ledger.bulk import VoucherRowsApart

        v = self.run.validator
        issues = [
            v.issue(VoucherRowsApart(voucher_no=no, date=dkey, window=self.limit, field="voucher_no"), line)
            for no, dkey, line in rows.select("no", "dkey", "line").sort("line").iter_rows()
        ]
        self.run.add_issues(issues, rejected=0)


def _run_starts(df: pl.DataFrame) -> pl.Series:
    """True at each row whose key (no, dkey) differs from the row before."""
    change = (pl.col("no") != pl.col("no").shift(1)) | (pl.col("dkey") != pl.col("dkey").shift(1))
    return df.select(change.fill_null(True).alias("start")).to_series()


# --- the fast check --------------------------------------------------------------------------------


def with_minor(df: pl.DataFrame, cells: dict[str, str], places: int) -> pl.DataFrame:
    """Add, for each (amount column, cell column), the non-empty amount cell in minor units when
    it is plain digits with at most ``places`` decimals (as _Validator.minor), else null; an
    empty cell is 0. (Two steps: one big expression evaluated its parts several times.)"""
    pattern = rf"^[0-9]+(?:\.[0-9]{{1,{places}}})?$" if places else r"^[0-9]+$"
    width = 16 + (places + 1 if places else 0)  # 16 digits and the point: far above the maximum
    first: list[pl.Expr] = []
    for name, cell in cells.items():
        t = pl.col(cell)
        digits = t.str.replace(".", "", literal=True) if places else t
        first += [
            pl.when(t.str.contains(pattern) & (t.str.len_bytes() <= width))
            .then(digits.cast(pl.Int64, strict=False))
            .alias(f"_{name}_digits"),
            (t.str.len_bytes() - 1 - t.str.find(".", literal=True)).fill_null(0).alias(f"_{name}_decimals"),
        ]
    df = df.with_columns(first)
    second: list[pl.Expr] = []
    for name, cell in cells.items():
        scale = pl.lit(10**places, pl.Int64)
        for dec in range(1, places + 1):
            scale = (
                pl.when(pl.col(f"_{name}_decimals") == dec)
                .then(pl.lit(10 ** (places - dec), pl.Int64))
                .otherwise(scale)
            )
        value = pl.col(f"_{name}_digits") * scale
        second.append(
            pl.when(pl.col(cell) == "")
            .then(pl.lit(0, pl.Int64))
            .when(value < AMOUNT_MINOR_MAX)
            .then(value)
            .otherwise(None)
            .alias(name)
        )
    return df.with_columns(second).drop([f"_{n}_{x}" for n in cells for x in ("digits", "decimals")])


class Batch:
    """The accepted vouchers of one chunk: ``vouchers`` and ``lines``, ordered as in the file."""

    def __init__(self, vouchers: pl.DataFrame, lines: pl.DataFrame) -> None:
        self.vouchers = vouchers  # rank source_ref date period word total summary
        self.lines = lines  # rank line_no summary account_id debit credit currency original rate *_id

    def __len__(self) -> int:
        return self.vouchers.height


_V_SCHEMA = {
    "rank": pl.Int64,
    "source_ref": pl.String,
    "date": pl.String,
    "period": pl.Int64,
    "word": pl.String,
    "total": pl.Int64,
    "summary": pl.String,
}
_L_SCHEMA = {
    "rank": pl.Int64,
    "line_no": pl.Int64,
    "summary": pl.String,
    "account_id": pl.Int64,
    "debit": pl.Int64,
    "credit": pl.Int64,
    "currency": pl.String,
    "original": pl.Int64,
    "rate": pl.String,
    **dict.fromkeys(_LINE_DIMS, pl.Int64),
}


class ChunkValidator:
    """``_Validator.fast`` over a whole chunk at once; the rest goes to ``_Validator.slow``."""

    def __init__(self, run: _Run) -> None:
        from yecai.ledger.bulk import SOURCE_REF_MAX, SUMMARY_MAX

        self.run = run
        v: _Validator = run.validator
        self.v = v
        c = run.cols
        self.c = c
        self.ref_max, self.summary_max = SOURCE_REF_MAX, SUMMARY_MAX
        dims = [d for d, _ in c.dims]
        self.dims = dims
        codes: list[str] = []
        ids: list[int] = []
        reqs: dict[str, list[bool]] = {d: [] for d in dims}
        for code, (aid, required, _) in v.fast_accounts.items():
            codes.append(code)
            ids.append(aid)
            need = {DIMENSIONS[i] for i, _ in required}
            for d in dims:
                reqs[d].append(d in need)
        self.accounts = pl.DataFrame(
            {"acc": codes, "account_id": ids, **{f"req_{d}": reqs[d] for d in dims}},
            schema={"acc": pl.String, "account_id": pl.Int64, **{f"req_{d}": pl.Boolean for d in dims}},
        )
        self.dim_tables = {
            d: pl.DataFrame(
                {
                    f"v_{d}": list(v.dim_ids[DIMENSIONS.index(d)]),
                    f"{d}_id": list(v.dim_ids[DIMENSIONS.index(d)].values()),
                },
                schema={f"v_{d}": pl.String, f"{d}_id": pl.Int64},
            )
            for d in dims
        }
        self.open_periods = pl.Series(sorted(v.open_periods), dtype=pl.Int64)
        self.skip = pl.Series(sorted(run.skip), dtype=pl.String) if run.skip else None

    def validate(self, chunk: pl.DataFrame) -> Batch:
        run, c, v = self.run, self.c, self.v
        chunk = chunk.with_columns(source_ref=pl.col("no").str.slice(0, self.ref_max))
        if self.skip is not None:
            from yecai.ledger.bulk import _KEY_SEP

            done = pl.concat_str("source_ref", pl.lit(_KEY_SEP), "dkey").is_in(self.skip.implode())
            skipped = chunk.filter(done)
            if skipped.height:
                run.summary.vouchers_skipped += skipped["rank"].n_unique()
                chunk = chunk.filter(~done)
        col = lambda i: pl.col(f"c{i}")  # noqa: E731
        exprs: list[pl.Expr] = [
            _strip(col(c.account)).alias("acc"),
            _strip(col(c.summary)).str.slice(0, self.summary_max).alias("summary"),
        ]
        if c.word >= 0:
            w = _strip(col(c.word))
            exprs.append(pl.when(w == "").then(pl.lit("记")).otherwise(w).alias("word"))
        else:
            exprs.append(pl.lit("记").alias("word"))
        for d, i in c.dims:
            exprs.append(_strip(col(i)).alias(f"v_{d}"))
        fx_empty = pl.lit(True)
        for i in v.fx_cols:
            fx_empty = fx_empty & (_strip(col(i)) == "")
        exprs.append(fx_empty.alias("fx_empty"))
        rows = with_minor(chunk, {"debit": f"c{c.debit}", "credit": f"c{c.credit}"}, v.places)
        rows = rows.with_columns(exprs).join(self.accounts, on="acc", how="left", maintain_order="left")
        dim_ok = pl.lit(True)
        for d in self.dims:
            rows = rows.join(self.dim_tables[d], on=f"v_{d}", how="left", maintain_order="left")
            ok_d = (
                pl.when(pl.col(f"req_{d}"))
                .then(pl.col(f"{d}_id").is_not_null())
                .otherwise(pl.col(f"v_{d}") == "")
            )
            dim_ok = dim_ok & ok_d
        row_ok = (
            pl.col("account_id").is_not_null()
            & (pl.col("summary") != "")
            & pl.col("fx_empty")
            & pl.col("debit").is_not_null()
            & pl.col("credit").is_not_null()
            & ((pl.col("debit") == 0) != (pl.col("credit") == 0))
            & dim_ok
        )
        rows = rows.with_columns(row_ok.fill_null(False).alias("ok"))
        per = rows.group_by("rank", maintain_order=True).agg(
            pl.len().alias("n"),
            pl.col("ok").all().alias("ok"),
            pl.col("debit").sum().alias("total"),
            pl.col("credit").sum().alias("total_c"),
            pl.col("word").first().alias("word"),
            pl.col("word").n_unique().alias("words"),
            pl.col("no").first(),
            pl.col("dkey").first(),
            pl.col("iso").first(),
            pl.col("period").first(),
            pl.col("summary").first(),
            pl.col("source_ref").first(),
        )
        plain = (
            pl.col("ok")
            & pl.col("n").is_between(2, LINES_MAX)
            & (pl.col("no") != "")
            & pl.col("iso").is_not_null()
            & pl.col("period").is_in(self.open_periods.implode())
            & pl.col("word").is_in(list(WORDS))
            & (pl.col("words") == 1)
            & (pl.col("total") == pl.col("total_c"))
        )
        per = per.with_columns(plain.fill_null(False).alias("plain"))
        fast_v = per.filter("plain")
        fast_ranks = fast_v["rank"]
        dim_cols = [
            pl.when(pl.col(f"req_{d}")).then(pl.col(f"{d}_id")).otherwise(None).alias(f"{d}_id")
            if d in self.dims
            else pl.lit(None, pl.Int64).alias(f"{d}_id")
            for d in DIMENSIONS
        ]
        slow_ranks = per.filter(~pl.col("plain"))["rank"]
        fast_rows = rows.filter(pl.col("rank").is_in(fast_ranks.implode())) if slow_ranks.len() else rows
        # line numbers: the rows of a voucher are adjacent, so position minus its first position
        pos = pl.int_range(pl.len(), dtype=pl.Int64)
        first = pl.when(pl.col("rank") != pl.col("rank").shift(1, fill_value=-1)).then(pos).forward_fill()
        fast_l = fast_rows.select(
            "rank",
            (pos - first + 1).alias("line_no"),
            "summary",
            "account_id",
            "debit",
            "credit",
            pl.lit(None, pl.String).alias("currency"),
            pl.lit(None, pl.Int64).alias("original"),
            pl.lit(None, pl.String).alias("rate"),
            *dim_cols,
        )
        vouchers = fast_v.select(
            "rank", "source_ref", pl.col("iso").alias("date"), "period", "word", "total", "summary"
        )
        for i in range(fast_ranks.len() if CHECK_ALL else min(1, fast_ranks.len())):
            rank = fast_ranks[i]
            self._check_one(chunk, vouchers.slice(i, 1), fast_l.filter(pl.col("rank") == rank))
        if slow_ranks.len():
            sv, sl = self._slow(chunk.filter(pl.col("rank").is_in(slow_ranks.implode())))
            if sv:
                vouchers = pl.concat([vouchers, pl.DataFrame(sv, schema=_V_SCHEMA, orient="row")]).sort(
                    "rank"
                )
                fast_l = pl.concat([fast_l, pl.DataFrame(sl, schema=_L_SCHEMA, orient="row")]).sort(
                    "rank", "line_no"
                )
        return Batch(vouchers, fast_l)

    def _voucher_rows(self, chunk: pl.DataFrame) -> Iterator[tuple[int, str, str, list[list[Any]]]]:
        """(rank, no, dkey, rows as bulk's Row lists) of every voucher of ``chunk``."""
        cells = [f"c{i}" for i in range(self.c.width)]
        current: list[list[Any]] = []
        key: tuple[int, str, str] | None = None
        for r in chunk.select(*cells, "line", "rank", "no", "dkey").iter_rows():
            k = (r[-3], r[-2], r[-1])
            if k != key:
                if key is not None:
                    yield (*key, current)
                key, current = k, []
            current.append(list(r[:-3]))
        if key is not None:
            yield (*key, current)

    def _slow(self, chunk: pl.DataFrame) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The domain's verdict on every voucher of ``chunk``: accepted rows, issues reported."""
        vs: list[tuple[Any, ...]] = []
        ls: list[tuple[Any, ...]] = []
        for rank, no, dkey, rows in self._voucher_rows(chunk):
            voucher, issues = self.v.slow(no, dkey, rows)
            if voucher is None:
                self.run.add_issues(issues, rejected=1)
                continue
            source_ref, date_iso, period, word, total, summary, lines = voucher
            vs.append((rank, source_ref, date_iso, period, word, total, summary))
            for line_no, ln in enumerate(lines, start=1):
                ls.append((rank, line_no, *ln))
        return vs, ls

    def _check_one(self, chunk: pl.DataFrame, voucher: pl.DataFrame, lines: pl.DataFrame) -> None:
        """Run-time proof, once a chunk, that the column-wise fast check agrees with the domain."""
        rank = voucher["rank"][0]
        ((_, no, dkey, rows),) = list(self._voucher_rows(chunk.filter(pl.col("rank") == rank)))
        again, issues = self.v.slow(no, dkey, rows)
        _, source_ref, date_iso, period, word, total, summary = voucher.row(0)
        fast = (
            source_ref,
            date_iso,
            period,
            word,
            total,
            summary,
            [tuple(r[2:]) for r in lines.iter_rows()],
        )
        assert not issues and again == fast, f"fast check disagrees with the domain: {no}\n{again}\n{fast}"


# --- planning --------------------------------------------------------------------------------------


def _json_text(s: pl.Series) -> pl.Series:
    """json.dumps(ensure_ascii=False) of each (non-null) string; "null" for null."""
    from yecai.ledger.bulk import _enc

    out = ('"' + s + '"').fill_null("null")
    special = s.str.contains(_JSON_SPECIAL).fill_null(False)
    if special.any():
        idx = special.arg_true()
        out = out.scatter(idx, [_enc(x) for x in s.gather(idx).to_list()])
    return out


def _pieces(keys: Sequence[str], consts: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The JSON object with sorted keys as json.dumps(sort_keys=True) writes it: the literal
    pieces between the variable values, and the variables' names in order."""
    import json

    pieces, names, text = [], [], "{"
    for i, k in enumerate(sorted(keys)):
        text += ("," if i else "") + json.dumps(k) + ":"
        if k in consts:
            text += json.dumps(consts[k], ensure_ascii=False)
        else:
            pieces.append(text)
            names.append(k)
            text = ""
    pieces.append(text + "}")
    return pieces, names


def _concat(
    pieces: list[str],
    values: dict[str, pl.Expr],
    names: list[str],
    *,
    before: pl.Expr | None = None,
    after: pl.Expr | None = None,
) -> pl.Expr:
    parts: list[pl.Expr] = [] if before is None else [before]
    for piece, name in zip(pieces, names, strict=False):
        if piece:
            parts.append(pl.lit(piece))
        parts.append(values[name])
    if pieces[-1]:
        parts.append(pl.lit(pieces[-1]))
    if after is not None:
        parts.append(after)
    return pl.concat_str(parts)


def plan_batch(
    planner: Any,
    batch: Batch,
    state: LedgerState,
    take_ids: Callable[[str, int], list[int]] | None,
    done_before: int,
    *,
    ipc: bool,
) -> _Plan:
    """``_Planner.plan`` column-wise: number, id and hash ``batch`` after ``state`` (advanced)."""
    from yecai.ledger.bulk import _HEADER_KEYS, _LINE_KEYS, SOURCE_TYPE, _enc
    from yecai.store.base import utcnow

    planner.seq += 1
    run = planner.run
    post = run.post
    cid = planner.company_id
    now = utcnow()
    now_iso = now.isoformat()
    ts = planner._ts_text(now)
    V, L = batch.vouchers, batch.lines
    n_v, n_l = V.height, L.height
    expect: dict[str, Any] = {
        "chain": [state.chain_seq, state.chain_head],
        "voucher_max_id": None if state.next_voucher_id is None else state.next_voucher_id - 1,
        "line_max_id": None if state.next_line_id is None else state.next_line_id - 1,
        "counters": [],
        "periods": sorted(V["period"].unique().to_list()),
    }
    if state.next_voucher_id is None:
        assert take_ids is not None
        vids = pl.Series(take_ids("voucher", n_v), dtype=pl.Int64)
        lids = pl.Series(take_ids("voucher_line", n_l), dtype=pl.Int64)
    else:
        assert state.next_line_id is not None
        vids = pl.int_range(state.next_voucher_id, state.next_voucher_id + n_v, dtype=pl.Int64, eager=True)
        lids = pl.int_range(state.next_line_id, state.next_line_id + n_l, dtype=pl.Int64, eager=True)
        state.next_voucher_id += n_v
        state.next_line_id += n_l
    # gapless numbers per (period, word), after the counters
    counters = state.counters
    keys = V.select("period", "word").unique(maintain_order=True).rows()
    before = {k: counters.get(k, 0) for k in keys}
    base = pl.DataFrame(
        {"period": [k[0] for k in keys], "word": [k[1] for k in keys], "base": list(before.values())},
        schema={"period": pl.Int64, "word": pl.String, "base": pl.Int64},
    )
    V = V.with_columns(ord=pl.int_range(n_v, dtype=pl.Int64), id=vids)
    V = V.join(base, on=["period", "word"], how="left", maintain_order="left").with_columns(
        number=pl.col("base") + pl.int_range(pl.len(), dtype=pl.Int64).over("period", "word") + 1,
        chain_seq=pl.col("ord") + state.chain_seq + 1,
    )
    last = {(p, w): n for p, w, n in V.group_by("period", "word").agg(pl.col("number").max()).iter_rows()}
    for k, n in last.items():
        counters[k] = n
    L = L.join(
        V.select("rank", "ord", pl.col("id").alias("voucher_id"), "period"),
        on="rank",
        how="left",
        maintain_order="left",
    )
    L = L.with_columns(id=lids)
    first_seq = state.chain_seq + 1
    v_cols, _ = planner.voucher_columns(ts)
    l_cols, _ = planner.line_columns()
    if post:
        head_consts = {
            "company": run.company.code,
            "attachments": 0,
            "source_type": SOURCE_TYPE,
            "source_id": run.batch_id,
            "reverses_id": None,
            "maker_id": planner.actor_id,
            "reviewer_id": planner.actor_id,
            "poster_id": planner.actor_id,
            "created_at": now_iso,
            "reviewed_at": now_iso,
            "posted_at": now_iso,
            "status": "posted",
        }
        h_pieces, h_names = _pieces(_HEADER_KEYS, head_consts)
        # Columns null on every line of the chunk are written into the template as null.
        nullable = {"currency": "currency", "original": "original", "rate": "rate"}
        nullable |= {d: f"{d}_id" for d in DIMENSIONS}
        line_consts: dict[str, Any] = {"company_id": cid}
        line_consts |= {k: None for k, col in nullable.items() if L[col].null_count() == n_l}
        l_pieces, l_names = _pieces(_LINE_KEYS, line_consts)
        account_json = {aid: _enc(a.code) for aid, a in run.index.account_by_id.items()}
        dim_json = {vid: _enc(code) for vid, (_, code) in run.index.dim_codes.items()}

        def ids_json(name: str, mapping: dict[int, str]) -> pl.Expr:
            return (
                pl.col(name).replace_strict(mapping, default=None, return_dtype=pl.String).fill_null("null")
            )

        L = L.with_columns(
            j_summary=_json_text(L["summary"]),
            **{f"j_{k}": _json_text(L[k]) for k in ("currency", "rate") if k in l_names},
        )
        line_values: dict[str, pl.Expr] = {
            "account": ids_json("account_id", account_json),
            "credit": pl.col("credit").cast(pl.String),
            "currency": pl.col("j_currency") if "currency" in l_names else pl.lit(None),
            "debit": pl.col("debit").cast(pl.String),
            "id": pl.col("id").cast(pl.String),
            "line_no": pl.col("line_no").cast(pl.String),
            "original": pl.col("original").cast(pl.String).fill_null("null"),
            "period": pl.col("period").cast(pl.String),
            "rate": pl.col("j_rate") if "rate" in l_names else pl.lit(None),
            "summary": pl.col("j_summary"),
            **{d: ids_json(f"{d}_id", dim_json) for d in DIMENSIONS if d in l_names},
        }
        # The lines of every voucher back to back in one buffer: a comma before all but the
        # first line of a voucher, "]}" after its last one (one concatenation for all of it).
        is_last = pl.col("line_no").shift(-1).fill_null(1) == 1
        pieces = L.select(
            _concat(
                l_pieces,
                line_values,
                l_names,
                before=pl.when(pl.col("line_no") == 1).then(pl.lit("")).otherwise(pl.lit(",")),
                after=pl.when(is_last).then(pl.lit("]}")).otherwise(pl.lit("")),
            ).alias("p"),
            is_last.alias("last"),
        )
        V = V.with_columns(j_ref=_json_text(V["source_ref"]), j_summary=_json_text(V["summary"]))
        head_values: dict[str, pl.Expr] = {
            "chain_seq": pl.col("chain_seq").cast(pl.String),
            "date": pl.lit('"') + pl.col("date") + pl.lit('"'),
            "id": pl.col("id").cast(pl.String),
            "number": pl.col("number").cast(pl.String),
            "period": pl.col("period").cast(pl.String),
            "source_ref": pl.col("j_ref"),
            "summary": pl.col("j_summary"),
            "total_minor": pl.col("total").cast(pl.String),
            "word": pl.lit('"') + pl.col("word") + pl.lit('"'),  # 记 收 付 转: nothing to escape
        }
        # payload = {"h":{...,"prev_hash":"<prev>",...},"l":[line,line,...]}: the text before
        # <prev> ("a"), and after it, which is the rest of the header ("b") and the lines.
        at = h_names.index("prev_hash")
        h_pieces[0] = '{"h":' + h_pieces[0]
        before_prev = _concat(h_pieces[: at + 1], head_values, h_names[:at])
        after_pieces = ['"' + h_pieces[at + 1], *h_pieces[at + 2 :]]
        after_pieces[-1] = after_pieces[-1] + ',"l":['
        after_prev = _concat(after_pieces, head_values, h_names[at + 1 :])
        parts = V.select(before_prev.alias("a"), after_prev.alias("b"))
        ends = pieces["p"].str.len_bytes().cast(pl.Int64).cum_sum().filter(pieces["last"]).to_list()
        tail = pieces["p"].str.join("").cast(pl.Binary)[0]
        del pieces
        a_list = parts["a"].cast(pl.Binary).to_list()
        b_list = parts["b"].cast(pl.Binary).to_list()
        del parts
        hashes: list[str] = []
        sha256 = hashlib.sha256
        h_append = hashes.append
        head = state.chain_head
        hb = head.encode("ascii")
        mv = memoryview(tail)
        start = 0
        for a, b, end in zip(a_list, b_list, ends, strict=True):
            head = sha256(b"".join((hb, b"\n", a, b'"', hb, b, mv[start:end]))).hexdigest()
            h_append(head)
            hb = head.encode("ascii")
            start = end
        prevs = [state.chain_head, *hashes[:-1]] if n_v else []
        if n_v:
            # once a chunk: the payload is what service.payload_of derives from the stored row
            r = V.row(0, named=True)
            payload = b"".join((a_list[0], b'"', prevs[0].encode("ascii"), b_list[0], mv[: ends[0]]))
            v0 = (
                r["id"],
                r["period"],
                r["word"],
                r["number"],
                r["date"],
                r["summary"],
                r["source_ref"],
                r["total"],
                r["chain_seq"],
                prevs[0],
            )
            l0 = L.filter(pl.col("rank") == r["rank"])
            lines0 = [
                (
                    x["summary"],
                    x["account_id"],
                    x["debit"],
                    x["credit"],
                    x["currency"],
                    x["original"],
                    x["rate"],
                    *(x[f"{d}_id"] for d in DIMENSIONS),
                )
                for x in l0.iter_rows(named=True)
            ]
            planner._check_payload(payload, v0, now, lines0, l0["id"].to_list())
        V = V.with_columns(
            prev_hash=pl.Series(prevs, dtype=pl.String), hash=pl.Series(hashes, dtype=pl.String)
        )
        state.chain_seq += n_v
        state.chain_head = head
    vout = V.select(
        pl.col("id"),
        pl.col("period"),
        pl.col("word"),
        pl.col("number"),
        pl.col("date"),
        pl.col("summary"),
        pl.col("source_ref"),
        pl.col("total").alias("total_minor"),
        *([pl.col("chain_seq"), pl.col("prev_hash"), pl.col("hash")] if post else []),
    )
    assert vout.columns == v_cols, (vout.columns, v_cols)
    renames = {"debit": "debit_minor", "credit": "credit_minor", "original": "original_minor"}
    lout = L.rename(renames).select(l_cols)
    accounts = sorted(L["account_id"].unique().to_list())
    dim_refs: set[int] = set()
    for d in DIMENSIONS:
        dim_refs.update(x for x in L[f"{d}_id"].unique().to_list() if x is not None)
    balances = None
    if post:
        # the posted movements of the chunk, as post_rows adds them up
        sums = L.group_by("account_id", "period").agg(pl.col("debit").sum(), pl.col("credit").sum())
        balances = [[cid, a, p, d, c] for a, p, d, c in sums.sort("account_id", "period").iter_rows()]
    if ipc:
        # sent to the writer process as Arrow IPC streams, written straight into its pipe
        vouchers: Any = vout
        lines: Any = lout
    else:
        vouchers, lines = vout.rows(), lout.rows()
    plan: _Plan = planner._finish(
        state=state,
        expect=expect,
        before=before,
        accounts=accounts,
        dim_refs=sorted(dim_refs),
        vouchers=vouchers,
        lines=lines,
        n_vouchers=n_v,
        n_lines=n_l,
        voucher_ids=[vids[0], vids[-1]] if n_v else None,
        line_ids=[lids[0], lids[-1]] if n_l else None,
        first_seq=first_seq,
        ts=ts,
        done_before=done_before,
    )
    plan.data["balances"] = balances
    return plan
