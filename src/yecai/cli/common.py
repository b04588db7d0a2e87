"""What every CLI command shares: the acting user, the database, errors, output formats, progress."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from yecai.core.errors import ValidationFailed, YecaiError
from yecai.core.i18n import current_locale, gettext

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported by the commands that use it, not at start
    from yecai.store.db import Database
    from yecai.store.uow import UnitOfWork

console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")

EXIT_ERROR = 2


@dataclass
class CliState:
    user: str = "admin"


STATE = CliState()


def db() -> Database:
    from yecai.store.db import get_database

    return get_database()


class DatabaseNotReady(YecaiError):
    code = "database.not_ready"
    template = "The database {url} has no yecai tables yet: run `yecai db upgrade` first (or set YECAI_DATA_DIR / YECAI_DATABASE_URL to the database you mean)"


def uow() -> UnitOfWork:
    """A unit of work acting as the CLI's named user (--user), audited with source 'cli'."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from yecai.security.service import actor_for
    from yecai.store.uow import UnitOfWork

    database = db()
    try:
        actor = actor_for(database, STATE.user, source="cli")
    except (OperationalError, ProgrammingError):
        if inspect(database.engine).has_table("app_user"):
            raise
        fail(DatabaseNotReady(url=database.engine.url.render_as_string(hide_password=True)))
        raise AssertionError("unreachable") from None
    return UnitOfWork(database, actor)


def _(msgid: str, **params: Any) -> str:
    text = gettext(msgid, current_locale())
    return text.format(**params) if params else text


def fail(exc: YecaiError) -> None:
    loc = current_locale()
    if isinstance(exc, ValidationFailed):
        err_console.print(f"[red]{exc.render(loc)}[/red]")
        for e in exc.errors[:200]:
            err_console.print(f"  [red]•[/red] {e.render(loc)}")
        if len(exc.errors) > 200:
            err_console.print(_("… and {n} more", n=len(exc.errors) - 200))
    else:
        err_console.print(f"[red]{_('Error')}: {exc.render(loc)}[/red]  [dim]({exc.code})[/dim]")
    raise typer.Exit(EXIT_ERROR)


def run(fn: Callable[[], T]) -> T:
    """Call a service; turn a refusal into a clear message and exit code 2."""
    try:
        return fn()
    except YecaiError as exc:
        fail(exc)
        raise AssertionError("unreachable") from exc


FORMATS = ("table", "csv", "json", "xlsx")


def write_rows(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    fmt: str,
    *,
    out: Path | None = None,
    title: str = "",
    headers: Sequence[str] | None = None,
) -> None:
    """Render rows as a Rich table, CSV (exact header = ``columns``), JSON or XLSX."""
    if fmt not in FORMATS:
        fail(YecaiError(field="format"))  # pragma: no cover - typer restricts choices
    if fmt == "table":
        table = Table(title=title or None, show_lines=False)
        for i, c in enumerate(columns):
            table.add_column(headers[i] if headers else c, justify="right" if _numeric(rows, c) else "left")
        for r in rows:
            table.add_row(*["" if r.get(c) is None else str(r.get(c)) for c in columns])
        (Console(file=out.open("w", encoding="utf-8")) if out else console).print(table)
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
        _emit_text(buf.getvalue(), out)
        return
    if fmt == "json":
        _emit_text(
            json.dumps(
                [{c: r.get(c) for c in columns} for r in rows], ensure_ascii=False, indent=2, default=str
            )
            + "\n",
            out,
        )
        return
    if out is None:
        err_console.print(_("XLSX output needs --out FILE"))
        raise typer.Exit(EXIT_ERROR)
    write_xlsx(out, rows, columns, title=title, headers=headers)


def write_xlsx(
    path: Path,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    *,
    title: str = "",
    headers: Sequence[str] | None = None,
) -> None:
    from decimal import Decimal, InvalidOperation

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = (title or "Sheet1")[:31]
    ws.append(list(headers or columns))
    for r in rows:
        values: list[Any] = []
        for c in columns:
            v = r.get(c)
            # Amounts are always written with a decimal point; codes (1122, 0012) stay text.
            if isinstance(v, str) and "." in v and _looks_decimal(v):
                try:
                    v = Decimal(v)
                except InvalidOperation:
                    pass
            values.append(v)
        ws.append(values)
    for col in ws.columns:
        ws.column_dimensions[col[0].column_letter].width = max(
            10, min(40, max(len(str(c.value or "")) for c in col) + 2)
        )
    wb.save(path)


def _looks_decimal(v: str) -> bool:
    s = v[1:] if v.startswith("-") else v
    return s.replace(".", "", 1).isdigit()


def _numeric(rows: Sequence[dict[str, Any]], col: str) -> bool:
    for r in rows[:5]:
        v = r.get(col)
        if isinstance(v, str) and v and not _looks_decimal(v):
            return False
    return bool(rows) and any(
        isinstance(r.get(col), str) and _looks_decimal(r.get(col) or "") for r in rows[:5]
    )


def _emit_text(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[int, int | None], None]]:
    """A Rich progress bar on stderr; yields update(done, total)."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
        disable=not err_console.is_terminal and total is None,
    ) as prog:
        task = prog.add_task(description, total=total)

        def update(done: int, new_total: int | None = None) -> None:
            if new_total is not None:
                prog.update(task, total=new_total)
            prog.update(task, completed=done)

        yield update
