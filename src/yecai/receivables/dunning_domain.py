"""Dunning (催收), pure: policies and their levels, which level a customer has reached, the
interest on what is overdue, and the reminder letters listing the customer's overdue items.

A policy is a list of levels ordered by days overdue. A customer reaches a level when its oldest
overdue item is at least ``days_overdue`` late *and* its overdue total is at least
``min_amount_minor``; it is moved to the highest level it reaches, never back down while it still
owes, and each level's actions run once per dunning cycle (a cycle ends when nothing is overdue).
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from yecai.core.errors import YecaiError
from yecai.core.i18n import N_, gettext
from yecai.core.money import format_minor, from_minor, to_minor

EMAIL = "email"
WEBHOOK = "webhook"
TASK = "task"
LATE_FEE = "late_fee"
CREDIT_LIMIT = "credit_limit"
CREDIT_HOLD = "credit_hold"
ACTION_KINDS: tuple[str, ...] = (EMAIL, WEBHOOK, TASK, LATE_FEE, CREDIT_LIMIT, CREDIT_HOLD)
# Sent outside the database transaction, after it commits; retried by the next run when they fail.
EXTERNAL_KINDS = frozenset({EMAIL, WEBHOOK})
LANGUAGES: tuple[str, ...] = ("zh_CN", "en")
WEBHOOK_FORMATS: tuple[str, ...] = ("robot", "json")  # robot: WeCom / DingTalk text message

LEVELS_MAX = 10
ACTIONS_PER_LEVEL_MAX = 10
TEMPLATE_CHARS_MAX = 8000
DAYS_MAX = 3650
DAYS_PER_YEAR = 365  # interest is simple daily interest on an actual/365 basis
RATE_MAX = Decimal("1")  # 100 % a year: anything above is a typo, not a policy

# Fields a letter or a task title may use: {customer} … (nothing else, no attribute access).
PLACEHOLDERS: tuple[str, ...] = (
    "company",
    "customer",
    "customer_code",
    "level",
    "level_name",
    "as_of",
    "overdue_total",
    "oldest_days",
    "items",
    "item_count",
)

DEFAULT_SUBJECT = N_("Payment reminder ({level_name}): {overdue_total} overdue — {company}")
DEFAULT_BODY = N_(
    "Dear {customer},\n\n"
    "As of {as_of}, the following {item_count} invoice(s) are overdue:\n\n"
    "{items}\n\n"
    "Total overdue: {overdue_total}\n\n"
    "Please arrange payment as soon as possible. If you have already paid, or if you disagree "
    "with any item, please reply to this message.\n\n"
    "{company}"
)
DEFAULT_TASK_TITLE = N_("Call {customer} about {overdue_total} overdue ({level_name})")
ITEM_LINE = N_("{doc_no}  invoice date {date}  due {due_date}  {days} days overdue  open {amount}")


# A starting point for a company without its own policy (`policy-set` without --file): remind,
# insist, stop selling on credit, then charge interest (simple, 18.25 % a year = 0.05 % a day,
# a common contractual rate; set your contract's).
DEFAULT_LEVELS: tuple[dict[str, Any], ...] = (
    {"name": "到期提醒", "days_overdue": 1, "actions": [{"type": EMAIL}]},
    {"name": "逾期催告", "days_overdue": 15, "actions": [{"type": EMAIL}]},
    {"name": "停止赊销", "days_overdue": 30, "actions": [{"type": EMAIL}, {"type": CREDIT_HOLD}]},
    {
        "name": "逾期计息",
        "days_overdue": 60,
        "actions": [{"type": EMAIL}, {"type": LATE_FEE, "annual_rate": "0.1825"}],
    },
)


class ReasonError(YecaiError):
    """An error whose ``reason`` is itself a msgid (with placeholders from the same params), so
    that the whole message reads in the user's language."""

    def message(self, locale: str = "zh_CN") -> str:
        params = dict(self.params)
        reason = params.get("reason")
        if isinstance(reason, str):
            params["reason"] = gettext(reason, locale).format(**params)
        return gettext(self.template, locale).format(**params)


class PolicyInvalid(ReasonError):
    code = "dunning.policy_invalid"
    template = "Dunning policy: {reason}"


class LevelsOutOfOrder(YecaiError):
    code = "dunning.levels_out_of_order"
    template = "Level {level} starts at {days} days overdue; each level must start later than the one before ({before} days)"


