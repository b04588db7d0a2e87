"""Built-in chart-of-accounts templates and financial-statement line definitions.

The chart (企业会计准则 general enterprise) and the balance-sheet / income-statement
layouts (财会〔2019〕6号, for enterprises applying the new financial-instrument, revenue
and lease standards) are data files under ``data/``; this module loads and validates
them and evaluates statement lines over plain integer amounts in minor units (分).

Pure Python: no framework, no I/O besides reading the packaged CSV files.

Formula language (one formula per statement line):

* ``""`` (empty): a caption row such as 流动资产： — it has no amount.
* ``"0"``: a printed row that no account of the template feeds (e.g. 其他非流动负债).
* ``"+1001+1002-1231"``: signed account-code prefixes. A term covers the named account and
  all its descendants, including accounts a company adds under a template parent. A term's
  value is the subtree's net amount in the normal direction of the account the term names
  (debit: debit - credit, credit: credit - debit), so a contra account (1602 累计折旧,
  1231 坏账准备, 4201 库存股) is written with ``-`` on the line it reduces, as an
  accountant writes it. Balance sheet: net cumulative balance; income statement: period
  activity excluding closing vouchers.
* ``"+4103+4104+PL"``: ``PL`` (balance sheet only) is the profit not yet carried to
  本年利润: the sum over profit_loss accounts of credit - debit. It lets the sheet balance
  before month-end closing.
* ``"L:key1+key2-key3"``: signed sums of other lines of the same statement (and side).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Literal

DIRECTIONS = ("debit", "credit")
CATEGORIES = ("asset", "liability", "common", "equity", "cost", "profit_loss")
DIMENSIONS = ("customer", "supplier", "department", "project", "employee")
SIDES = ("asset", "liability_equity")
BALANCE_SHEET_CATEGORIES = frozenset({"asset", "liability", "common", "equity", "cost"})

TOTAL_ASSETS_KEY = "total_assets"
TOTAL_LIABILITIES_AND_EQUITY_KEY = "total_liabilities_and_equity"
NET_PROFIT_KEY = "net_profit"
UNDISTRIBUTED_PROFIT_KEY = "undistributed_profit"

# 以前年度损益调整 is closed straight to 利润分配—未分配利润 (it restates prior years), never
# to 本年利润, so it is not part of the period's net profit on the income statement. On
# the balance sheet it is still part of PL until closed.
INCOME_STATEMENT_EXCLUDED_PREFIXES = ("6901",)

StatementKind = Literal["balance_sheet", "income_statement"]
TermKind = Literal["account", "line", "pl"]

_PACKAGE = "yecai.ledger"
# template name -> data file per content
_TEMPLATE_FILES = {
    "cas-general": {
        "accounts": "cas_general_accounts.csv",
        "balance_sheet": "cas_balance_sheet.csv",
        "income_statement": "cas_income_statement.csv",
    },
}
_ACCOUNT_HEADER = ["code", "name", "name_en", "direction", "category", "dimensions", "allow_fx"]
_STATEMENT_HEADER = ["line_no", "key", "name", "name_en", "side", "formula"]

_CODE_RE = re.compile(r"\d{4}(?:\d{2}){0,2}")
_KEY_RE = re.compile(r"[a-z][a-z0-9_]*")
_LINE_PREFIX = "L:"
_PL_TOKEN = "PL"
_ZERO_FORMULA = "0"


@dataclass(frozen=True)
class AccountTemplateRow:
    code: str
    name: str
    name_en: str
    parent_code: str | None
    level: int
    direction: str
    category: str
    dimensions: tuple[str, ...]
    allow_fx: bool
    is_leaf: bool


@dataclass(frozen=True)
class StatementLine:
    line_no: int
    key: str
    name: str
    name_en: str
    side: str | None
    formula: str


@dataclass(frozen=True)
class Term:
    sign: int  # +1 or -1
    kind: TermKind
    ref: str  # account-code prefix, line key, or "PL"


@dataclass(frozen=True)
class Formula:
    terms: tuple[Term, ...]
    is_header: bool  # a caption row: no amount at all (distinct from a row that is always 0)


# ---------------------------------------------------------------------------------------
# Loading


def _read_data_file(filename: str) -> str:
    return resources.files(_PACKAGE).joinpath("data").joinpath(filename).read_text(encoding="utf-8")


def _template_file(template: str, content: str) -> str:
    files = _TEMPLATE_FILES.get(template)
    if files is None:
        known = ", ".join(sorted(_TEMPLATE_FILES))
        raise ValueError(f"unknown template {template!r}: expected one of {known}")
    return files[content]


def _csv_rows(filename: str, header: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a packaged CSV as (file line number, row); the header must match exactly."""
    reader = csv.reader(io.StringIO(_read_data_file(filename)))
    rows = list(reader)
    if not rows or rows[0] != header:
        found = rows[0] if rows else []
        raise ValueError(f"{filename}: header must be {','.join(header)}, found {','.join(found)}")
    result: list[tuple[int, dict[str, str]]] = []
    for index, values in enumerate(rows[1:], start=2):
        if not values:
            continue
        if len(values) != len(header):
            raise ValueError(f"{filename} line {index}: expected {len(header)} fields, found {len(values)}")
        result.append((index, dict(zip(header, values, strict=True))))
    return result


