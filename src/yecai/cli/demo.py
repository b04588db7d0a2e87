"""`yecai demo …`: the demo company that `make run` loads when there is none."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from yecai.cli.common import _, console, db, progress_bar, run, uow

demo_app = typer.Typer(help="演示数据 Demo company", no_args_is_help=True)


@demo_app.command("load")
def demo_load(
    company: Annotated[str, typer.Option("--company", "-c")] = "DEMO",
    year: Annotated[int, typer.Option("--year")] = 2025,
    seed: Annotated[int, typer.Option("--seed")] = 7,
) -> None:
    """Create a demo manufacturer with a year of documents posted through the rules (months before
    December closed)."""
    from yecai.demo.manufacturer import load

    u = uow()
    started = time.perf_counter()
    with progress_bar(_("Loading demo company {code}", code=company), 365) as update:
        res = run(lambda: load(db(), u.actor, company=company, year=year, seed=seed, progress=update))
    console.print(
        _(
            "Demo company {code}: {n} documents and {m} manual vouchers posted, {closed} months closed in {seconds} s",
            code=company,
            n=res["documents"],
            m=res["manual_vouchers"],
            closed=len(res["closed"]),
            seconds=f"{time.perf_counter() - started:.1f}",
        )
    )


@demo_app.command("ensure")
def demo_ensure() -> None:
    """Load the demo company DEMO if there is no company at all yet (used by `make run`)."""
    from yecai.ledger import service

    if run(lambda: service.list_companies(uow())):
        return
    demo_load(company="DEMO", year=2025, seed=7)


def register(app: typer.Typer, voucher_app: Any) -> None:
    app.add_typer(demo_app, name="demo")
