"""CLI for receivables: cash application in batch (`yecai receivables match`), and teaching it
which customer a payer is (`confirm`)."""

from __future__ import annotations

from typing import Annotated

import typer

from yecai.cli.common import _, console, run, uow
from yecai.receivables import service
from yecai.receivables.cli_match import match_cmd

receivables_app = typer.Typer(help="应收 Receivables: cash application (核销匹配)", no_args_is_help=True)


def _add_open_items() -> None:
    from yecai.receivables import cli_items  # open-items, aging, statement, apply, unapply …

    cli_items.register(receivables_app)


_add_open_items()


# `match` lives in its own module so that `yecai receivables match` can start without the other
# receivables commands (see ``cli_match.register``).
receivables_app.command("match")(match_cmd)


@receivables_app.command("confirm")
def confirm_cmd(
    company: Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")],
    customer: Annotated[str, typer.Option("--customer", help="Customer code")],
    payer_account: Annotated[str, typer.Option("--payer-account")] = "",
    payer_name: Annotated[str, typer.Option("--payer-name")] = "",
    correct: Annotated[
        bool, typer.Option("--correct", help="This payer is no longer any other customer")
    ] = False,
) -> None:
    """Remember that a payer account and/or name pays for a customer (used by the next match)."""
    fn = service.correct_match if correct else service.confirm_match
    run(lambda: fn(uow(), company, customer=customer, payer_account=payer_account, payer_name=payer_name))
    console.print(_("Remembered: payer → {customer}", customer=customer))


def _add_dunning() -> None:
    from yecai.receivables.cli_dunning import dunning_app

    receivables_app.add_typer(dunning_app, name="dunning")


_add_dunning()


def register(app: typer.Typer, voucher_app: typer.Typer) -> None:
    from yecai.receivables.cli_review import review_app

    receivables_app.add_typer(review_app, name="review")
    app.add_typer(receivables_app, name="receivables")