def parent_code_of(code: str) -> str | None:
    """The parent implied by 4-2-2 coding: 22210101 -> 222101 -> 2221 -> None."""
    return code[:-2] if len(code) > 4 else None


def load_account_template(name: str = "cas-general") -> list[AccountTemplateRow]:
    """The template chart of accounts, sorted by code (parents before their children)."""
    filename = _template_file(name, "accounts")
    parsed: dict[str, tuple[int, dict[str, str]]] = {}
    for line, row in _csv_rows(filename, _ACCOUNT_HEADER):
        where = f"{filename} line {line}"
        code = row["code"]
        if not _CODE_RE.fullmatch(code):
            raise ValueError(f"{where}: field 'code': expected 4, 6 or 8 digits (4-2-2), found {code!r}")
        if code in parsed:
            raise ValueError(f"{where}: field 'code': {code} already defined on line {parsed[code][0]}")
        if not row["name"] or not row["name_en"]:
            raise ValueError(f"{where}: fields 'name' and 'name_en' must not be empty")
        if row["direction"] not in DIRECTIONS:
            raise ValueError(
                f"{where}: field 'direction': expected one of {', '.join(DIRECTIONS)}, found {row['direction']!r}"
            )
        if row["category"] not in CATEGORIES:
            raise ValueError(
                f"{where}: field 'category': expected one of {', '.join(CATEGORIES)}, found {row['category']!r}"
            )
        dimensions = row["dimensions"].split(";") if row["dimensions"] else []
        for dimension in dimensions:
            if dimension not in DIMENSIONS:
                raise ValueError(
                    f"{where}: field 'dimensions': expected a ;-separated subset of "
                    f"{', '.join(DIMENSIONS)}, found {dimension!r}"
                )
        if len(set(dimensions)) != len(dimensions):
            raise ValueError(f"{where}: field 'dimensions': {row['dimensions']!r} repeats a dimension")
        if row["allow_fx"] not in ("0", "1"):
            raise ValueError(f"{where}: field 'allow_fx': expected 0 or 1, found {row['allow_fx']!r}")
        parsed[code] = (line, row)

    parents = {p for code in parsed if (p := parent_code_of(code)) is not None}
    result: list[AccountTemplateRow] = []
    for code in sorted(parsed):
        line, row = parsed[code]
        parent = parent_code_of(code)
        if parent is not None:
            if parent not in parsed:
                raise ValueError(f"{filename} line {line}: account {code} has no parent account {parent}")
            parent_row = parsed[parent][1]
            # Statement terms name a parent and cover its subtree, so a subtree must be of
            # one category and one normal balance side.
            for field in ("category", "direction"):
                if row[field] != parent_row[field]:
                    raise ValueError(
                        f"{filename} line {line}: field {field!r}: account {code} has {row[field]!r}, "
                        f"its parent {parent} has {parent_row[field]!r}"
                    )
        result.append(
            AccountTemplateRow(
                code=code,
                name=row["name"],
                name_en=row["name_en"],
                parent_code=parent,
                level=(len(code) - 4) // 2 + 1,
                direction=row["direction"],
                category=row["category"],
                dimensions=tuple(row["dimensions"].split(";")) if row["dimensions"] else (),
                allow_fx=row["allow_fx"] == "1",
                is_leaf=code not in parents,
            )
        )
    return result


