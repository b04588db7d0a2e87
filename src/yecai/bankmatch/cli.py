"""The CLI commands of a bank-line review queue (`run|list|show|confirm|correct|reject|threshold`),
written once; each side names its words (payer/customer/invoice or payee/supplier/bill), its help
texts and its messages, and the service module that does the work."""

# No ``from __future__ import annotations``: Typer reads the commands' annotations, which take
# the side's words from the factory's arguments.

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from yecai.cli.common import console, run, uow, write_rows

Company = Annotated[str, typer.Option("--company", "-c", help="Company code (账套)")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | xlsx")]
Note = Annotated[str, typer.Option("--note", help="Why (kept with the decision)")]
Proposal = Annotated[int, typer.Argument()]
STATUS_HELP = "proposed | auto_applied | confirmed | corrected | rejected | all"


@dataclass(frozen=True)
class Side:
    """``service`` has run, list_proposals, get_proposal, confirm, correct, reject, set_threshold;
    ``who`` is payer or payee, ``party`` customer or supplier (also the correct option), ``doc``
    invoice or bill (the correct option; ``doc``s the column), ``booked`` the last column and how
    it reads from a proposal; ``helps`` the help of each command; ``ran`` and ``threshold_set``
    the translated messages after a run and a threshold change."""

    service: Any
    who: str
    party: str
    doc: str
    booked: tuple[str, Callable[[dict[str, Any]], str]]
    party_help: str
    doc_help: str
    helps: dict[str, str]
    ran: Callable[[dict[str, int]], str]
    threshold_set: Callable[[str], str]
    show: bool = True

    @property
    def columns(self) -> tuple[str, ...]:
        return (
            "id",
            "status",
            "date",
            "amount",
            f"{self.who}_name",
            f"{self.who}_account",
            "remark",
            self.party,
            f"{self.doc}s",
            "confidence",
            "reasons",
            self.booked[0],
        )

    def flat(self, p: dict[str, Any]) -> dict[str, Any]:
        """One proposal as a row of the list: the line, the party, ``DOC:AMOUNT`` per item."""
        line = p["line"]
        return {
            "id": p["id"],
            "status": p["status"],
            "date": line["date"],
            "amount": line["amount"],
            f"{self.who}_name": line[f"{self.who}_name"],
            f"{self.who}_account": line[f"{self.who}_account"],
            "remark": line["remark"],
            self.party: p[self.party],
            f"{self.doc}s": " ".join(f"{x[self.doc]}:{x['amount']}" for x in p["items"]),
            "confidence": p["confidence"],
            "reasons": "; ".join(f"{r['code']} {r['detail']}".strip() for r in p["reasons"]),
            self.booked[0]: self.booked[1](p),
        }


def add_review_commands(app: typer.Typer, side: Side) -> None:
    """Register the queue's commands on ``app`` (the side's ``review`` group)."""
    svc = side.service

    def show(p: dict[str, Any], fmt: str = "table") -> None:
        write_rows([side.flat(p)], side.columns, fmt)

    @app.command("run", help=side.helps["run"])
    def run_cmd(
        company: Company,
        threshold: Annotated[
            str | None, typer.Option("--threshold", help="This run only (default: the company's setting)")
        ] = None,
    ) -> None:
        counts = run(lambda: svc.run(uow(), company, threshold=threshold))
        console.print(side.ran(counts))

    @app.command("list", help=side.helps["list"])
    def list_cmd(
        company: Company,
        status: Annotated[str, typer.Option("--status", help=STATUS_HELP)] = "proposed",
        limit: Annotated[int, typer.Option("--limit")] = 100,
        offset: Annotated[int, typer.Option("--offset")] = 0,
        fmt: Fmt = "table",
        out: Annotated[Path | None, typer.Option("--out")] = None,
    ) -> None:
        got = run(
            lambda: svc.list_proposals(
                uow(), company, status=None if status == "all" else status, limit=limit, offset=offset
            )
        )
        write_rows([side.flat(p) for p in got["proposals"]], side.columns, fmt, out=out)

    if side.show:

        @app.command("show", help=side.helps["show"])
        def show_cmd(company: Company, proposal: Proposal, fmt: Fmt = "table") -> None:
            show(run(lambda: svc.get_proposal(uow(), company, proposal)), fmt)

    @app.command("confirm", help=side.helps["confirm"])
    def confirm_cmd(company: Company, proposal: Proposal, note: Note = "") -> None:
        show(run(lambda: svc.confirm(uow(), company, proposal, note=note)))

    @app.command("correct", help=side.helps["correct"])
    def correct_cmd(
        company: Company,
        proposal: Proposal,
        party: Annotated[str, typer.Option(f"--{side.party}", help=side.party_help)],
        doc: Annotated[list[str] | None, typer.Option(f"--{side.doc}", help=side.doc_help)] = None,
        note: Note = "",
    ) -> None:
        # NO=AMOUNT; without "=" the amount is empty, which the service refuses naming the field.
        items = [(no.strip(), amount.strip()) for no, _sep, amount in (x.partition("=") for x in doc or [])]
        kw = {side.party: party, "items": items, "note": note}
        show(run(lambda: svc.correct(uow(), company, proposal, **kw)))

    @app.command("reject", help=side.helps["reject"])
    def reject_cmd(company: Company, proposal: Proposal, note: Note = "") -> None:
        show(run(lambda: svc.reject(uow(), company, proposal, note=note)))

    @app.command("threshold", help=side.helps["threshold"])
    def threshold_cmd(
        company: Company, value: Annotated[str, typer.Argument(help="0..1; 1 = never automatically")]
    ) -> None:
        got = run(lambda: svc.set_threshold(uow(), company, value))
        console.print(side.threshold_set(got["auto_apply_threshold"]))