class ActionUnknown(YecaiError):
    code = "dunning.action_unknown"
    template = "Level {level}: unknown action {kind!r} (one of {kinds})"


class ActionParamInvalid(ReasonError):
    code = "dunning.action_param_invalid"
    template = "Level {level}, action {kind}: {param} {reason}"


class PlaceholderUnknown(YecaiError):
    code = "dunning.placeholder_unknown"
    template = "Template uses {{{name}}}, which is not one of: {names}"


class LanguageUnknown(YecaiError):
    code = "dunning.language_unknown"
    template = "Language {value!r} must be one of {languages}"


# --- policies ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    kind: str
    params: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, str]:
        return {"type": self.kind, **self.params}


@dataclass(frozen=True)
class Level:
    seq: int  # 1, 2, …
    name: str
    days_overdue: int
    min_amount_minor: int
    actions: tuple[Action, ...] = ()


def check_language(value: str) -> str:
    if value not in LANGUAGES:
        raise LanguageUnknown(value=value, languages=" | ".join(LANGUAGES), field="language")
    return value


def check_template(text: str, what: str) -> str:
    """Refuse a letter template that uses a field we don't fill, or any {a.b} / {a[0]} access."""
    if len(text) > TEMPLATE_CHARS_MAX:
        raise PolicyInvalid(
            reason=N_("{what} is longer than {limit} characters"),
            what=what,
            limit=TEMPLATE_CHARS_MAX,
            field=what,
        )
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise PolicyInvalid(reason=N_("{what}: {detail}"), what=what, detail=str(exc), field=what) from exc
    for _literal, name, _spec, _conv in parts:
        if name is not None and name not in PLACEHOLDERS:
            raise PlaceholderUnknown(name=name, names=", ".join(PLACEHOLDERS), field=what)
    return text


def _decimal(level: int, kind: str, param: str, raw: Any, *, low: Decimal, high: Decimal | None) -> str:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ActionParamInvalid(
            level=level, kind=kind, param=param, reason=N_("is not a number"), field=param
        ) from None
    if not value.is_finite() or value < low or (high is not None and value > high):
        bound = N_("must be between {low} and {high}") if high is not None else N_("must be at least {low}")
        raise ActionParamInvalid(
            level=level, kind=kind, param=param, reason=bound, low=low, high=high, field=param
        )
    return str(value)


def _text(params: Mapping[str, Any], key: str, limit: int = 500) -> str:
    return str(params.get(key) or "").strip()[:limit]


