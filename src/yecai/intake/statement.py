"""Bank statements as plain values, and the one place that decides whether one adds up.

A statement is refused when its lines do not lead from the opening to the closing balance,
and (when stored) when its opening does not follow the last imported closing of the account.
Amounts are integer minor units; a line's amount is signed (receipts positive).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from yecai.core.errors import YecaiError
from yecai.core.money import format_minor


class StatementUnbalanced(YecaiError):
    code = "intake.statement_unbalanced"
    template = (
        "The statement does not add up: opening {opening} + lines {lines} = {expected}, "
        "but the closing balance is {closing}"
    )


class StatementGap(YecaiError):
    code = "intake.statement_gap"
    template = (
        "The statement's opening balance {opening} does not follow the last imported closing "
        "balance {last_closing} of account {account} (statement of {last_date}); a statement is missing"
    )


class StatementIncomplete(YecaiError):
    code = "intake.statement_incomplete"
    template = "The statement is incomplete: {detail}"


class StatementLineInvalid(YecaiError):
    code = "intake.statement_line_invalid"
    template = "Statement line {line}: {detail}"


@dataclass(frozen=True)
class StatementLine:
    date: date
    amount_minor: int  # signed: receipts > 0, payments < 0
    txn_id: str = ""  # the bank's id when it gives one
    counterparty_name: str = ""
    counterparty_account: str = ""
    remark: str = ""
    balance_minor: int | None = None  # running balance after the line, when the bank prints it

    def key(self, account: str, index: int = 0) -> str:
        """The bank's id, else a content hash (with the position among identical lines)."""
        if self.txn_id:
            return self.txn_id
        raw = "|".join(
            [account, self.date.isoformat(), str(self.amount_minor), self.counterparty_name,
             self.counterparty_account, self.remark, str(index)]
        )  # fmt: skip
        return "h:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Statement:
    format: str  # ofx | camt053 | mt940 | csv:<profile> | xlsx:<profile>
    account: str
    currency: str
    opening_minor: int
    closing_minor: int
    lines: tuple[StatementLine, ...]
    statement_id: str = ""
    start_date: date | None = None
    end_date: date | None = None
    opening_derived: bool = False  # OFX states only the closing balance
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def lines_total_minor(self) -> int:
        return sum(ln.amount_minor for ln in self.lines)

    def line_keys(self) -> list[str]:
        """One key per line, unique within the statement (repeats get their position)."""
        seen: dict[str, int] = {}
        keys = []
        for ln in self.lines:
            base = ln.key(self.account)
            n = seen.get(base, 0)
            seen[base] = n + 1
            if n == 0:
                keys.append(base)
            elif ln.txn_id:
                keys.append(f"{base}#{n}")
            else:
                keys.append(ln.key(self.account, n))
        return keys


def check_balanced(st: Statement) -> None:
    """opening + Σ lines = closing, and every printed running balance agrees."""
    expected = st.opening_minor + st.lines_total_minor
    if expected != st.closing_minor:
        raise StatementUnbalanced(
            opening=format_minor(st.opening_minor, st.currency),
            lines=format_minor(st.lines_total_minor, st.currency),
            expected=format_minor(expected, st.currency),
            closing=format_minor(st.closing_minor, st.currency),
        )
    running = st.opening_minor
    for i, ln in enumerate(st.lines, start=1):
        running += ln.amount_minor
        if ln.balance_minor is not None and ln.balance_minor != running:
            raise StatementLineInvalid(
                line=i,
                detail=(
                    f"running balance {format_minor(ln.balance_minor, st.currency)} printed, "
                    f"{format_minor(running, st.currency)} computed"
                ),
                row=i,
            )


def check_follows(st: Statement, last_closing_minor: int | None, last_date: date | None) -> None:
    if last_closing_minor is None or st.opening_minor == last_closing_minor:
        return
    raise StatementGap(
        opening=format_minor(st.opening_minor, st.currency),
        last_closing=format_minor(last_closing_minor, st.currency),
        account=st.account,
        last_date=last_date.isoformat() if last_date else "-",
    )


def to_json(st: Statement) -> dict[str, object]:
    keys = st.line_keys()
    return {
        "format": st.format,
        "account": st.account,
        "currency": st.currency,
        "statement_id": st.statement_id,
        "start_date": st.start_date.isoformat() if st.start_date else None,
        "end_date": st.end_date.isoformat() if st.end_date else None,
        "opening_balance": format_minor(st.opening_minor, st.currency),
        "closing_balance": format_minor(st.closing_minor, st.currency),
        "opening_derived": st.opening_derived,
        "lines": [
            {
                "txn_id": keys[i],
                "date": ln.date.isoformat(),
                "amount": format_minor(ln.amount_minor, st.currency),
                "counterparty_name": ln.counterparty_name,
                "counterparty_account": ln.counterparty_account,
                "remark": ln.remark,
            }
            for i, ln in enumerate(st.lines)
        ],
    }
