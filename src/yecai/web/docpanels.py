"""Follow-up forms for production, expense claims, stock counts, sales returns and credit notes:
which a document offers in its state (``panels``) and the one service each calls (``RUNNERS``).

Like the panels in ``documents``: the page parses dates and numbers it must, the service decides
everything else and its refusal comes back next to the field it names.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from yecai.core.i18n import N_
from yecai.expenses import service as expenses
from yecai.inventory import documents as inventory_docs
from yecai.production import service as production
from yecai.sales import returns as sales_returns
from yecai.web.context import Ctx
from yecai.web.doclist import Kind
from yecai.web.documents import Panel, _decimal_field, _Refused, _remaining, minor_of
from yecai.web.links import doc_url

COST_KINDS = (("labour", N_("Direct labour")), ("overhead", N_("Manufacturing overhead")))
CAUSES = (("management", N_("Management (管理费用)")), ("abnormal", N_("Abnormal loss (营业外支出)")))
METHODS = (("bank", N_("Bank")), ("cash", N_("Cash")))


def _left(total: str, done: str) -> str:
    left = Decimal(total) - Decimal(done)
    return str(left.normalize()) if left == left.to_integral() else str(left)


def panels(ctx: Ctx, kind: Kind, view: dict[str, Any], day: str) -> list[Panel]:
    out: list[Panel] = []
    status = view.get("status")
    lines = view.get("lines", [])
    if kind.key == "work_order" and status == "released":
        to_issue = _remaining(lines, "required", "issued")
        if to_issue:
            out.append(
                Panel(
                    "issue",
                    N_("Issue materials"),
                    {"date": day, "warehouse": ""},
                    [{**ln, "value": ln["left"]} for ln in to_issue],
                    open_label=N_("Still required"),
                )
            )
        out.append(
            Panel(
                "collect_cost",
                N_("Collect labour or overhead"),
                {"date": day, "kind": "labour", "amount": "", "hours": "", "note": ""},
                specs={
                    "kind": (N_("Cost element"), "select", COST_KINDS),
                    "hours": (N_("Labour hours (optional)"), "decimal", ()),
                    "note": (N_("Note"), "text", ()),
                },
            )
        )
        left = _left(view["qty"], view["received"])
        if Decimal(left) > 0:
            out.append(
                Panel(
                    "receive_fg",
                    N_("Receive finished goods"),
                    {"date": day, "warehouse": "", "qty": left},
                    specs={"qty": (N_("Quantity"), "decimal", ())},
                )
            )
        out.append(
            Panel(
                "close",
                N_("Close work order"),
                {"date": day},
                hint=N_("What is still in process is written off to cost variance (6401)."),
            )
        )
    if kind.key == "expense_claim" and status == "approved":
        out.append(
            Panel(
                "pay_claim",
                N_("Pay the claim"),
                {"date": day, "method": "bank", "offset": "0"},
                specs={"offset": (N_("Offset against the employee's advances"), "decimal", ())},
            )
        )
    if kind.key == "stock_count" and status == "confirmed" and not view.get("processed"):
        out.append(
            Panel(
                "process",
                N_("Process gains and losses"),
                {"date": day, "cause": "management", "department": ""},
                specs={
                    "cause": (N_("Cause"), "select", CAUSES),
                    "department": (N_("Department (for 管理费用)"), "text", ()),
                },
            )
        )
    if kind.key == "sales_delivery" and status == "confirmed":
        out.append(
            Panel(
                "return",
                N_("Sales return"),
                {"date": day, "warehouse": "", "reason": ""},
                [{**ln, "left": ln["qty"], "value": ""} for ln in lines],
                specs={
                    "warehouse": (N_("Into warehouse (blank: the delivery's)"), "warehouse", ()),
                    "reason": (N_("Reason"), "text", ()),
                },
                hint=N_("Leave every quantity blank to return all that is not yet returned."),
                open_label=N_("Delivered"),
            )
        )
    if kind.key == "sales_invoice" and status == "posted" and minor_of(view.get("open")) > 0:
        out.append(
            Panel(
                "credit",
                N_("Red credit note"),
                {"date": day, "reason": ""},
                [{**ln, "left": ln["qty"], "value": ""} for ln in lines],
                specs={"reason": (N_("Reason"), "text", ())},
                hint=N_("Leave every quantity blank to credit all that is not yet credited."),
                open_label=N_("Invoiced"),
            )
        )
    return out


def _issue(ctx: Ctx, view: dict[str, Any], panel: Panel, day: date, wanted: list[dict[str, Any]]) -> str:
    if not wanted:
        panel.error = ctx._("Enter a quantity on at least one line")
        raise _Refused()
    doc = production.issue_materials(
        ctx.uow(),
        ctx.code,
        order_id=view["id"],
        day=day,
        warehouse=panel.values["warehouse"],
        lines=[(ln["item"], ln["value"]) for ln in wanted],
    )
    return doc_url("work_order", view["id"]) + f"?done=issued&doc={doc['no']}"


def _collect_cost(
    ctx: Ctx, view: dict[str, Any], panel: Panel, day: date, wanted: list[dict[str, Any]]
) -> str:
    v = panel.values
    amount = _decimal_field(ctx, v.get("amount", ""), panel.errors, "amount")
    hours = _decimal_field(ctx, v["hours"], panel.errors, "hours") if v.get("hours") else None
    if amount is None or (v.get("hours") and hours is None):
        raise _Refused()
    doc = production.collect_cost(
        ctx.uow(),
        ctx.code,
        order_id=view["id"],
        day=day,
        kind=v["kind"],
        amount=amount,
        hours=hours,
        note=v["note"],
    )
    return doc_url("work_order", view["id"]) + f"?done=collected&doc={doc['no']}"


def _receive_fg(ctx: Ctx, view: dict[str, Any], panel: Panel, day: date, wanted: list[dict[str, Any]]) -> str:
    qty = _decimal_field(ctx, panel.values.get("qty", ""), panel.errors, "qty")
    if qty is None:
        raise _Refused()
    doc = production.receive_finished(
        ctx.uow(), ctx.code, order_id=view["id"], day=day, warehouse=panel.values["warehouse"], qty=qty
    )
    return doc_url("work_order", view["id"]) + f"?done=received&doc={doc['no']}"


def _close(ctx: Ctx, view: dict[str, Any], panel: Panel, day: date, wanted: list[dict[str, Any]]) -> str:
    production.close_work_order(ctx.uow(), ctx.code, view["id"], day=day)
    return doc_url("work_order", view["id"]) + "?done=closed"


def _pay_claim(ctx: Ctx, view: dict[str, Any], panel: Panel, day: date, wanted: list[dict[str, Any]]) -> str:
    offset = _decimal_field(ctx, panel.values.get("offset") or "0", panel.errors, "offset")
    if offset is None:
        raise _Refused()
    expenses.pay_claim(ctx.uow(), ctx.code, view["id"], day=day, method=panel.values["method"], offset=offset)
    return doc_url("expense_claim", view["id"]) + "?done=paid"


def _process(ctx: Ctx, view: dict[str, Any], panel: Panel, day: date, wanted: list[dict[str, Any]]) -> str:
    inventory_docs.process_count(
        ctx.uow(),
        ctx.code,
        view["id"],
        day=day,
        cause=panel.values["cause"],
        department=panel.values["department"] or None,
    )
    return doc_url("stock_count", view["id"]) + "?done=processed"


def _return(ctx: Ctx, view: dict[str, Any], panel: Panel, day: date, wanted: list[dict[str, Any]]) -> str:
    ret = sales_returns.create_return(
        ctx.uow(),
        ctx.code,
        delivery_id=view["id"],
        day=day,
        lines=[(int(ln["line_no"]), ln["value"]) for ln in wanted] or None,
        warehouse=panel.values["warehouse"] or None,
        reason=panel.values["reason"],
    )
    return doc_url("sales_return", ret["id"]) + "?done=created"


def _credit(ctx: Ctx, view: dict[str, Any], panel: Panel, day: date, wanted: list[dict[str, Any]]) -> str:
    cn = sales_returns.create_credit_note(
        ctx.uow(),
        ctx.code,
        invoice_id=view["id"],
        day=day,
        lines=[(int(ln["line_no"]), ln["value"]) for ln in wanted] or None,
        reason=panel.values["reason"],
    )
    return doc_url("sales_credit_note", cn["id"]) + "?done=created"


RUNNERS = {
    "issue": _issue,
    "collect_cost": _collect_cost,
    "receive_fg": _receive_fg,
    "close": _close,
    "pay_claim": _pay_claim,
    "process": _process,
    "return": _return,
    "credit": _credit,
}
# The messages a document page shows after a panel's service succeeded (?done=…).
DONE = {
    "issued": N_("Materials issued: {doc}"),
    "collected": N_("Cost collected: {doc}"),
    "received": N_("Finished goods received: {doc}"),
    "closed": N_("Work order closed"),
    "paid": N_("Claim paid"),
    "processed": N_("Gains and losses posted"),
}
