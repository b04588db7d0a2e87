"""Posting rules as data, evaluated by pure functions.

A rule set maps each document event to voucher line templates::

    {"events": {"sales_invoice.posted": {"word": "记", "lines": [
        {"id": "ar", "account": "1122", "side": "debit", "amount": "total",
         "per": "document", "dims": {"customer": "{customer.code}"},
         "summary": "销售 {customer.name} {doc.no}"}, …]}}}

* ``account``: a code; ``{field}`` naming an account field of the document (``{tax.account}``);
  or a list of ``{"when": condition, "account": code}`` tried in order, the last without ``when``.
* ``amount``: an arithmetic expression over the event's named amounts (net, tax, total, cost …),
  parsed with ``ast`` and restricted to names, numbers, + - * / and parentheses; rounded half up
  to the fen. A line whose amount is zero is left out.
* ``when`` conditions compare document fields (``customer.group == '关联方'``,
  ``item.category in ['原材料', '辅料']``) with and / or / not.
* ``per``: ``line`` makes one voucher line per document line, ``document`` one line in total.

``validate_rule_set`` finds what would fail when posting, so that a rule set is refused when it is
saved: unknown or non-leaf accounts, expressions that don't parse or use unknown names, missing or
stray dimensions, and rule sets that cannot balance (checked by evaluating every event's rules
over synthetic documents with random amounts where total = net + tax).
"""

from __future__ import annotations

import ast
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from yecai.core.errors import YecaiError
from yecai.core.money import from_minor, round_minor
from yecai.ledger.domain import DIMENSIONS, WORDS, AccountInfo, LineDraft, VoucherDraft

SIDES = ("debit", "credit")
PERS = ("line", "document")
RULES_PER_EVENT_MAX = 50
BALANCE_TRIALS = 5

# --- errors ------------------------------------------------------------------------------------


class RuleSetMalformed(YecaiError):
    code = "posting.rule_set_malformed"
    template = "Rule set: {where}: {reason}"


class RuleEventUnknown(YecaiError):
    code = "posting.event_unknown"
    template = "Rule set: unknown document event {event!r} (known: {known})"


class RuleAccountUnknown(YecaiError):
    code = "posting.account_unknown"
    template = "Rule {rule} of {event}: account {account} does not exist"


class RuleAccountNotLeaf(YecaiError):
    code = "posting.account_not_leaf"
    template = "Rule {rule} of {event}: account {account} has sub-accounts; name one of them"


class RuleAccountDisabled(YecaiError):
    code = "posting.account_disabled"
    template = "Rule {rule} of {event}: account {account} is disabled"


class RuleNoDefaultAccount(YecaiError):
    code = "posting.no_default_account"
    template = "Rule {rule} of {event}: the last account choice must have no 'when' (the default)"


class RuleExpressionInvalid(YecaiError):
    code = "posting.expression_invalid"
    template = "Rule {rule} of {event}: {what} {expression!r} is not valid: {reason}"


class RuleNameUnknown(YecaiError):
    code = "posting.name_unknown"
    template = "Rule {rule} of {event}: {what} uses unknown name {name!r} (known: {known})"


class RuleDimensionMissing(YecaiError):
    code = "posting.dimension_missing"
    template = "Rule {rule} of {event}: account {account} requires a {dimension}; add it to 'dims'"


class RuleDimensionNotAllowed(YecaiError):
    code = "posting.dimension_not_allowed"
    template = "Rule {rule} of {event}: account {account} does not take a {dimension}"


class RuleSetUnbalanced(YecaiError):
    code = "posting.unbalanced"
    template = (
        "Rules of {event} do not balance: on a sample document debits {debit} ≠ credits {credit} "
        "(check the amount expressions and sides)"
    )


class RuleNoAccountMatched(YecaiError):
    code = "posting.no_account_matched"
    template = "Rule {rule} of {event}: no account choice matched document {doc}"


class RuleEvaluationFailed(YecaiError):
    code = "posting.evaluation_failed"
    template = "Rule {rule} of {event}: {reason} (document {doc})"


class DocumentWrongState(YecaiError):
    code = "document.wrong_state"
    template = "Document {doc} is {status}; cannot {action}"
    http_status = 409


class RuleNoRules(YecaiError):
    code = "posting.no_rules"
    template = "The rule set has no rules for {event}"