def parse_action(level: int, raw: Mapping[str, Any]) -> Action:
    """Validate one action; unknown parameters are refused so that a typo is not silently ignored."""
    kind = str(raw.get("type") or raw.get("kind") or "").strip()
    if kind not in ACTION_KINDS:
        raise ActionUnknown(level=level, kind=kind, kinds=", ".join(ACTION_KINDS), field="type")
    allowed: dict[str, tuple[str, ...]] = {
        EMAIL: ("to", "cc", "subject", "body", "language"),
        WEBHOOK: ("url", "format", "language"),
        TASK: ("assignee", "due_days", "title"),
        LATE_FEE: ("annual_rate", "fixed_fee", "receivable_account", "interest_account", "fee_account"),
        CREDIT_LIMIT: ("factor", "limit"),
        CREDIT_HOLD: ("reason",),
    }
    extra = sorted(set(raw) - {"type", "kind"} - set(allowed[kind]))
    if extra:
        raise ActionParamInvalid(
            level=level,
            kind=kind,
            param=extra[0],
            reason=N_("is not a parameter of this action"),
            field=extra[0],
        )
    p: dict[str, str] = {}
    if kind == EMAIL:
        for key in ("to", "cc"):
            if raw.get(key):
                p[key] = _text(raw, key)
        for key in ("subject", "body"):
            if raw.get(key):
                p[key] = check_template(str(raw[key]), key)
        if raw.get("language"):
            p["language"] = check_language(str(raw["language"]))
    elif kind == WEBHOOK:
        url = _text(raw, "url", 1000)
        if not url.startswith(("http://", "https://")):
            raise ActionParamInvalid(
                level=level,
                kind=kind,
                param="url",
                reason=N_("must start with http:// or https://"),
                field="url",
            )
        fmt = _text(raw, "format") or "robot"
        if fmt not in WEBHOOK_FORMATS:
            raise ActionParamInvalid(
                level=level,
                kind=kind,
                param="format",
                reason=N_("must be one of {values}"),
                values=", ".join(WEBHOOK_FORMATS),
                field="format",
            )
        p.update(url=url, format=fmt)
        if raw.get("language"):
            p["language"] = check_language(str(raw["language"]))
    elif kind == TASK:
        assignee = _text(raw, "assignee", 60)
        if not assignee:
            raise ActionParamInvalid(
                level=level, kind=kind, param="assignee", reason=N_("is required"), field="assignee"
            )
        p["assignee"] = assignee
        p["due_days"] = str(
            int(
                _decimal(
                    level, kind, "due_days", raw.get("due_days", 3), low=Decimal(0), high=Decimal(365)
                ).split(".")[0]
            )
        )
        if raw.get("title"):
            p["title"] = check_template(_text(raw, "title", 200), "title")
    elif kind == LATE_FEE:
        rate = raw.get("annual_rate")
        fee = raw.get("fixed_fee")
        if rate in (None, "") and fee in (None, ""):
            raise ActionParamInvalid(
                level=level,
                kind=kind,
                param="annual_rate",
                reason=N_("or fixed_fee is required"),
                field="annual_rate",
            )
        if rate not in (None, ""):
            p["annual_rate"] = _decimal(level, kind, "annual_rate", rate, low=Decimal(0), high=RATE_MAX)
        if fee not in (None, ""):
            fee_text = _decimal(level, kind, "fixed_fee", fee, low=Decimal(0), high=None)
            p["fixed_fee"] = format_minor(to_minor(fee_text))
        for key, default in (
            ("receivable_account", "1122"),
            ("interest_account", "660302"),
            ("fee_account", "6301"),
        ):
            p[key] = _text(raw, key, 20) or default
    elif kind == CREDIT_LIMIT:
        if raw.get("limit") not in (None, ""):
            p["limit"] = format_minor(
                to_minor(_decimal(level, kind, "limit", raw["limit"], low=Decimal(0), high=None))
            )
        else:
            p["factor"] = _decimal(
                level, kind, "factor", raw.get("factor", "0.5"), low=Decimal(0), high=Decimal(1)
            )
    elif kind == CREDIT_HOLD:
        p["reason"] = _text(raw, "reason", 200)
    return Action(kind, p)


def parse_levels(raw_levels: Sequence[Mapping[str, Any]]) -> tuple[Level, ...]:
    """Levels as the user wrote them (JSON / form) → validated levels numbered 1…n by days."""
    if not raw_levels:
        raise PolicyInvalid(reason=N_("at least one level is required"), field="levels")
    if len(raw_levels) > LEVELS_MAX:
        raise PolicyInvalid(reason=N_("at most {limit} levels"), limit=LEVELS_MAX, field="levels")
    out: list[Level] = []
    before = -1
    for i, raw in enumerate(raw_levels, start=1):
        try:
            days = int(str(raw.get("days_overdue", "")).strip())
        except ValueError:
            raise PolicyInvalid(
                reason=N_("level {level}: days_overdue must be a whole number"), level=i, field="days_overdue"
            ) from None
        if not 0 <= days <= DAYS_MAX:
            raise PolicyInvalid(
                reason=N_("level {level}: days_overdue must be between 0 and {limit}"),
                level=i,
                limit=DAYS_MAX,
                field="days_overdue",
            )
        if days <= before:
            raise LevelsOutOfOrder(level=i, days=days, before=before, field="days_overdue")
        before = days
        try:
            min_amount = to_minor(str(raw.get("min_amount") or "0"))
        except YecaiError as exc:
            raise exc.located(field="min_amount") from None
        if min_amount < 0:
            raise PolicyInvalid(
                reason=N_("level {level}: min_amount must not be negative"), level=i, field="min_amount"
            )
        actions_raw = raw.get("actions") or []
        if len(actions_raw) > ACTIONS_PER_LEVEL_MAX:
            raise PolicyInvalid(
                reason=N_("level {level}: at most {limit} actions"),
                level=i,
                limit=ACTIONS_PER_LEVEL_MAX,
                field="actions",
            )
        actions = tuple(parse_action(i, a) for a in actions_raw)
        name = str(raw.get("name") or "").strip()[:60] or f"L{i}"
        out.append(Level(seq=i, name=name, days_overdue=days, min_amount_minor=min_amount, actions=actions))
    return tuple(out)


def levels_to_json(levels: Sequence[Level]) -> list[dict[str, Any]]:
    return [
        {
            "name": lv.name,
            "days_overdue": lv.days_overdue,
            "min_amount": format_minor(lv.min_amount_minor),
            "actions": [a.to_dict() for a in lv.actions],
        }
        for lv in levels
    ]