def accounts_mapping(rows: Iterable[AccountTemplateRow]) -> dict[str, tuple[str, str]]:
    """code -> (direction, category), the shape the validators and evaluators take."""
    return {row.code: (row.direction, row.category) for row in rows}


def load_statement(kind: StatementKind, template: str = "cas-general") -> list[StatementLine]:
    """A statement's lines in printed order, validated against the template's chart."""
    if kind not in ("balance_sheet", "income_statement"):
        raise ValueError(f"unknown statement kind {kind!r}: expected balance_sheet or income_statement")
    filename = _template_file(template, kind)
    lines: list[StatementLine] = []
    for line, row in _csv_rows(filename, _STATEMENT_HEADER):
        where = f"{filename} line {line}"
        try:
            line_no = int(row["line_no"])
        except ValueError:
            raise ValueError(
                f"{where}: field 'line_no': expected an integer, found {row['line_no']!r}"
            ) from None
        side = row["side"] or None
        if kind == "balance_sheet" and side not in SIDES:
            raise ValueError(
                f"{where}: field 'side': expected one of {', '.join(SIDES)}, found {row['side']!r}"
            )
        if kind == "income_statement" and side is not None:
            raise ValueError(f"{where}: field 'side': must be empty on the income statement, found {side!r}")
        lines.append(
            StatementLine(
                line_no=line_no,
                key=row["key"],
                name=row["name"],
                name_en=row["name_en"],
                side=side,
                formula=row["formula"],
            )
        )
    try:
        validate_statement(lines, accounts_mapping(load_account_template(template)))
    except ValueError as error:
        raise ValueError(f"{filename}: {error}") from None
    return lines


# ---------------------------------------------------------------------------------------
# Formulas


def parse_formula(text: str) -> Formula:
    """Parse one line formula; a ValueError names the offending token and its position."""
    stripped = text.strip()
    if stripped == "":
        return Formula(terms=(), is_header=True)
    if stripped == _ZERO_FORMULA:
        return Formula(terms=(), is_header=False)

    is_lines = stripped.startswith(_LINE_PREFIX)
    body_start = len(_LINE_PREFIX) if is_lines else 0
    terms: list[Term] = []
    position = body_start
    while position < len(stripped):
        sign = 1
        if stripped[position] in "+-":
            sign = -1 if stripped[position] == "-" else 1
            position += 1
        elif terms:
            raise AssertionError("a term ends only at a sign")  # the token regex stops at + and -
        end = position
        while end < len(stripped) and stripped[end] not in "+-":
            end += 1
        token = stripped[position:end].strip()
        if token == "":
            found = stripped[position - 1] if position > body_start else stripped[position:]
            raise ValueError(f"formula {text!r}: missing term after {found!r} at position {position}")
        if is_lines:
            if not _KEY_RE.fullmatch(token):
                raise ValueError(
                    f"formula {text!r}: bad token {token!r} at position {position}: "
                    "expected a line key (lower-case letters, digits, underscores)"
                )
            terms.append(Term(sign=sign, kind="line", ref=token))
        elif token == _PL_TOKEN:
            terms.append(Term(sign=sign, kind="pl", ref=_PL_TOKEN))
        elif _CODE_RE.fullmatch(token):
            terms.append(Term(sign=sign, kind="account", ref=token))
        else:
            raise ValueError(
                f"formula {text!r}: bad token {token!r} at position {position}: "
                "expected an account code of 4, 6 or 8 digits, or PL"
            )
        position = end
    if not terms:
        raise ValueError(f"formula {text!r}: {_LINE_PREFIX!r} must be followed by line keys")
    return Formula(terms=tuple(terms), is_header=False)


def _direction_factor(direction: str) -> int:
    """+1 if the normal balance is debit: amounts are kept internally as debit - credit."""
    if direction == "debit":
        return 1
    if direction == "credit":
        return -1
    raise ValueError(f"unknown direction {direction!r}: expected one of {', '.join(DIRECTIONS)}")


def _statement_kind(lines: Sequence[StatementLine]) -> StatementKind:
    sides = {line.side for line in lines}
    if sides == {None}:
        return "income_statement"
    if None not in sides and sides <= set(SIDES):
        return "balance_sheet"
    raise ValueError(
        f"lines mix sides {sorted(str(s) for s in sides)}: a balance sheet has only "
        f"{' and '.join(SIDES)}, an income statement has none"
    )