# --- events and what they know -----------------------------------------------------------------

_PARTY = ("code", "name", "group", "tax_id")
_ITEM = ("code", "name", "category", "kind", "unit")
_WH = ("code", "name")


def _fields(prefix: str, names: Sequence[str]) -> tuple[str, ...]:
    return tuple(f"{prefix}.{n}" for n in names)


@dataclass(frozen=True)
class EventSpec:
    name: str
    amounts: tuple[str, ...]
    doc_fields: tuple[str, ...]
    line_fields: tuple[str, ...] = ()
    account_fields: tuple[str, ...] = ()  # fields holding an account code (``{tax.account}``)

    @property
    def source_type(self) -> str:
        return self.name.split(".", 1)[0]


_DOC = ("doc.no", "doc.date", "doc.type")
_WO = ("work_order.no", "work_order.project")
_EMPLOYEE = ("employee.code", "employee.name")
_DEPT = ("department.code", "department.name", "department.kind")
EVENTS: dict[str, EventSpec] = {
    s.name: s
    for s in (
        EventSpec(
            "sales_delivery.confirmed",
            amounts=("cost",),
            doc_fields=_DOC + _fields("customer", _PARTY) + _fields("warehouse", ("code", "name")),
            line_fields=_fields("item", _ITEM) + ("line.no", "line.tax_code"),
        ),
        EventSpec(
            "sales_invoice.posted",
            amounts=("net", "tax", "total"),
            doc_fields=_DOC + _fields("customer", _PARTY),
            line_fields=_fields("item", _ITEM) + ("line.no", "line.tax_code", "tax.rate", "tax.account"),
            account_fields=("tax.account",),
        ),
        EventSpec(
            "sales_receipt.posted",
            amounts=("amount",),
            doc_fields=_DOC + _fields("customer", _PARTY) + ("receipt.method",),
        ),
        # sales returns (销售退货: stock back in at the delivery's cost, cost of sales reversed)
        # and red credit notes (红字发票: the invoice's receivable, revenue and output VAT in red)
        EventSpec(
            "sales_return.posted",
            amounts=("cost",),
            doc_fields=_DOC + _fields("customer", _PARTY) + _fields("warehouse", ("code", "name")),
            line_fields=_fields("item", _ITEM) + ("line.no", "line.tax_code"),
        ),
        EventSpec(
            "sales_credit_note.posted",
            amounts=("net", "tax", "total"),
            doc_fields=_DOC + _fields("customer", _PARTY) + ("credit_note.invoice_no",),
            line_fields=_fields("item", _ITEM) + ("line.no", "line.tax_code", "tax.rate", "tax.account"),
            account_fields=("tax.account",),
        ),
        EventSpec(
            "stock_receipt.posted",
            amounts=("cost",),
            doc_fields=_DOC + _fields("supplier", _PARTY) + _fields("warehouse", ("code", "name")),
            line_fields=_fields("item", _ITEM) + ("line.no",),
        ),
        # Inventory (库存): transfers, stock counts and cost revaluations.
        EventSpec(
            "stock_transfer.posted",
            amounts=("cost",),
            doc_fields=_DOC + _fields("from_warehouse", _WH) + _fields("to_warehouse", _WH),
            line_fields=_fields("item", _ITEM) + ("line.no",),
        ),
        EventSpec(
            "stock_count.confirmed",
            amounts=("gain", "loss"),
            doc_fields=_DOC + _fields("warehouse", _WH),
            line_fields=_fields("item", _ITEM) + ("line.no",),
        ),
        EventSpec(
            "stock_count.processed",
            amounts=("gain", "loss_normal", "loss_abnormal"),
            doc_fields=_DOC + _fields("warehouse", _WH) + ("department.code", "count.cause"),
        ),
        EventSpec(
            "stock_revaluation.posted",
            amounts=("up", "down"),
            doc_fields=_DOC + ("revaluation.reason",),
            line_fields=_fields("item", _ITEM)
            + _fields("warehouse", _WH)
            + ("line.no", "move.kind", "move.date"),
        ),
        EventSpec(
            "stock_revaluation.transferred",
            amounts=("up", "down"),
            doc_fields=_DOC + ("revaluation.reason",),
            line_fields=_fields("item", _ITEM)
            + _fields("from_warehouse", _WH)
            + _fields("to_warehouse", _WH)
            + ("line.no",),
        ),
        # purchasing: goods receipt (暂估入库), vendor bill (clears the estimate, input VAT, price
        # difference: to_stock into inventory, net - accrued - to_stock to cost), payment, return
        EventSpec(
            "purchase_receipt.posted",
            amounts=("cost",),
            doc_fields=_DOC + _fields("supplier", _PARTY) + _fields("warehouse", ("code", "name")),
            line_fields=_fields("item", _ITEM) + ("line.no", "line.tax_code"),
        ),
        # A bill line without an order (rent, utilities, services) is ``line.kind == 'expense'``:
        # its net is also its ``expense`` (zero on order lines), booked by category and department.
        EventSpec(
            "vendor_bill.posted",
            amounts=("net", "tax", "total", "accrued", "to_stock", "expense"),
            doc_fields=_DOC + _fields("supplier", _PARTY) + ("bill.invoice_no",),
            line_fields=_fields("item", _ITEM)
            + ("line.no", "line.tax_code", "line.kind", "line.category", "line.description")
            + _DEPT
            + ("project.code", "project.name", "tax.rate", "tax.account"),
            account_fields=("tax.account",),
        ),
        EventSpec(
            "purchase_payment.posted",
            amounts=("amount",),
            doc_fields=_DOC + _fields("supplier", _PARTY) + ("payment.method",),
        ),
        EventSpec(
            "purchase_return.posted",
            amounts=("cost", "stock"),  # cost: the receipt's, reverses 暂估; stock: what left the pool
            doc_fields=_DOC + _fields("supplier", _PARTY) + _fields("warehouse", ("code", "name")),
            line_fields=_fields("item", _ITEM) + ("line.no",),
        ),
        # production (生产): material issues to a work order, labour and overhead collected on it,
        # finished goods received at their share of its cost, the variance written off at close.
        # Every amount on 5001 carries the work order's project.
        EventSpec(
            "production_issue.posted",
            amounts=("cost",),
            doc_fields=_DOC + _WO + _fields("product", _ITEM) + _fields("warehouse", _WH),
            line_fields=_fields("item", _ITEM) + ("line.no",),
        ),
        EventSpec(
            "production_cost.posted",
            amounts=("amount",),
            doc_fields=_DOC + _WO + ("cost.kind", "cost.source_account"),
            account_fields=("cost.source_account",),
        ),
        EventSpec(
            "production_receipt.posted",
            amounts=("material", "labour", "overhead"),
            doc_fields=_DOC + _WO + _fields("item", _ITEM) + _fields("warehouse", _WH),
        ),
        EventSpec(
            "work_order.closed",
            amounts=("material", "labour", "overhead"),
            doc_fields=_DOC + _WO + _fields("item", _ITEM),
        ),
        # expenses (费用报销): approval books the expense against 2241, payment clears it (and any
        # employee advance 备用金 on 1221 it offsets).
        EventSpec(
            "expense_claim.approved",
            amounts=("net", "tax", "total"),
            doc_fields=_DOC + _EMPLOYEE + _DEPT,
            line_fields=("line.no", "line.category", "line.invoice_type"),
        ),
        EventSpec(
            "expense_claim.paid",
            amounts=("total", "offset"),
            doc_fields=_DOC + _EMPLOYEE + _DEPT + ("payment.method",),
        ),
        EventSpec(
            "employee_advance.paid",
            amounts=("amount",),
            doc_fields=_DOC + _EMPLOYEE + ("payment.method",),
        ),
    )
}