# --- positions and decisions ---------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueItem:
    doc_no: str
    doc_date: date
    due_date: date
    open_minor: int

    def days_overdue(self, as_of: date) -> int:
        return (as_of - self.due_date).days


def overdue_items(items: Sequence[OverdueItem], as_of: date) -> list[OverdueItem]:
    """Items past their due date on ``as_of``, oldest due first."""
    return sorted(
        (it for it in items if it.open_minor > 0 and it.due_date < as_of),
        key=lambda it: (it.due_date, it.doc_no),
    )


def target_level(levels: Sequence[Level], oldest_days: int, overdue_minor: int) -> int:
    """The highest level the customer reaches (0: none)."""
    reached = 0
    for lv in levels:
        if oldest_days >= lv.days_overdue and overdue_minor >= lv.min_amount_minor:
            reached = lv.seq
    return reached


STOP = "stop"  # nothing overdue any more: the cycle ends
PAUSED = "paused"  # disputed, or a promise to pay not yet due
ESCALATE = "escalate"
STAY = "stay"


@dataclass(frozen=True)
class Decision:
    outcome: str
    level: int  # the level after the decision


def decide(current: int, target: int, *, overdue_minor: int, paused: bool) -> Decision:
    if overdue_minor <= 0:
        return Decision(STOP, 0)
    if paused:
        return Decision(PAUSED, current)
    if target > current:
        return Decision(ESCALATE, target)
    return Decision(STAY, current)  # never back down while something is still overdue


def interest_minor(
    items: Sequence[OverdueItem], annual_rate: Decimal, as_of: date, *, charged_through: date | None
) -> int:
    """Simple interest on each overdue item from its due date (or the last charge) to ``as_of``,
    actual/365, rounded half up once on the total."""
    total = Decimal(0)
    for it in items:
        start = max(it.due_date, charged_through) if charged_through else it.due_date
        days = (as_of - start).days
        if days > 0 and it.open_minor > 0:
            total += Decimal(it.open_minor) * annual_rate * days / DAYS_PER_YEAR
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def credit_limit_after(action: Action, current_minor: int) -> int:
    """The lowered limit (fen). 0 means "no limit" in master data, so a lowered limit is at least
    1 fen ("nothing more on credit"); a factor leaves "no limit" alone, an explicit limit sets it.
    A dunning step never raises a limit."""
    if "limit" in action.params:
        new = max(1, to_minor(action.params["limit"]))
        return new if current_minor == 0 else min(new, current_minor)
    if current_minor == 0:
        return 0
    factor = Decimal(action.params["factor"])
    new = int((Decimal(current_minor) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return max(1, min(new, current_minor))


# --- letters -------------------------------------------------------------------------------------


def grouped(minor: int, currency: str = "CNY") -> str:
    """1,130.00: how amounts read in a letter."""
    return f"{from_minor(minor, currency):,}"


def letter_values(
    *,
    company: str,
    customer: str,
    customer_code: str,
    level: Level,
    as_of: date,
    items: Sequence[OverdueItem],
    locale: str,
    currency: str = "CNY",
) -> dict[str, str]:
    lines = [
        gettext(ITEM_LINE, locale).format(
            doc_no=it.doc_no,
            date=it.doc_date.isoformat(),
            due_date=it.due_date.isoformat(),
            days=it.days_overdue(as_of),
            amount=grouped(it.open_minor, currency),
        )
        for it in items
    ]
    total = sum(it.open_minor for it in items)
    return {
        "company": company,
        "customer": customer,
        "customer_code": customer_code,
        "level": str(level.seq),
        "level_name": level.name,
        "as_of": as_of.isoformat(),
        "overdue_total": f"{currency} {grouped(total, currency)}",
        "oldest_days": str(max((it.days_overdue(as_of) for it in items), default=0)),
        "items": "\n".join(lines),
        "item_count": str(len(items)),
    }


def render(text: str, values: Mapping[str, str]) -> str:
    check_template(text, "template")
    return text.format_map(dict(values))


def letter(action: Action, values: Mapping[str, str], locale: str) -> tuple[str, str]:
    """(subject, body): the action's own templates, else the default letter in ``locale``."""
    subject = action.params.get("subject") or gettext(DEFAULT_SUBJECT, locale)
    body = action.params.get("body") or gettext(DEFAULT_BODY, locale)
    return render(subject, values), render(body, values)