def _parse_lines(
    lines: Sequence[StatementLine], accounts: Mapping[str, tuple[str, str]]
) -> tuple[StatementKind, dict[str, Formula]]:
    """Structural validation shared by validate_statement and the evaluators."""
    if not lines:
        raise ValueError("a statement needs at least one line")
    kind = _statement_kind(lines)
    by_key: dict[str, StatementLine] = {}
    line_nos: set[int] = set()
    for line in lines:
        if not _KEY_RE.fullmatch(line.key):
            raise ValueError(
                f"line {line.line_no}: bad key {line.key!r}: lower-case letters, digits, underscores"
            )
        if line.key in by_key:
            raise ValueError(
                f"line {line.line_no}: key {line.key!r} is also used by line {by_key[line.key].line_no}"
            )
        if line.line_no in line_nos:
            raise ValueError(f"line {line.key!r}: line_no {line.line_no} is used twice")
        if not line.name or not line.name_en:
            raise ValueError(f"line {line.key!r}: name and name_en must not be empty")
        by_key[line.key] = line
        line_nos.add(line.line_no)

    formulas: dict[str, Formula] = {}
    for line in lines:
        try:
            formula = parse_formula(line.formula)
        except ValueError as error:
            raise ValueError(f"line {line.key!r}: {error}") from None
        for term in formula.terms:
            if term.kind == "account":
                if term.ref not in accounts:
                    raise ValueError(f"line {line.key!r}: unknown account {term.ref!r}")
                _direction_factor(accounts[term.ref][0])
            elif term.kind == "pl":
                if kind != "balance_sheet":
                    raise ValueError(f"line {line.key!r}: {_PL_TOKEN} is allowed on the balance sheet only")
            else:
                target = by_key.get(term.ref)
                if target is None:
                    raise ValueError(f"line {line.key!r}: unknown line key {term.ref!r}")
                if target.side != line.side:
                    raise ValueError(
                        f"line {line.key!r} ({line.side}) refers to {term.ref!r} on the other side ({target.side})"
                    )
                if not target.formula.strip():
                    raise ValueError(
                        f"line {line.key!r} refers to {term.ref!r}, a caption row without an amount"
                    )
        formulas[line.key] = formula

    # Cycles in L: references, reported as the path that closes the loop.
    done: set[str] = set()

    def visit(key: str, path: list[str]) -> None:
        if key in done:
            return
        if key in path:
            cycle = " -> ".join([*path[path.index(key) :], key])
            raise ValueError(f"cycle in line references: {cycle}")
        for term in formulas[key].terms:
            if term.kind == "line":
                visit(term.ref, [*path, key])
        done.add(key)

    for key in formulas:
        visit(key, [])

    required = (
        {TOTAL_ASSETS_KEY: "asset", TOTAL_LIABILITIES_AND_EQUITY_KEY: "liability_equity"}
        if kind == "balance_sheet"
        else {NET_PROFIT_KEY: None}
    )
    for key, side in required.items():
        if key not in by_key:
            raise ValueError(f"the {kind} needs a line with key {key!r}")
        if by_key[key].side != side:
            raise ValueError(f"line {key!r} must be on side {side}, found {by_key[key].side}")
    return kind, formulas


def _expand(
    key: str, formulas: Mapping[str, Formula], accounts: Mapping[str, tuple[str, str]]
) -> dict[str, int]:
    """A line as coefficients on debit - credit per account prefix; "PL" is the coefficient of PL."""
    result: dict[str, int] = {}
    for term in formulas[key].terms:
        if term.kind == "line":
            for ref, coefficient in _expand(term.ref, formulas, accounts).items():
                result[ref] = result.get(ref, 0) + term.sign * coefficient
        elif term.kind == "pl":
            result[_PL_TOKEN] = result.get(_PL_TOKEN, 0) + term.sign
        else:
            factor = _direction_factor(accounts[term.ref][0])
            result[term.ref] = result.get(term.ref, 0) + term.sign * factor
    return {ref: coefficient for ref, coefficient in result.items() if coefficient != 0}


def _leaf_coefficient(code: str, category: str, expansion: Mapping[str, int]) -> int:
    """How much of the leaf's debit - credit the expanded line contains."""
    coefficient = sum(c for ref, c in expansion.items() if ref != _PL_TOKEN and code.startswith(ref))
    if category == "profit_loss":
        # PL is credit - debit of profit_loss accounts.
        coefficient -= expansion.get(_PL_TOKEN, 0)
    return coefficient


