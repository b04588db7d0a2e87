"""The `yecai` command: a thin shell over the services."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from yecai.cli.common import STATE, _, console, db

app = typer.Typer(
    name="yecai",
    help="yecai 业财一体化 — business documents that keep their own books.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    user: Annotated[
        str, typer.Option("--user", "-u", envvar="YECAI_USER", help="Act as this user (audited)")
    ] = "admin",
    lang: Annotated[str | None, typer.Option("--lang", help="zh_CN (default) or en")] = None,
) -> None:
    STATE.user = user
    if lang:
        os.environ["YECAI_LANG"] = lang


db_app = typer.Typer(help="Database", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema; create the first administrator if there is none."""
    from yecai.security.service import ensure_admin
    from yecai.store.db import upgrade

    database = db()
    upgrade(database.url)
    pw = ensure_admin(database)
    console.print(_("Database ready: {url}", url=_safe_url(database.url)))
    if pw:
        from yecai.config import data_dir

        path = data_dir() / "admin-password.txt"
        path.write_text(pw + "\n")
        path.chmod(0o600)
        console.print(
            _("Administrator created: user admin, password {pw} (also saved in {path})", pw=pw, path=path)
        )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command("serve")
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Start the web workspace and the REST API (OpenAPI at /docs)."""
    import uvicorn

    from yecai.config import data_dir

    console.print(_("yecai is running at http://{host}:{port}/ (API docs: /docs)", host=host, port=port))
    pw_file = data_dir() / "admin-password.txt"
    if pw_file.exists():
        console.print(_("Log in as admin with password {pw}", pw=pw_file.read_text().strip()))
    uvicorn.run("yecai.api.app:create_app", factory=True, host=host, port=port, log_level="info")


app.add_typer(db_app, name="db")


# Commands that are run at scale and need only their own module: started without importing
# every other command group (~1 s of CPU per start). (first word, second word) -> module.
_LEAN_COMMANDS = {
    ("voucher", "import"): "yecai.ledger.cli_import",
    ("report", "trial-balance"): "yecai.ledger.cli_reports",
    ("receivables", "match"): "yecai.receivables.cli_match",
}
# Lean commands that stand alone: without the ledger's groups (and so without the ORM at start).
_STANDALONE = {"yecai.receivables.cli_match"}


def _lean_modules() -> tuple[str, ...]:
    """The one module a lean command of ``sys.argv`` needs; () for anything else."""
    import sys

    if any(k.endswith("_COMPLETE") for k in os.environ):
        return ()
    words: list[str] = []
    args = iter(sys.argv[1:])
    for a in args:
        if a in ("--user", "-u", "--lang"):  # root options that take a value
            next(args, None)
        elif a.startswith("-"):
            if words:
                break
        else:
            words.append(a)
            if len(words) == 2:
                break
    mod = _LEAN_COMMANDS.get((words[0], words[1])) if len(words) == 2 else None
    started_as_yecai = sys.argv[0].endswith(("yecai", os.path.join("yecai", "__main__.py")))
    return (mod,) if mod and started_as_yecai else ()


def _register_groups() -> None:
    """Command groups owned by the domain packages; each exposes ``register(app, voucher_app)``."""
    import importlib

    lean = _lean_modules()
    if lean and lean[0] in _STANDALONE:
        importlib.import_module(lean[0]).register(app, typer.Typer())
        return
    from yecai.ledger.cli import account_app, company_app, dimension_app, ledger_app, voucher_app

    app.add_typer(company_app, name="company")
    app.add_typer(account_app, name="account")
    app.add_typer(dimension_app, name="dimension")
    app.add_typer(voucher_app, name="voucher")
    app.add_typer(ledger_app, name="ledger")
    for mod in lean or (
        "yecai.ledger.cli_import",
        "yecai.ledger.cli_reports",
        "yecai.ledger.cli_period",
        "yecai.security.cli",
        "yecai.cli.demo",
        "yecai.masterdata.cli",
        "yecai.inventory.cli",
        "yecai.sales.cli",
        "yecai.sales.cli_reports",
        "yecai.purchasing.cli",
        "yecai.payables.cli",
        "yecai.production.cli",
        "yecai.expenses.cli",
        "yecai.masterdata.cli_import",
        "yecai.posting.cli",
        "yecai.receivables.cli",
        "yecai.intake.cli",
        "yecai.intake.cli_etl",
        "yecai.intake.cli_taxexport",
        "yecai.analytics.cli",
    ):
        importlib.import_module(mod).register(app, voucher_app)


_register_groups()


# Root options that take a value (so that their value is not taken for the command's name).
_ROOT_VALUE_OPTIONS = ("--user", "-u", "--lang")


def _only_invoked(argv: list[str]) -> typer.Typer:
    """The app with only the command (group) named in ``argv``, when it can be told.

    Typer turns every registered command into a click command (signature, type hints) on each
    run: a few hundred of them cost ~0.3 s per invocation. Help, completion and unknown names
    get the whole app, as before.
    """
    if any(k.endswith("_COMPLETE") for k in os.environ):
        return app
    name = None
    args = iter(argv)
    for a in args:
        if a in _ROOT_VALUE_OPTIONS:
            next(args, None)
        elif a == "--":
            break
        elif not a.startswith("-"):
            name = a
            break
    if name is None:
        return app
    groups = [g for g in app.registered_groups if (g.name or g.typer_instance.info.name) == name]
    commands = [
        c
        for c in app.registered_commands
        if (c.name or (c.callback.__name__.lower().replace("_", "-") if c.callback else None)) == name
    ]
    if len(groups) + len(commands) != 1:
        return app
    lean = typer.Typer(
        name=app.info.name, help=app.info.help, no_args_is_help=True, pretty_exceptions_enable=False
    )
    lean.registered_callback = app.registered_callback
    lean.registered_groups = groups
    lean.registered_commands = commands
    return lean


def main() -> None:
    import sys

    _only_invoked(sys.argv[1:])()