# --- expressions -------------------------------------------------------------------------------

_BINOPS: dict[type, Callable[[Decimal, Decimal], Decimal]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


class _BadExpression(Exception):
    pass


def _number(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _BadExpression(f"only numbers are allowed, found {value!r}")
    return Decimal(repr(value))


def parse_amount(text: str) -> ast.expr:
    """Parse an amount expression; raises _BadExpression for anything but + - * / ( ) names numbers."""
    if not isinstance(text, str) or not text.strip():
        raise _BadExpression("empty expression")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise _BadExpression(f"does not parse ({exc.msg})") from None
    _check_amount(tree)
    return tree


def _check_amount(node: ast.expr) -> None:
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise _BadExpression(f"operator {type(node.op).__name__} is not allowed")
        _check_amount(node.left)
        _check_amount(node.right)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise _BadExpression(f"operator {type(node.op).__name__} is not allowed")
        _check_amount(node.operand)
    elif isinstance(node, ast.Constant):
        _number(node.value)
    elif not isinstance(node, ast.Name):
        raise _BadExpression(
            f"{type(node).__name__} is not allowed (only names, numbers, + - * / and parentheses)"
        )


def amount_names(node: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def eval_amount(node: ast.expr, amounts: Mapping[str, int]) -> Decimal:
    """Evaluate over named amounts in minor units; the result is in minor units, unrounded."""
    if isinstance(node, ast.BinOp):
        left = eval_amount(node.left, amounts)
        right = eval_amount(node.right, amounts)
        if isinstance(node.op, ast.Div) and right == 0:
            raise _BadExpression("division by zero")
        return _BINOPS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        value = eval_amount(node.operand, amounts)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.Name):
        return Decimal(amounts.get(node.id, 0))
    raise _BadExpression(type(node).__name__)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


_CMP = (ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def parse_condition(text: str) -> ast.expr:
    if not isinstance(text, str) or not text.strip():
        raise _BadExpression("empty condition")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise _BadExpression(f"does not parse ({exc.msg})") from None
    _check_condition(tree)
    return tree


def _check_condition(node: ast.expr) -> None:
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _check_condition(v)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check_condition(node.operand)
    elif isinstance(node, ast.Compare):
        if not all(isinstance(op, _CMP) for op in node.ops):
            raise _BadExpression("only == != < <= > >= in / not in comparisons are allowed")
        for operand in (node.left, *node.comparators):
            _check_operand(operand)
    else:
        raise _BadExpression(f"{type(node).__name__} is not allowed in a condition")


def _check_operand(node: ast.expr) -> None:
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, str | int | float | bool):
            raise _BadExpression(f"constant {node.value!r} is not allowed")
    elif isinstance(node, ast.List | ast.Tuple):
        for e in node.elts:
            if not isinstance(e, ast.Constant):
                raise _BadExpression("lists may hold constants only")
    elif _dotted(node) is None:
        raise _BadExpression(f"{type(node).__name__} is not allowed in a comparison")


def condition_fields(node: ast.expr) -> set[str]:
    out: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Compare):
            for operand in (n.left, *n.comparators):
                name = _dotted(operand)
                if name is not None:
                    out.add(name)
    return out


def _operand_value(node: ast.expr, fields: Callable[[str], Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List | ast.Tuple):
        return [e.value for e in node.elts if isinstance(e, ast.Constant)]
    name = _dotted(node)
    return fields(name) if name else None


def eval_condition(node: ast.expr, fields: Callable[[str], Any]) -> bool:
    if isinstance(node, ast.BoolOp):
        results = (eval_condition(v, fields) for v in node.values)
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.UnaryOp):
        return not eval_condition(node.operand, fields)
    if isinstance(node, ast.Compare):
        left = _operand_value(node.left, fields)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _operand_value(comp, fields)
            if not _compare(op, left, right):
                return False
            left = right
        return True
    raise _BadExpression(type(node).__name__)


def _compare(op: ast.cmpop, left: Any, right: Any) -> bool:
    if isinstance(op, ast.Eq):
        return bool(_norm(left) == _norm(right))
    if isinstance(op, ast.NotEq):
        return bool(_norm(left) != _norm(right))
    if isinstance(op, ast.In | ast.NotIn):
        inside = _norm(left) in [_norm(x) for x in (right or [])]
        return inside if isinstance(op, ast.In) else not inside
    try:
        a, b = Decimal(str(left)), Decimal(str(right))
    except (InvalidOperation, ValueError):
        return False
    if isinstance(op, ast.Lt):
        return a < b
    if isinstance(op, ast.LtE):
        return a <= b
    if isinstance(op, ast.Gt):
        return a > b
    return a >= b


def _norm(value: Any) -> Any:
    """Compare numbers by value (0.13 == '0.13'), everything else as text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    try:
        return Decimal(str(value)) if re.fullmatch(r"-?\d+(\.\d+)?", str(value)) else str(value)
    except InvalidOperation:
        return str(value)


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def template_fields(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def render(text: str, fields: Callable[[str], Any]) -> str:
    return _PLACEHOLDER.sub(lambda m: "" if (v := fields(m.group(1))) is None else str(v), text)


# --- parsed rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountChoice:
    account: str  # a code, or '{field}'
    when: ast.expr | None = None
    when_text: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    side: str
    per: str
    amount: ast.expr
    amount_text: str
    choices: tuple[AccountChoice, ...]
    dims: tuple[tuple[str, str], ...]
    summary: str


@dataclass(frozen=True)
class EventRules:
    event: str
    word: str
    rules: tuple[Rule, ...]


def _malformed(where: str, reason: str) -> RuleSetMalformed:
    return RuleSetMalformed(where=where, reason=reason, field="content")


def parse_rule_set(content: Mapping[str, Any]) -> tuple[dict[str, EventRules], list[YecaiError]]:
    """Shape and syntax checks; returns the parsed rules of every event and the errors found."""
    errors: list[YecaiError] = []
    out: dict[str, EventRules] = {}
    if not isinstance(content, Mapping) or not isinstance(content.get("events"), Mapping):
        return {}, [_malformed("top level", "expected an object with an 'events' object")]
    for event, body in content["events"].items():
        spec = EVENTS.get(event)
        if spec is None:
            errors.append(RuleEventUnknown(event=event, known=", ".join(sorted(EVENTS)), field="content"))
            continue
        if not isinstance(body, Mapping) or not isinstance(body.get("lines"), list) or not body["lines"]:
            errors.append(_malformed(event, "expected an object with a non-empty 'lines' list"))
            continue
        word = body.get("word", "记")
        if word not in WORDS:
            errors.append(_malformed(event, f"voucher word must be one of {'/'.join(WORDS)}"))
        if len(body["lines"]) > RULES_PER_EVENT_MAX:
            errors.append(_malformed(event, f"at most {RULES_PER_EVENT_MAX} rules"))
            continue
        rules: list[Rule] = []
        seen: set[str] = set()
        for i, raw in enumerate(body["lines"], start=1):
            rule = _parse_rule(event, spec, i, raw, seen, errors)
            if rule is not None:
                rules.append(rule)
        out[event] = EventRules(event, word, tuple(rules))
    return out, errors


def _parse_rule(
    event: str, spec: EventSpec, i: int, raw: Any, seen: set[str], errors: list[YecaiError]
) -> Rule | None:
    n_before = len(errors)
    if not isinstance(raw, Mapping):
        errors.append(_malformed(f"{event} rule {i}", "expected an object"))
        return None
    rid = str(raw.get("id") or f"{i}")
    where = f"{event} rule {rid}"
    if rid in seen:
        errors.append(_malformed(where, "rule ids must be unique within an event"))
    seen.add(rid)
    side = raw.get("side")
    if side not in SIDES:
        errors.append(_malformed(where, "side must be debit or credit"))
    per = raw.get("per", "document")
    if per not in PERS:
        errors.append(_malformed(where, "per must be line or document"))
    if per == "line" and not spec.line_fields:
        errors.append(_malformed(where, f"{event} has no document lines; use per: document"))
    known = set(spec.doc_fields) | (set(spec.line_fields) if per == "line" else set())
    amount_text = str(raw.get("amount") or "")
    amount: ast.expr | None = None
    try:
        amount = parse_amount(amount_text)
    except _BadExpression as exc:
        errors.append(
            RuleExpressionInvalid(
                rule=rid, event=event, what="amount", expression=amount_text, reason=str(exc), field="amount"
            )
        )
    if amount is not None:
        for name in sorted(amount_names(amount) - set(spec.amounts)):
            errors.append(
                RuleNameUnknown(
                    rule=rid,
                    event=event,
                    what="amount",
                    name=name,
                    known=", ".join(spec.amounts),
                    field="amount",
                )
            )
    choices = _parse_choices(event, spec, rid, raw.get("account"), known, errors)
    dims_raw = raw.get("dims") or {}
    dims: list[tuple[str, str]] = []
    if not isinstance(dims_raw, Mapping):
        errors.append(_malformed(where, "dims must be an object"))
    else:
        for dim, tmpl in dims_raw.items():
            if dim not in DIMENSIONS:
                errors.append(_malformed(where, f"unknown dimension {dim!r}"))
                continue
            _check_template(event, rid, f"dims.{dim}", str(tmpl), known, errors)
            dims.append((dim, str(tmpl)))
    summary = raw.get("summary", "")
    if not isinstance(summary, str) or not summary.strip():
        errors.append(_malformed(where, "summary (摘要) must not be empty"))
        summary = ""
    _check_template(event, rid, "summary", summary, known, errors)
    if len(errors) != n_before or amount is None:
        return None
    return Rule(rid, str(side), str(per), amount, amount_text, choices, tuple(dims), summary)


def _check_template(
    event: str, rid: str, what: str, text: str, known: set[str], errors: list[YecaiError]
) -> None:
    for name in sorted(template_fields(text) - known):
        errors.append(
            RuleNameUnknown(
                rule=rid, event=event, what=what, name=name, known=", ".join(sorted(known)), field=what
            )
        )


def _parse_choices(
    event: str, spec: EventSpec, rid: str, raw: Any, known: set[str], errors: list[YecaiError]
) -> tuple[AccountChoice, ...]:
    where = f"{event} rule {rid}"
    if isinstance(raw, str):
        items: list[Any] = [{"account": raw}]
    elif isinstance(raw, list) and raw:
        items = raw
    else:
        errors.append(_malformed(where, "account must be a code or a non-empty list of choices"))
        return ()
    out: list[AccountChoice] = []
    for j, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("account"), str):
            errors.append(_malformed(where, "each account choice needs an 'account'"))
            continue
        account = item["account"].strip()
        m = re.fullmatch(r"\{([A-Za-z_.]+)\}", account)
        if m and m.group(1) not in spec.account_fields:
            errors.append(
                RuleNameUnknown(
                    rule=rid,
                    event=event,
                    what="account",
                    name=m.group(1),
                    known=", ".join(spec.account_fields) or "-",
                    field="account",
                )
            )
            continue
        when_text = item.get("when")
        when: ast.expr | None = None
        if when_text is not None:
            try:
                when = parse_condition(when_text)
            except _BadExpression as exc:
                errors.append(
                    RuleExpressionInvalid(
                        rule=rid,
                        event=event,
                        what="condition",
                        expression=when_text,
                        reason=str(exc),
                        field="when",
                    )
                )
                continue
            for name in sorted(condition_fields(when) - known):
                errors.append(
                    RuleNameUnknown(
                        rule=rid,
                        event=event,
                        what="condition",
                        name=name,
                        known=", ".join(sorted(known)),
                        field="when",
                    )
                )
        elif j != len(items) - 1:
            errors.append(_malformed(where, "only the last account choice may omit 'when'"))
        out.append(AccountChoice(account, when, when_text or ""))
    if out and out[-1].when is not None:
        errors.append(RuleNoDefaultAccount(rule=rid, event=event, field="account"))
    return tuple(out)


# --- validation when saved ---------------------------------------------------------------------


def validate_rule_set(
    content: Mapping[str, Any],
    accounts: Callable[[str], AccountInfo | None],
    *,
    field_accounts: Mapping[str, set[str]] | None = None,
    seed: int = 20250101,
) -> list[YecaiError]:
    """Every error that would make posting fail, found now. ``field_accounts`` gives the codes an
    account field may hold (``tax.account`` → the company's tax-code accounts)."""
    parsed, errors = parse_rule_set(content)
    field_accounts = field_accounts or {}
    for event, er in parsed.items():
        for rule in er.rules:
            for choice in rule.choices:
                m = re.fullmatch(r"\{([A-Za-z_.]+)\}", choice.account)
                codes = sorted(field_accounts.get(m.group(1), set())) if m else [choice.account]
                for code in codes:
                    _check_account(event, rule, code, accounts, errors)
    if errors:
        return errors
    rng = random.Random(seed)
    for event, er in parsed.items():
        for _ in range(BALANCE_TRIALS):
            snap = synthetic_snapshot(EVENTS[event], rng)
            debit, credit = _sides(er, snap)
            if debit != credit:
                errors.append(
                    RuleSetUnbalanced(
                        event=event, debit=from_minor(debit), credit=from_minor(credit), field="content"
                    )
                )
                break
    return errors


def _check_account(
    event: str, rule: Rule, code: str, accounts: Callable[[str], AccountInfo | None], errors: list[YecaiError]
) -> None:
    info = accounts(code)
    if info is None:
        errors.append(RuleAccountUnknown(rule=rule.id, event=event, account=code, field="account"))
        return
    if not info.is_leaf:
        errors.append(
            RuleAccountNotLeaf(rule=rule.id, event=event, account=f"{code} {info.name}", field="account")
        )
        return
    if not info.enabled:
        errors.append(
            RuleAccountDisabled(rule=rule.id, event=event, account=f"{code} {info.name}", field="account")
        )
    given = {d for d, _ in rule.dims}
    for dim in info.dimensions:
        if dim not in given:
            errors.append(
                RuleDimensionMissing(rule=rule.id, event=event, account=code, dimension=dim, field="dims")
            )
    for dim in sorted(given - set(info.dimensions)):
        errors.append(
            RuleDimensionNotAllowed(rule=rule.id, event=event, account=code, dimension=dim, field="dims")
        )


def synthetic_snapshot(spec: EventSpec, rng: random.Random, n_lines: int = 3) -> dict[str, Any]:
    """A document with random amounts satisfying total = net + tax, for the balance check."""

    def amounts() -> dict[str, int]:
        out = {name: rng.randint(1, 10**9) for name in spec.amounts}
        if "total" in out:
            out["total"] = out.get("net", 0) + out.get("tax", 0)
        return out

    lines = [{"amounts": amounts()} for _ in range(n_lines if spec.line_fields else 0)]
    doc_amounts = (
        {name: sum(ln["amounts"][name] for ln in lines) for name in spec.amounts} if lines else amounts()
    )
    return {
        "doc": {"no": "SAMPLE", "date": "2025-01-01", "type": spec.source_type},
        "amounts": doc_amounts,
        "lines": lines,
    }


def _sides(er: EventRules, snap: Mapping[str, Any]) -> tuple[int, int]:
    debit = credit = 0
    for rule in er.rules:
        for ctx in _contexts(rule, snap):
            value = round_minor(eval_amount(rule.amount, ctx["amounts"]))
            if rule.side == "debit":
                debit += value
            else:
                credit += value
    return debit, credit


def _contexts(rule: Rule, snap: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if rule.per == "document":
        return [snap]
    return [{**snap, **line} for line in snap.get("lines", [])]


# --- evaluation when posting -------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    line_no: int
    rule_id: str
    amount_expression: str
    account_choice: str  # the 'when' that chose the account, '' for the default


@dataclass(frozen=True)
class PostingResult:
    draft: VoucherDraft | None
    explanations: tuple[Explanation, ...]
    errors: tuple[YecaiError, ...]


def field_getter(ctx: Mapping[str, Any]) -> Callable[[str], Any]:
    def get(name: str) -> Any:
        value: Any = ctx
        for part in name.split("."):
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value

    return get


def evaluate(event: str, snapshot: Mapping[str, Any], rules: Mapping[str, EventRules]) -> PostingResult:
    """(event, document snapshot, parsed rule set) → (voucher draft, which rule made each line, errors).

    The snapshot holds ``doc`` (no, date, type), parties, ``amounts`` (document totals in fen)
    and ``lines``, each with its own fields and ``amounts``.
    """
    er = rules.get(event)
    doc_no = str(snapshot.get("doc", {}).get("no", ""))
    if er is None:
        return PostingResult(None, (), (RuleNoRules(event=event),))
    lines: list[LineDraft] = []
    explanations: list[Explanation] = []
    errors: list[YecaiError] = []
    for rule in er.rules:
        for ctx in _contexts(rule, snapshot):
            get = field_getter(ctx)
            try:
                value = round_minor(eval_amount(rule.amount, ctx.get("amounts", {})))
            except _BadExpression as exc:
                errors.append(RuleEvaluationFailed(rule=rule.id, event=event, reason=str(exc), doc=doc_no))
                continue
            if value == 0:
                continue
            account, why = _choose(rule, get)
            if account is None:
                errors.append(RuleNoAccountMatched(rule=rule.id, event=event, doc=doc_no))
                continue
            amount = from_minor(value)
            lines.append(
                LineDraft(
                    summary=render(rule.summary, get).strip()[:200],
                    account_code=account,
                    debit=amount if rule.side == "debit" else Decimal(0),
                    credit=amount if rule.side == "credit" else Decimal(0),
                    dims={dim: render(t, get) for dim, t in rule.dims},
                )
            )
            explanations.append(Explanation(len(lines), rule.id, rule.amount_text, why))
    if errors:
        return PostingResult(None, tuple(explanations), tuple(errors))
    if not lines:
        return PostingResult(None, (), ())
    draft = VoucherDraft(
        date=date.fromisoformat(str(snapshot["doc"]["date"])),
        lines=tuple(lines),
        word=er.word,
        source_type=EVENTS[event].source_type,
        source_ref=doc_no,
    )
    return PostingResult(draft, tuple(explanations), ())


def _choose(rule: Rule, get: Callable[[str], Any]) -> tuple[str | None, str]:
    for choice in rule.choices:
        if choice.when is None or eval_condition(choice.when, get):
            m = re.fullmatch(r"\{([A-Za-z_.]+)\}", choice.account)
            account = get(m.group(1)) if m else choice.account
            return (None if account in (None, "") else str(account)), choice.when_text
    return None, ""


# --- dry-run: what a changed rule set would post differently -----------------------------------


@dataclass(frozen=True)
class PostedLine:
    """One voucher line as compared in a dry-run (amounts in fen)."""

    rule_id: str
    account: str
    debit_minor: int
    credit_minor: int
    dims: tuple[tuple[str, str], ...]  # (dimension, code), in DIMENSIONS order, only those set
    summary: str

    def same_except_rule(self, other: PostedLine) -> bool:
        return (self.account, self.debit_minor, self.credit_minor, self.dims, self.summary) == (
            other.account,
            other.debit_minor,
            other.credit_minor,
            other.dims,
            other.summary,
        )


@dataclass(frozen=True)
class LineDifference:
    """A voucher line that would change: ``old`` None when it would be added, ``new`` None when
    it would no longer be posted. ``changed`` names what differs: account, amount, dimension,
    summary (or added / removed)."""

    rule_id: str
    changed: tuple[str, ...]
    old: PostedLine | None
    new: PostedLine | None


def ordered_dims(dims: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((d, str(dims[d])) for d in DIMENSIONS if dims.get(d))


def result_lines(result: PostingResult) -> list[PostedLine]:
    """The lines an evaluation would post, each with the rule that made it."""
    if result.draft is None:
        return []
    rules = {e.line_no: e.rule_id for e in result.explanations}
    out = []
    for i, ln in enumerate(result.draft.lines, start=1):
        out.append(
            PostedLine(
                rule_id=rules.get(i, ""),
                account=ln.account_code,
                debit_minor=round_minor(ln.debit.scaleb(2)),
                credit_minor=round_minor(ln.credit.scaleb(2)),
                dims=ordered_dims(ln.dims),
                summary=ln.summary,
            )
        )
    return out


def diff_lines(old: Sequence[PostedLine], new: Sequence[PostedLine]) -> list[LineDifference]:
    """Old voucher lines against new ones. Identical lines cancel out first (whatever their
    order); what is left is paired rule by rule in order, so a changed account or amount shows
    as one line old → new; the rest are lines added or removed."""
    old_left = list(old)
    new_left: list[PostedLine] = []
    for ln in new:
        match = next((o for o in old_left if o.same_except_rule(ln)), None)
        if match is None:
            new_left.append(ln)
        else:
            old_left.remove(match)
    out: list[LineDifference] = []
    for o in old_left:
        n = next((x for x in new_left if x.rule_id == o.rule_id), None)
        if n is None:
            out.append(LineDifference(o.rule_id, ("removed",), o, None))
            continue
        new_left.remove(n)
        changed = []
        if o.account != n.account:
            changed.append("account")
        if (o.debit_minor, o.credit_minor) != (n.debit_minor, n.credit_minor):
            changed.append("amount")
        if o.dims != n.dims:
            changed.append("dimension")
        if o.summary != n.summary:
            changed.append("summary")
        out.append(LineDifference(o.rule_id, tuple(changed), o, n))
    out += [LineDifference(n.rule_id, ("added",), None, n) for n in new_left]
    return out