def _leaf_codes(accounts: Mapping[str, tuple[str, str]]) -> list[str]:
    parents = {code[:length] for code in accounts for length in range(4, len(code), 2)}
    return sorted(code for code in accounts if code not in parents)


def _is_excluded_from_income_statement(code: str) -> bool:
    return any(code.startswith(prefix) for prefix in INCOME_STATEMENT_EXCLUDED_PREFIXES)


def validate_statement(lines: Sequence[StatementLine], accounts: Mapping[str, tuple[str, str]]) -> None:
    """Refuse a statement whose formulas cannot be evaluated or do not add up.

    ``accounts`` maps code -> (direction, category). Besides unknown tokens, prefixes and
    keys, duplicate keys and reference cycles, it checks coverage on the accounts given:

    * balance sheet: every leaf is counted exactly once in aggregate, in total_assets as
      +(debit - credit) or in total_liabilities_and_equity as +(credit - debit), and every
      profit_loss leaf exactly once through PL. That is what makes 资产总计 equal
      负债和所有者权益总计 for any balanced set of balances.
    * income statement: net_profit contains credit - debit of every profit_loss leaf exactly
      once (except INCOME_STATEMENT_EXCLUDED_PREFIXES) and nothing else.
    """
    kind, formulas = _parse_lines(lines, accounts)
    problems: list[str] = []
    if kind == "balance_sheet":
        assets = _expand(TOTAL_ASSETS_KEY, formulas, accounts)
        liabilities_equity = _expand(TOTAL_LIABILITIES_AND_EQUITY_KEY, formulas, accounts)
        if assets.get(_PL_TOKEN, 0) != 0:
            problems.append(f"{_PL_TOKEN} must not be part of {TOTAL_ASSETS_KEY}")
        for code in _leaf_codes(accounts):
            category = accounts[code][1]
            found = (
                _leaf_coefficient(code, category, assets),
                _leaf_coefficient(code, category, liabilities_equity),
            )
            allowed = [(0, -1)] if category == "profit_loss" else [(1, 0), (0, -1)]
            if found not in allowed:
                problems.append(
                    f"account {code} ({category}) is counted {found[0]:+d} times as debit - credit in "
                    f"{TOTAL_ASSETS_KEY} and {-found[1]:+d} times as credit - debit in "
                    f"{TOTAL_LIABILITIES_AND_EQUITY_KEY}: expected exactly once in one of them"
                )
    else:
        net_profit = _expand(NET_PROFIT_KEY, formulas, accounts)
        for code in _leaf_codes(accounts):
            category = accounts[code][1]
            expected = -1 if category == "profit_loss" and not _is_excluded_from_income_statement(code) else 0
            found_coefficient = _leaf_coefficient(code, category, net_profit)
            if found_coefficient != expected:
                problems.append(
                    f"account {code} ({category}) is counted {-found_coefficient:+d} times as "
                    f"credit - debit in {NET_PROFIT_KEY}: expected {-expected:+d}"
                )
    if problems:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ValueError(f"{kind} does not cover the chart: {shown}{more}")


# ---------------------------------------------------------------------------------------
# Evaluation


def _net_by_leaf(
    amounts: Mapping[str, tuple[int, int]], accounts: Mapping[str, tuple[str, str]], what: str
) -> dict[str, int]:
    """debit - credit per leaf, after checking the amounts are exact and not double-keyed."""
    net: dict[str, int] = {}
    for code, pair in amounts.items():
        if code not in accounts:
            raise ValueError(f"{what}: unknown account {code!r}")
        if len(pair) != 2 or any(type(x) is not int for x in pair):
            raise ValueError(
                f"{what}: account {code}: expected (debit_minor, credit_minor) as ints, found {pair!r}"
            )
        for length in range(4, len(code), 2):
            if code[:length] in amounts:
                raise ValueError(
                    f"{what}: both {code[:length]} and its descendant {code} are given: "
                    "amounts must be keyed by leaf accounts only"
                )
        net[code] = pair[0] - pair[1]
    return net


