"""Payment matching (付款核销): which open vendor bills does each outgoing bank line pay? Pure.

Input: outgoing bank lines (the amount paid, positive), open vendor bills (total − paid) and what
people confirmed before (payee account → supplier, payee name → supplier). Output: one proposal
per line — the supplier, the bills and amounts, a confidence in 0..1, named reasons and ``auto``
when the confidence reaches the threshold and the line is fully allocated.

Evidence, strongest first:

1. a *reference* in the remark: the bill's number or the supplier's invoice number (发票号码),
   read with ``receivables.domain.refs`` (strong keys only);
2. the *payee*: an account people confirmed, the supplier's account in master data, a name people
   confirmed, or a fuzzy name (``receivables.domain.names``), together with the *amount*: one
   bill for exactly the amount, several bills summing to it (a bounded subset search over the
   supplier's oldest bills), or a partial payment;
3. the amount alone, when exactly one open bill has it (never automatic).

Bank fees (手续费, 汇划费 …) on their own line are not payments: ``is_fee`` tells them apart and
they are not proposed. Lines are matched in date order and each allocation lowers the bill's
open amount, so two lines never pay the same fen twice. Money is integer minor units (分).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from yecai.receivables.domain.matching import account_key
from yecai.receivables.domain.names import NameIndex, name_key
from yecai.receivables.domain.refs import doc_keys, remark_keys

FEE_WORDS = (
    "手续费",
    "汇划费",
    "工本费",
    "服务费",
    "管理费",
    "年费",
    "短信费",
    "电子汇划",
    "邮电费",
    "账户维护",
    "BANK CHARGE",
    "BANK FEE",
    "COMMISSION",
    "SERVICE CHARGE",
)
FEE_MINOR_MAX = 100_000  # a bank fee line is at most ¥1,000; more is not a fee even if named so


@dataclass(frozen=True, slots=True)
class BankPayment:
    txn_id: str
    date: dt.date
    amount_minor: int  # what left the account, positive
    currency: str = "CNY"
    payee_name: str = ""
    payee_account: str = ""
    remark: str = ""


@dataclass(frozen=True, slots=True)
class OpenBill:
    bill_id: int
    supplier_code: str
    doc_no: str
    invoice_no: str
    date: dt.date
    open_minor: int
    currency: str = "CNY"


@dataclass(frozen=True, slots=True)
class SupplierInfo:
    code: str
    name: str
    bank_account: str = ""


@dataclass(frozen=True, slots=True)
class RecordedPayment:
    """A bank payment already entered by hand (not made by this queue)."""

    payment_no: str
    supplier_code: str
    date: dt.date
    amount_minor: int


@dataclass(frozen=True)
class Memory:
    """What people confirmed: payee account key → supplier codes, payee name key → codes."""

    accounts: Mapping[str, frozenset[str]] = field(default_factory=dict)
    names: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @staticmethod
    def of(accounts: Iterable[tuple[str, str]] = (), names: Iterable[tuple[str, str]] = ()) -> Memory:
        acc: dict[str, set[str]] = {}
        nam: dict[str, set[str]] = {}
        for account, code in accounts:
            if account_key(account):
                acc.setdefault(account_key(account), set()).add(code)
        for name, code in names:
            if name_key(name):
                nam.setdefault(name_key(name), set()).add(code)
        return Memory({k: frozenset(v) for k, v in acc.items()}, {k: frozenset(v) for k, v in nam.items()})


@dataclass(frozen=True)
class Settings:
    threshold: float = 0.95
    subset_bills_max: int = 12  # the supplier's oldest open bills searched for a combined payment
    subset_size_max: int = 4
    name_score_min: float = 0.6
    suppliers_max: int = 3
    recorded_window_days: int = 7  # a payment entered by hand is dated this close to the bank line


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Allocation:
    bill_id: int
    amount_minor: int


@dataclass(frozen=True)
class Proposal:
    txn_id: str
    supplier_code: str | None
    allocations: tuple[Allocation, ...]
    confidence: float
    reasons: tuple[Reason, ...]
    auto: bool = False

    @property
    def allocated_minor(self) -> int:
        return sum(a.amount_minor for a in self.allocations)


def is_fee(p: BankPayment) -> bool:
    """A bank's own charge: a fee word in the remark (or as the payee), a small amount, and no
    supplier account on the line."""
    text = unicodedata.normalize("NFKC", f"{p.remark} {p.payee_name}").upper()
    if not any(w in text for w in FEE_WORDS):
        return False
    return 0 < p.amount_minor <= FEE_MINOR_MAX


# --- matching ------------------------------------------------------------------------------------


@dataclass
class _Payee:
    """How sure we are that a line pays a supplier, and why."""

    score: float
    reasons: list[Reason]


def _payees(
    p: BankPayment,
    memory: Memory,
    accounts: Mapping[str, frozenset[str]],
    names: NameIndex,
    settings: Settings,
) -> dict[str, _Payee]:
    out: dict[str, _Payee] = {}

    def add(code: str, score: float, reason: Reason) -> None:
        cur = out.get(code)
        if cur is None:
            out[code] = _Payee(score, [reason])
        else:
            cur.score = max(cur.score, score)
            cur.reasons.append(reason)

    acc = account_key(p.payee_account)
    if acc:
        known = memory.accounts.get(acc, frozenset())
        for code in known:
            add(code, 1.0 if len(known) == 1 else 0.8, Reason("payee_account_known", p.payee_account))
        master = accounts.get(acc, frozenset())
        for code in master:
            add(code, 0.98 if len(master) == 1 else 0.8, Reason("payee_account_master", p.payee_account))
    key = name_key(p.payee_name)
    if key:
        known = memory.names.get(key, frozenset())
        for code in known:
            add(code, 0.97 if len(known) == 1 else 0.75, Reason("payee_name_known", p.payee_name))
        for hit in names.lookup(
            p.payee_name, min_score=settings.name_score_min, limit=settings.suppliers_max
        ):
            add(hit.key, hit.score * 0.95, Reason("name_similarity", f"{p.payee_name} {hit.score:.2f}"))
    return out


def _subset(bills: Sequence[OpenBill], amount: int, settings: Settings) -> tuple[OpenBill, ...] | None:
    """The smallest set of the oldest open bills that sums exactly to ``amount`` (None: none)."""
    pool = [b for b in bills if 0 < b.open_minor <= amount][: settings.subset_bills_max]
    for size in range(2, min(settings.subset_size_max, len(pool)) + 1):
        for combo in combinations(pool, size):
            if sum(b.open_minor for b in combo) == amount:
                return combo
    return None


def _allocate_in_order(bills: Sequence[OpenBill], amount: int) -> tuple[Allocation, ...]:
    out: list[Allocation] = []
    left = amount
    for b in bills:
        if left <= 0:
            break
        take = min(left, b.open_minor)
        if take > 0:
            out.append(Allocation(b.bill_id, take))
            left -= take
    return tuple(out)


def _propose_for(
    p: BankPayment,
    code: str,
    payee: _Payee | None,
    referenced: Sequence[OpenBill],
    bills: Sequence[OpenBill],
    settings: Settings,
) -> tuple[tuple[Allocation, ...], float, list[Reason]]:
    """Allocations, confidence and reasons for the line paid to supplier ``code``."""
    reasons = list(payee.reasons) if payee else []
    who = payee.score if payee else 0.0
    amount = p.amount_minor
    if referenced:
        ref_total = sum(b.open_minor for b in referenced)
        reasons.append(Reason("reference_match", " ".join(b.doc_no for b in referenced)))
        if amount == ref_total:
            reasons.append(Reason("amount_exact" if len(referenced) == 1 else "amount_sum"))
            conf = 0.99 if who >= 0.8 else 0.96
            return _allocate_in_order(referenced, amount), conf, reasons
        if amount < ref_total:
            reasons.append(Reason("partial_payment", f"{amount}/{ref_total}"))
            conf = 0.96 if who >= 0.95 else 0.85
            return _allocate_in_order(referenced, amount), conf, reasons
        others = [b for b in bills if b not in referenced]
        rest = _subset(others, amount - ref_total, settings) or (
            tuple(b for b in others if b.open_minor == amount - ref_total)[:1] or None
        )
        if rest:
            reasons.append(Reason("reference_plus_amount", " ".join(b.doc_no for b in rest)))
            return _allocate_in_order([*referenced, *rest], amount), (0.95 if who >= 0.95 else 0.85), reasons
        reasons.append(Reason("overpayment", str(amount - ref_total)))
        return _allocate_in_order(referenced, ref_total), 0.6, reasons
    if not bills:
        reasons.append(Reason("no_open_bill"))
        return (), min(who, 0.5), reasons
    exact = [b for b in bills if b.open_minor == amount]
    if exact:
        reasons.append(Reason("amount_exact", exact[0].doc_no))
        conf = who if who >= 0.95 else who * 0.92
        if len(exact) > 1:
            reasons.append(Reason("amount_ambiguous", " ".join(b.doc_no for b in exact)))
            conf = min(conf, 0.9)  # the oldest is proposed; a person says which
        return (Allocation(exact[0].bill_id, amount),), conf, reasons
    combo = _subset(bills, amount, settings)
    if combo is not None:
        reasons.append(Reason("amount_sum", " ".join(b.doc_no for b in combo)))
        conf = 0.95 if who >= 0.97 else who * 0.85
        return _allocate_in_order(combo, amount), conf, reasons
    total_open = sum(b.open_minor for b in bills)
    if amount < total_open:
        reasons.append(Reason("partial_payment_oldest", bills[0].doc_no))
        return _allocate_in_order(bills, amount), min(who, 0.7), reasons
    reasons.append(Reason("overpayment", str(amount - total_open)))
    return _allocate_in_order(bills, total_open), min(who, 0.5), reasons


def match(
    payments: Sequence[BankPayment],
    bills: Sequence[OpenBill],
    suppliers: Sequence[SupplierInfo],
    memory: Memory,
    settings: Settings = Settings(),
    recorded: Sequence[RecordedPayment] = (),
) -> list[Proposal]:
    """One proposal per payment (fee lines excluded: they get none), by date. A line that a payment
    entered by hand already accounts for (same supplier and amount, dated close by) is proposed
    without bills, so that it is not booked a second time."""
    unused = sorted(recorded, key=lambda r: (r.date, r.payment_no))
    open_left = {b.bill_id: b.open_minor for b in bills}
    by_id = {b.bill_id: b for b in bills}
    by_supplier: dict[str, list[int]] = {}
    for b in sorted(bills, key=lambda b: (b.date, b.bill_id)):
        by_supplier.setdefault(b.supplier_code, []).append(b.bill_id)
    ref_index: dict[str, set[int]] = {}
    for b in bills:
        for no in (b.doc_no, b.invoice_no):
            if no.strip():
                for k in doc_keys(no.strip()).strong:
                    ref_index.setdefault(k, set()).add(b.bill_id)
    master: dict[str, set[str]] = {}
    for s in suppliers:
        if account_key(s.bank_account):
            master.setdefault(account_key(s.bank_account), set()).add(s.code)
    accounts = {k: frozenset(v) for k, v in master.items()}
    names = NameIndex((s.code, s.name) for s in suppliers)

    def live(ids: Iterable[int], currency: str) -> list[OpenBill]:
        out = []
        for i in ids:
            b = by_id[i]
            if open_left[i] > 0 and b.currency == currency:
                out.append(OpenBill(b.bill_id, b.supplier_code, b.doc_no, b.invoice_no, b.date, open_left[i]))
        return sorted(out, key=lambda x: (x.date, x.bill_id))

    out: list[Proposal] = []
    for p in sorted(payments, key=lambda x: (x.date, x.txn_id)):
        if p.amount_minor <= 0 or is_fee(p):
            continue
        payees = _payees(p, memory, accounts, names, settings)
        ref_ids: set[int] = set()
        for k in remark_keys(p.remark).strong:
            ref_ids |= ref_index.get(k, set())
        referenced = live(ref_ids, p.currency)
        ref_suppliers = {b.supplier_code for b in referenced}
        candidates = set(payees) | ref_suppliers
        known = next(
            (
                r
                for r in unused
                if r.supplier_code in candidates
                and r.amount_minor == p.amount_minor
                and abs((r.date - p.date).days) <= settings.recorded_window_days
            ),
            None,
        )
        if known is not None:
            unused.remove(known)
            out.append(
                Proposal(
                    p.txn_id, known.supplier_code, (), 0.0, (Reason("already_recorded", known.payment_no),)
                )
            )
            continue
        best: tuple[float, str, tuple[Allocation, ...], list[Reason]] | None = None
        scored = []
        for code in sorted(candidates):
            allocs, conf, reasons = _propose_for(
                p,
                code,
                payees.get(code),
                [b for b in referenced if b.supplier_code == code],
                live(by_supplier.get(code, ()), p.currency),
                settings,
            )
            scored.append((conf, code, allocs, reasons))
        scored.sort(key=lambda x: (-x[0], -len(x[2]) if x[2] else 0, x[1]))
        if scored:
            best = scored[0]
        if best is None:
            exact = [b for b in live(open_left, p.currency) if b.open_minor == p.amount_minor]
            if len(exact) == 1:
                b = exact[0]
                out.append(
                    Proposal(
                        p.txn_id,
                        b.supplier_code,
                        (Allocation(b.bill_id, p.amount_minor),),
                        0.5,
                        (Reason("amount_unique", b.doc_no),),
                    )
                )
                open_left[b.bill_id] -= p.amount_minor
            else:
                out.append(Proposal(p.txn_id, None, (), 0.0, (Reason("no_match"),)))
            continue
        conf, code, allocs, reasons = best
        if len(scored) > 1 and scored[1][2] and scored[1][0] >= conf - 0.1:
            reasons = [*reasons, Reason("supplier_ambiguous", scored[1][1])]
            conf = min(conf, 0.8)
        # The remark names a bill, but the account paid is surely another supplier's.
        own = payees[code].score if code in payees else 0.0
        other = max(((c, x.score) for c, x in payees.items() if c != code), key=lambda t: t[1], default=None)
        if other is not None and other[1] >= 0.95 > own:
            reasons = [*reasons, Reason("supplier_ambiguous", other[0])]
            conf = min(conf, 0.8)
        conf = round(max(0.0, min(conf, 1.0)), 4)
        auto = (
            bool(allocs)
            and conf >= settings.threshold
            and sum(a.amount_minor for a in allocs) == p.amount_minor
        )
        for a in allocs:
            open_left[a.bill_id] -= a.amount_minor
            assert open_left[a.bill_id] >= 0, "a bill is never allocated more than is open"
        out.append(Proposal(p.txn_id, code, allocs, conf, tuple(reasons), auto))
    return out