def _evaluate(
    formulas: Mapping[str, Formula],
    net: Mapping[str, int],
    accounts: Mapping[str, tuple[str, str]],
    pl_credit_minus_debit: int,
) -> dict[str, int]:
    subtree: dict[str, int] = {}  # prefix -> debit - credit over the prefix's leaves
    for code, amount in net.items():
        for length in range(4, len(code) + 1, 2):
            subtree[code[:length]] = subtree.get(code[:length], 0) + amount

    values: dict[str, int] = {}

    def value(key: str) -> int:
        if key in values:
            return values[key]
        total = 0
        for term in formulas[key].terms:
            if term.kind == "account":
                total += term.sign * _direction_factor(accounts[term.ref][0]) * subtree.get(term.ref, 0)
            elif term.kind == "pl":
                total += term.sign * pl_credit_minus_debit
            else:
                total += term.sign * value(term.ref)
        values[key] = total
        return total

    return {key: value(key) for key, formula in formulas.items() if not formula.is_header}


def evaluate_balance_sheet(
    lines: Sequence[StatementLine],
    balances: Mapping[str, tuple[int, int]],
    accounts: Mapping[str, tuple[str, str]],
) -> dict[str, int]:
    """Line key -> amount in minor units; caption rows are absent.

    ``balances`` maps LEAF account code -> (debit_total_minor, credit_total_minor),
    cumulative up to the report date, over all categories (profit_loss accounts feed PL).
    ``accounts`` maps every code, the company's own included, -> (direction, category).
    Refuses a leaf with a non-zero balance that the sheet does not count exactly once,
    instead of printing a sheet that does not balance.
    """
    kind, formulas = _parse_lines(lines, accounts)
    if kind != "balance_sheet":
        raise ValueError("evaluate_balance_sheet needs balance-sheet lines (with sides)")
    net = _net_by_leaf(balances, accounts, "balances")

    assets = _expand(TOTAL_ASSETS_KEY, formulas, accounts)
    liabilities_equity = _expand(TOTAL_LIABILITIES_AND_EQUITY_KEY, formulas, accounts)
    uncovered = [
        code
        for code, amount in sorted(net.items())
        if amount != 0
        and _leaf_coefficient(code, accounts[code][1], assets)
        - _leaf_coefficient(code, accounts[code][1], liabilities_equity)
        != 1
    ]
    if uncovered:
        raise ValueError(
            f"balances: accounts {', '.join(uncovered[:20])} have a balance but are not counted exactly once "
            "on the balance sheet: map their first-level account to a line"
        )

    pl = sum(-amount for code, amount in net.items() if accounts[code][1] == "profit_loss")
    values = _evaluate(formulas, net, accounts, pl)
    if sum(net.values()) == 0 and values[TOTAL_ASSETS_KEY] != values[TOTAL_LIABILITIES_AND_EQUITY_KEY]:
        # Follows from the coverage check above; kept as a tripwire in production.
        raise AssertionError(
            f"balanced books but {TOTAL_ASSETS_KEY}={values[TOTAL_ASSETS_KEY]} != "
            f"{TOTAL_LIABILITIES_AND_EQUITY_KEY}={values[TOTAL_LIABILITIES_AND_EQUITY_KEY]}"
        )
    return values


def evaluate_income_statement(
    lines: Sequence[StatementLine],
    activity: Mapping[str, tuple[int, int]],
    accounts: Mapping[str, tuple[str, str]],
) -> dict[str, int]:
    """Line key -> amount in minor units for the period; caption rows are absent.

    ``activity`` maps LEAF account code -> (debit_minor, credit_minor) posted in the period,
    EXCLUDING closing vouchers (结转损益), otherwise every profit_loss account nets to 0.
    Pass 4003 其他综合收益 activity too for the other-comprehensive-income rows.
    """
    kind, formulas = _parse_lines(lines, accounts)
    if kind != "income_statement":
        raise ValueError("evaluate_income_statement needs income-statement lines (without sides)")
    net = _net_by_leaf(activity, accounts, "activity")

    net_profit = _expand(NET_PROFIT_KEY, formulas, accounts)
    uncovered = [
        code
        for code, amount in sorted(net.items())
        if amount != 0
        and accounts[code][1] == "profit_loss"
        and not _is_excluded_from_income_statement(code)
        and _leaf_coefficient(code, "profit_loss", net_profit) != -1
    ]
    if uncovered:
        raise ValueError(
            f"activity: profit_loss accounts {', '.join(uncovered[:20])} have activity but are not counted "
            f"exactly once in {NET_PROFIT_KEY}: map their first-level account to a line"
        )
    return _evaluate(formulas, net, accounts, 0)
