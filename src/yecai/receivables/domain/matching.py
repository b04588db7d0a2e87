"""Cash application (核销匹配): which open items does each bank receipt pay? Pure Python.

Input: bank receipts, open items and what people confirmed before (payer account → customer,
payer name → customer). Output: one proposal per receipt — the applications (item, amount), a
confidence in 0..1, the named reasons, and ``auto`` when the confidence reaches the threshold.

Evidence, strongest first:

1. a *reference* in the remark (see ``refs``) naming open items, checked against the amount and
   the payer;
2. the *payer* (a remembered account or name, or a fuzzy name match, see ``names``) together
   with the *amount*: one open item of that customer for exactly the amount, or short by a bank
   fee/discount within tolerance, or several items summing to it (a bounded subset-sum over the
   customer's oldest open items);
3. the amount alone, when exactly one open item in the currency has it (never automatic).

Receipts are applied in two passes — those with a reference that fits the amount first, then
the rest in date order — and each application lowers the item's open amount, so several
receipts can pay one invoice and no item is paid twice. Candidates come from indexes (by
reference key, by customer, by amount); nothing compares every receipt with every item.

Money is integer minor units (分) throughout; ``Application.applied_amount`` is the Decimal.

With ``Settings.workers`` > 1 (the batch command), the first look at every receipt, which
depends on nothing applied yet, is shared with forked worker processes (``forked``); everything
after it runs here, in the same order, so the proposals are the same for any number of workers.
"""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import heapq
import marshal
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache, partial
from itertools import combinations

from yecai.core.money import from_minor
from yecai.receivables.domain import forked
from yecai.receivables.domain.names import NameIndex, name_key
from yecai.receivables.domain.refs import doc_keys, is_advance, is_near, near_numbers, remark_keys

# --- values --------------------------------------------------------------------------------------


# Values below are immutable by contract (nothing in yecai assigns to their fields) but not
# ``frozen``: a frozen dataclass's __init__ goes through object.__setattr__ per field, which made
# building 100,000 receipts, 100,000 open items and their proposals 4× slower (bench). They stay
# hashable and comparable by value (``unsafe_hash``).


@dataclass(slots=True, unsafe_hash=True)
class BankReceipt:
    txn_id: str
    date: dt.date
    amount_minor: int
    currency: str = "CNY"
    payer_name: str = ""
    payer_account: str = ""
    remark: str = ""


@dataclass(slots=True, unsafe_hash=True)
class OpenItem:
    item_id: str
    customer_code: str
    customer_name: str
    doc_no: str
    date: dt.date
    due_date: dt.date
    open_minor: int
    currency: str = "CNY"


@lru_cache(maxsize=200_000)
def account_key(account: str) -> str:
    """Bank account numbers compare without spaces, dashes or case."""
    return "".join(ch for ch in account.upper() if ch.isalnum())


@dataclass(frozen=True)
class Memory:
    """What people confirmed: payer account → customers, payer name → customers (codes)."""

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
    # A receipt short of the items by at most this much (a bank fee, a small discount) still
    # closes them: at most short_minor_max fen, or at most short_ratio_max of the amount due.
    short_minor_max: int = 5000
    short_ratio_max: Decimal = Decimal("0.005")
    subset_items_max: int = 24  # the customer's oldest open items searched for a combined payment
    name_score_min: float = 0.6
    payers_max: int = 4
    # Without a reference, a shortfall is believed only when it looks like one: a bank fee is a
    # whole multiple of fee_step_minor (¥0.50) up to short_minor_max, a cash discount is one of
    # discount_percents of the amount due. ¥8.65 short of a round ¥27,700 is a tranche, not a fee.
    fee_step_minor: int = 50
    discount_percents: tuple[int, ...] = (1, 2, 3)
    tranche_window_days: int = 31  # receipts that together pay one invoice (分期) arrive this close
    tranche_window_receipts: int = 6
    round_up_minor: int = 100_000  # a payer who rounds an invoice up pays a multiple of ¥1,000
    # Processes for the first look at every receipt (forked; see ``Matcher._first_look``). The
    # result is the same for any number; 1 keeps everything in this process.
    workers: int = 1

    @cached_property
    def _ratio(self) -> tuple[int, int]:
        return self.short_ratio_max.as_integer_ratio()

    def tolerance(self, due_minor: int) -> int:
        num, den = self._ratio
        return max(self.short_minor_max, due_minor * num // den)  # (due ≥ 0: floor as before)

    def short_kind(self, due_minor: int, short_minor: int) -> str | None:
        """What a shortfall within tolerance looks like: "fee", "discount", "other"; None
        when there is no shortfall or it is beyond tolerance."""
        if short_minor <= 0 or short_minor > self.tolerance(due_minor):
            return None
        if short_minor % self.fee_step_minor == 0 and short_minor <= self.short_minor_max:
            return "fee"
        if any(abs(short_minor * 100 - due_minor * pct) < 100 for pct in self.discount_percents):
            return "discount"
        return "other"


@dataclass(slots=True, unsafe_hash=True)
class Reason:
    code: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.code} {self.detail}".strip()


@dataclass(slots=True, unsafe_hash=True)
class Application:
    item_id: str
    applied_minor: int
    currency: str = "CNY"
    writeoff_minor: int = 0  # shortfall within tolerance that closes the item (fee, discount)

    @property
    def applied_amount(self) -> Decimal:
        return from_minor(self.applied_minor, self.currency)


@dataclass(slots=True, unsafe_hash=True)
class Proposal:
    txn_id: str
    customer_code: str | None
    applications: tuple[Application, ...]
    confidence: float
    reasons: tuple[Reason, ...]
    auto: bool

    @property
    def applied_minor(self) -> int:
        return sum(a.applied_minor for a in self.applications)


_AMOUNT_EXACT = Reason("amount_exact")
_BAND_MAX = 4  # the band of a fitting reference (``Matcher._band``)
FORK_RECEIPTS_MIN = 5_000  # per worker: below this a forked first look costs more than it saves
# Confidence added when the payer is the referenced invoice's customer: a bare number (weak) that
# the payer and the exact amount confirm is as good as a reference in full (bench: 99.98% right).
_AGREE_BONUS = {True: 0.025, False: 0.06}
_PAIRS: dict[int, list[tuple[tuple[int, int]]]] = {}  # n → every two positions of n, each as a 1-tuple

# --- the engine ----------------------------------------------------------------------------------

Progress = Callable[[int, int], None]


@dataclass
class _Plan:
    """A candidate answer before it becomes a Proposal: (item index, applied, write-off)."""

    apps: list[tuple[int, int, int]]
    confidence: float
    reasons: list[Reason]
    customer: str | None
    fits_reference: bool = False  # a reference whose items fit the amount: applied first
    # From the payer and the amount (tranches, the customer's items, the amount alone), which
    # ``_propose`` tries only after the references found nothing.
    from_payer: bool = False


@dataclass
class _Tranches:
    """Receipts of one payer that add up to one open item: each pays its part."""

    item: int
    receipts: list[int]  # id() of the receipts
    waiting_minor: int  # what the receipts not yet committed still bring


def match(
    receipts: Sequence[BankReceipt],
    items: Sequence[OpenItem],
    memory: Memory | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> list[Proposal]:
    """Propose applications for every receipt (in the receipts' order; a receipt with nothing to
    apply gets a proposal without applications)."""
    with gc_paused():
        return Matcher(items, memory or Memory(), settings or Settings()).match(receipts, progress)


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a batch: matching allocates millions of small,
    acyclic objects (plans, index lists, cache entries) that live until the batch ends, and the
    collector's full passes over them took a third of the time at 100,000 receipts (bench).
    Reference counting still frees everything; the collector runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # Everything allocated meanwhile is still counted as young: the first allocation
            # after ``enable`` would start a pass over all of it (a second at 100,000 receipts).
            # Freezing and unfreezing moves it to the oldest generation in O(1), so that pass
            # is left to the next full collection, if the objects still live by then.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


class Matcher:
    def __init__(self, items: Sequence[OpenItem], memory: Memory, settings: Settings) -> None:
        self.items = list(items)
        self.memory = memory
        self.s = settings
        self.open = [it.open_minor for it in self.items]
        self.by_key: dict[str, list[int]] = {}
        self.by_weak: dict[str, list[int]] = {}
        self.by_customer: dict[str, list[int]] = {}
        self.by_amount: dict[tuple[str, int], list[int]] = {}
        self.by_customer_amount: dict[tuple[str, str, int], list[int]] = {}
        names: dict[str, str] = {}
        # (Locals and get-then-append: no empty list made and dropped per key and item.)
        by_key, by_weak, by_customer = self.by_key, self.by_weak, self.by_customer
        by_amount, by_customer_amount = self.by_amount, self.by_customer_amount
        for i, it in enumerate(self.items):
            keys = doc_keys(it.doc_no)
            for k in keys.strong:
                got = by_key.get(k)
                if got is None:
                    by_key[k] = [i]
                else:
                    got.append(i)
            for k in keys.weak:
                got = by_weak.get(k)
                if got is None:
                    by_weak[k] = [i]
                else:
                    got.append(i)
            code = it.customer_code
            got = by_customer.get(code)
            if got is None:
                by_customer[code] = [i]
                names[code] = it.customer_name
            else:
                got.append(i)
            amount_key = (it.currency, it.open_minor)
            got = by_amount.get(amount_key)
            if got is None:
                by_amount[amount_key] = [i]
            else:
                got.append(i)
            customer_amount_key = (code, it.currency, it.open_minor)
            got = by_customer_amount.get(customer_amount_key)
            if got is None:
                by_customer_amount[customer_amount_key] = [i]
            else:
                got.append(i)
        ages = [(it.date, it.item_id, i) for i, it in enumerate(self.items)]
        ages.sort()
        self.rank = [0] * len(self.items)
        for pos, (_d, _id, i) in enumerate(ages):
            self.rank[i] = pos
        # ``_age`` as a C-level callable: it is the sort key of every per-customer list.
        self._age_of: Callable[[int], int] = self.rank.__getitem__
        for idxs in self.by_customer.values():
            idxs.sort(key=self._age_of)
        for idxs in self.by_customer_amount.values():
            if len(idxs) > 1:
                idxs.sort(key=self._age_of)
        self._first: dict[str, int] = {}  # per customer: position of its oldest item still open
        # Per customer, its items by open amount (as given), for "short by a fee" windows.
        self.customer_amounts: dict[str, tuple[list[int], list[int]]] = {}
        for code, idxs in self.by_customer.items():
            pairs = sorted((self.items[i].open_minor, i) for i in idxs)
            self.customer_amounts[code] = ([a for a, _ in pairs], [i for _, i in pairs])
        # The same amount billed to a customer again and again (a monthly fee): an exact amount
        # then says less about which of its items is paid.
        self.recurring = {k for k, idxs in self.by_customer_amount.items() if len(idxs) > 1}
        self._version: dict[str, int] = {}  # customer → how many times its items changed
        self._open_cache: dict[tuple[str, str, int], tuple[int, list[int]]] = {}
        self.tentative: set[int] = set()  # items changed by a proposal that waits for review
        self.names = NameIndex(names.items())
        self._payers_cache: dict[tuple[str, str], dict[str, tuple[float, Reason]]] = {}
        self._sure_cache: dict[tuple[str, str], str | None] = {}  # follows _payers_cache
        # Payer accounts nobody confirmed, seen in this batch paying an item they named exactly.
        self._seen_accounts: dict[str, frozenset[str]] = {}  # (filled by ``_look``)
        self._plans: dict[int, tuple[_Plan | None, tuple[tuple[int, int], ...]]] = {}
        self._pairs_cache: dict[tuple[int, ...], dict[int, Sequence[tuple[int, int]]]] = {}
        self._sorted_sums: dict[tuple[int, ...], list[int]] = {}  # the keys of _pairs_cache's, sorted
        # Receipts that together pay one item (分期, tranches): receipt → its tranche group.
        self._tranche_of: dict[int, _Tranches] = {}

    def _age(self, i: int) -> int:
        """Oldest first: by date, then item id (the order a shortfall and a partial payment use)."""
        return self.rank[i]

    # --- driver -----------------------------------------------------------------------------

    def match(self, receipts: Sequence[BankReceipt], progress: Progress | None = None) -> list[Proposal]:
        n = len(receipts)
        out: list[Proposal | None] = [None] * n
        order = sorted(range(n), key=lambda k: (receipts[k].date, receipts[k].txn_id))
        done = 0
        step = max(1, n // 100)
        # First, receipts whose reference fits the amount: the strongest evidence there is.
        # Then the others by how sure their proposal is — automatic ones, likely ones, then
        # guesses for review — and by date within each band. So a guess never takes an item that
        # a surer receipt pays, and a wrong guess cannot mislead a surer one. A proposal is
        # recomputed only when an item it applies changed.
        ordered = [receipts[k] for k in order]
        self._first_look(ordered)
        self._find_tranches(ordered)
        # The queue holds one int per receipt, (BAND_MAX - band) * n + its date position: the
        # same order as (-band, position) pairs, compared without tuples.
        top = _BAND_MAX
        heap = [(top - self._band(self._propose_cached(r))) * n + pos for pos, r in enumerate(ordered)]
        heapq.heapify(heap)
        while heap:
            was, pos = divmod(heapq.heappop(heap), n)
            k = order[pos]
            plan = self._propose_cached(receipts[k])
            band = self._band(plan)
            if top - band > was:
                heapq.heappush(heap, (top - band) * n + pos)  # less sure than it was: wait its turn
                continue
            out[k] = self._commit(receipts[k], plan)
            done += 1
            if progress and done % step == 0:
                progress(done, n)
        if progress:
            progress(n, n)
        return [p for p in out if p is not None]

    def _first_look(self, receipts: Sequence[BankReceipt]) -> None:
        """Propose every receipt against the open items as given and learn the payer accounts
        (``_look``), split over ``workers`` processes. Before anything is applied a proposal
        depends only on the receipt, the untouched indexes and what its own account taught, so
        each process looks at its share and the children send theirs back (with who the payers
        are and the accounts learned); the sequential resolution that follows is unchanged. A
        share that does not come back is looked at here."""
        everything = list(range(len(receipts)))
        workers = min(self.s.workers, len(receipts) // FORK_RECEIPTS_MIN)
        if workers < 2 or not forked.can_fork():
            self._look(receipts, everything)
            return
        # An account nobody confirmed goes with all its receipts (what it is learned to pay is
        # then the same in every process). Otherwise by customer where a confirmed account says
        # which, else by payer name: what one process works out about a customer (its open
        # items, their pair sums) or a name is worked out once, not in each process.
        by_key: dict[str, list[int]] = {}
        accounts = self.memory.accounts
        for pos, r in enumerate(receipts):
            acct = account_key(r.payer_account) if r.payer_account else ""
            codes = accounts.get(acct) if acct else None
            by_key.setdefault(min(codes) if codes else acct or r.payer_name, []).append(pos)
        # Largest groups first, each to the share with the fewest receipts so far (a few
        # customers pay thousands of times). This process starts with a handicap: it also takes
        # in the children's answers.
        shares: list[list[int]] = [[] for _ in range(workers)]
        sizes = [len(receipts) // 30] + [0] * (workers - 1)
        for _key, group in sorted(by_key.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            k = sizes.index(min(sizes))
            shares[k] += group
            sizes[k] += len(group)
        answers = forked.in_children(
            [partial(self._export_look, receipts, share) for share in shares[1:]],
            partial(self._look, receipts, shares[0]),
        )
        for share, data in zip(shares[1:], answers, strict=True):
            if data:
                self._import_look(receipts, data)
            else:
                self._look(receipts, share)

    def _look(self, receipts: Sequence[BankReceipt], positions: Sequence[int]) -> None:
        """Propose the receipts at ``positions``; then learn their accounts: an account nobody
        confirmed that pays, in this batch, items it names in full and for their exact amount
        (or short by a fee) pays for that customer, so its other receipts without a reference
        are proposed again as that customer's — for review, never automatically."""
        seen: dict[str, set[str]] = {}
        confirmed = self.memory.accounts
        for pos in positions:
            r = receipts[pos]
            plan = self._propose_cached(r)
            if plan is None or not plan.fits_reference or plan.reasons[0].code != "reference_match":
                continue
            acct = account_key(r.payer_account)
            if acct and acct not in confirmed:
                seen.setdefault(acct, set()).update(self.items[i].customer_code for i, _a, _w in plan.apps)
        if not seen:
            return
        self._seen_accounts.update({k: frozenset(v) for k, v in seen.items()})
        again = []
        for pos in positions:
            r = receipts[pos]
            if r.payer_account and account_key(r.payer_account) in seen:
                self._payers_cache.pop((r.payer_account, r.payer_name), None)
                self._sure_cache.pop((r.payer_account, r.payer_name), None)
                got = self._plans.get(id(r))
                if got is not None and not (got[0] is not None and got[0].fits_reference):
                    del self._plans[id(r)]
                    again.append(r)
        for r in again:
            self._propose_cached(r)

    def _export_look(self, receipts: Sequence[BankReceipt], share: list[int]) -> bytes:
        """(In a child.) ``_look`` at the share; its proposals, payers and learned accounts as
        builtins, marshalled."""
        self._look(receipts, share)
        plans = []
        payers: dict[tuple[str, str], dict[str, tuple[float, str, str]]] = {}
        for pos in share:
            r = receipts[pos]
            got = self._plans.get(id(r))
            p = got[0] if got is not None else self._propose_cached(r)
            plans.append(
                (
                    pos,
                    None
                    if p is None
                    else (
                        p.apps,
                        p.confidence,
                        [(x.code, x.detail) for x in p.reasons],
                        p.customer,
                        p.fits_reference,
                        p.from_payer,
                    ),
                )
            )
            key = (r.payer_account, r.payer_name)
            if key not in payers:
                cached = self._payers_cache.get(key)
                if cached is not None:
                    payers[key] = {c: (score, why.code, why.detail) for c, (score, why) in cached.items()}
        seen = {k: sorted(v) for k, v in self._seen_accounts.items()}
        return marshal.dumps((plans, payers, seen))

    def _import_look(self, receipts: Sequence[BankReceipt], data: bytes) -> None:
        plans, payers, seen = marshal.loads(data)
        open_ = self.open
        for pos, enc in plans:
            if enc is None:
                self._plans[id(receipts[pos])] = (None, ())
                continue
            apps, confidence, reasons, customer, fits, from_payer = enc
            plan = _Plan(apps, confidence, [Reason(c, d) for c, d in reasons], customer, fits, from_payer)
            self._plans[id(receipts[pos])] = (plan, tuple((i, open_[i]) for i, _a, _w in apps))
        for key, got in payers.items():
            self._payers_cache.setdefault(
                key, {c: (score, Reason(rc, rd)) for c, (score, rc, rd) in got.items()}
            )
        self._seen_accounts.update({k: frozenset(v) for k, v in seen.items()})

    def _find_tranches(self, receipts: Sequence[BankReceipt]) -> None:
        """Several receipts from one payer, none of which pays anything by itself, that add up
        to exactly one open item of that payer's customer: tranches of that item (2 or 3 of them,
        within ``tranche_window_days``, among the payer's next ``tranche_window_receipts``)."""
        by_payer: dict[tuple[str, str], list[BankReceipt]] = {}
        for r in receipts:  # in date order
            plan = self._propose_cached(r)
            if plan is not None:
                if plan.fits_reference or (plan.customer is not None and not plan.apps):
                    continue  # its reference fits, or an advance, a refund
                if r.amount_minor % 10000 and any(x.code == "amount_exact" for x in plan.reasons):
                    continue  # (a round sum equal to a round invoice may still be a tranche)
            code = self._sure_payer(r)
            if code is not None:
                by_payer.setdefault((code, r.currency), []).append(r)
        window = dt.timedelta(days=self.s.tranche_window_days)
        w = self.s.tranche_window_receipts
        by_customer_amount = self.by_customer_amount
        for (code, currency), rs in by_payer.items():
            if len(rs) < 2:
                continue
            amounts = [m.amount_minor for m in rs]
            taken: set[int] = set()
            for a in range(len(rs)):
                if a in taken:
                    continue
                near = [
                    b
                    for b in range(a + 1, min(len(rs), a + 1 + w))
                    if b not in taken and rs[b].date - rs[a].date <= window
                ]
                for combo in [(b,) for b in near] + list(combinations(near, 2)):
                    total = amounts[a] + sum(amounts[b] for b in combo)
                    if (code, currency, total) not in by_customer_amount:
                        continue  # (the common case, without a call)
                    members = [rs[a]] + [rs[b] for b in combo]
                    idxs = self._exact_amount(code, currency, total)
                    if idxs:
                        group = _Tranches(idxs[0], [id(m) for m in members], total)
                        for m in members:
                            self._tranche_of[id(m)] = group
                            self._propose_tranche(m)
                        taken.update((a, *combo))
                        break

    def _propose_tranche(self, r: BankReceipt) -> None:
        """The proposal of a receipt that just became a tranche, as ``_propose`` would make it
        now (nothing is applied yet): a reference or an advance still comes first, else the
        tranche replaces what the payer and the amount said — without reading the remark again."""
        got = self._plans.get(id(r))
        if got is None or (got[0] is not None and not got[0].from_payer):
            return  # from a reference or the remark: unchanged (or not made yet: made in full)
        plan = self._by_tranches(r, self._payers(r))
        if plan is None:  # pragma: no cover - the item is open for the tranches' total
            self._plans.pop(id(r), None)
            return
        plan.from_payer = True
        self._plans[id(r)] = (plan, tuple((i, self.open[i]) for i, _a, _w in plan.apps))

    def _sure_payer(self, r: BankReceipt) -> str | None:
        """The customer who paid, when one is clearly likelier than any other."""
        key = (r.payer_account, r.payer_name)
        if key in self._sure_cache:
            return self._sure_cache[key]
        code = self._sure_cache[key] = self._sure_payer_of(self._payers(r))
        return code

    @staticmethod
    def _sure_payer_of(payers: dict[str, tuple[float, Reason]]) -> str | None:
        ranked = sorted((v[0] for v in payers.values()), reverse=True)
        if not ranked or ranked[0] < 0.85 or (len(ranked) > 1 and ranked[1] >= ranked[0] - 0.05):
            return None
        return max(payers, key=lambda c: payers[c][0])

    def _by_tranches(self, r: BankReceipt, payers: dict[str, tuple[float, Reason]]) -> _Plan | None:
        group = self._tranche_of.get(id(r))
        if group is None or self.open[group.item] != group.waiting_minor:
            return None  # not a tranche, or something else paid that item meanwhile
        it = self.items[group.item]
        score, why = payers.get(it.customer_code, (0.85, Reason("payer")))
        return _Plan(
            [(group.item, r.amount_minor, 0)],
            0.8 + 0.1 * score,
            [why, Reason("tranches_sum", f"{len(group.receipts)} {it.doc_no}")],
            it.customer_code,
        )

    def _band(self, plan: _Plan | None) -> int:
        if plan is None or not plan.apps:
            return 0
        if plan.fits_reference:
            return _BAND_MAX
        c = plan.confidence
        return 3 if c >= self.s.threshold else 2 if c >= 0.85 else 1 if c >= 0.7 else 0

    def _propose_cached(self, r: BankReceipt) -> _Plan | None:
        """A proposal stays as it was while the open amounts of the items it applies do not
        change. (What others take can only make an ambiguous amount clearer; we accept missing
        that rather than recomputing every waiting proposal after every application.)"""
        got = self._plans.get(id(r))
        if got is not None:
            plan, snapshot = got
            open_ = self.open
            for i, amount in snapshot:
                if open_[i] != amount:
                    break
            else:
                return plan
        plan = self._propose(r)
        snapshot = tuple((i, self.open[i]) for i, _a, _w in plan.apps) if plan else ()
        self._plans[id(r)] = (plan, snapshot)
        return plan

    def _commit(self, r: BankReceipt, plan: _Plan | None) -> Proposal:
        group = self._tranche_of.pop(id(r), None)
        if group is not None:
            group.waiting_minor -= r.amount_minor
        if plan is None or not plan.apps:
            reasons = tuple(plan.reasons) if plan else (Reason("no_match"),)
            return Proposal(r.txn_id, plan.customer if plan else None, (), 0.0, reasons, False)
        conf = round(min(max(plan.confidence, 0.0), 1.0), 4)
        reasons = tuple(plan.reasons)
        if not plan.fits_reference and any(x.code == "payer_account_seen" for x in reasons):
            conf = min(conf, round(self.s.threshold - 0.01, 4))  # an inferred payer: for review
        if (
            conf >= self.s.threshold
            and not (plan.fits_reference and plan.confidence >= 0.99)
            and any(i in self.tentative for i, _a, _w in plan.apps)
        ):
            # (A reference in full, the exact amount and the payer agreeing stand on their own.)
            # What this receipt fits was shaped by a guess nobody confirmed yet.
            conf = round(self.s.threshold - 0.01, 4)
            reasons += (Reason("depends_on_review"),)
        apps = []
        for i, applied, writeoff in plan.apps:
            assert 0 < applied + writeoff <= self.open[i], "an application never exceeds the open amount"
            self.open[i] -= applied + writeoff
            it = self.items[i]
            self._version[it.customer_code] = self._version.get(it.customer_code, 0) + 1
            if self.open[i] > 0:
                amounts, ids = self.customer_amounts[it.customer_code]
                pos = bisect.bisect_left(amounts, self.open[i])
                amounts.insert(pos, self.open[i])
                ids.insert(pos, i)
                self.by_amount.setdefault((it.currency, self.open[i]), []).append(i)
                bisect.insort(
                    self.by_customer_amount.setdefault((it.customer_code, it.currency, self.open[i]), []),
                    i,
                    key=self._age_of,
                )
            apps.append(Application(it.item_id, applied, it.currency, writeoff))
            if conf < self.s.threshold:
                self.tentative.add(i)
        assert sum(a.applied_minor for a in apps) <= r.amount_minor, "never apply more than received"
        return Proposal(r.txn_id, plan.customer, tuple(apps), conf, reasons, conf >= self.s.threshold)

    def _propose(self, r: BankReceipt) -> _Plan | None:
        if r.amount_minor <= 0:
            return _Plan([], 0.0, [Reason("not_a_receipt")], None)
        payers = self._payers(r)
        plan = self._by_reference(r, payers, fitting_only=False)
        if plan is not None and plan.fits_reference:
            return plan
        near = self._by_near_reference(r, payers) if r.remark else None
        if near is not None:
            # The payer and the amount may say as much on their own (a unique amount).
            alone = self._by_customer(r, payers)
            if alone is not None and alone.apps == near.apps and alone.confidence > near.confidence:
                alone.reasons.append(near.reasons[1])
                return alone
            return near
        if plan is not None:
            return plan
        if is_advance(r.remark):
            top = max(payers.items(), key=lambda kv: kv[1][0])[0] if payers else None
            return _Plan([], 0.0, [Reason("advance_or_refund", r.remark[:40])], top)
        plan = self._by_tranches(r, payers) or self._by_customer(r, payers) or self._by_amount_only(r)
        if plan is not None:
            plan.from_payer = True
        return plan

    # --- who paid ---------------------------------------------------------------------------

    def _payers(self, r: BankReceipt) -> dict[str, tuple[float, Reason]]:
        """Customer code → (how sure we are this customer paid, why)."""
        key = (r.payer_account, r.payer_name)
        cached = self._payers_cache.get(key)
        if cached is None:
            cached = self._payers_cache[key] = self._identify(r)
        return cached

    def _identify(self, r: BankReceipt) -> dict[str, tuple[float, Reason]]:
        out: dict[str, tuple[float, Reason]] = {}
        acct = account_key(r.payer_account)
        if acct:
            codes = self.memory.accounts.get(acct, frozenset())
            for code in codes:
                # One account that pays for several customers (a group's treasury) says less.
                out[code] = (1.0 if len(codes) == 1 else 0.9, Reason("payer_account_known", acct[-4:]))
            if len(out) == 1:
                return out  # an account someone confirmed for one customer says it all
            seen = self._seen_accounts.get(acct, frozenset())
            for code in seen:
                # Inferred, not confirmed: never enough for automatic application on its own.
                score = 0.9 if len(seen) == 1 else 0.85
                if out.get(code, (0.0,))[0] < score:
                    out[code] = (score, Reason("payer_account_seen", acct[-4:]))
        if r.payer_name:
            codes = self.memory.names.get(name_key(r.payer_name), frozenset())
            for code in codes:
                score = 0.98 if len(codes) == 1 else 0.88
                if out.get(code, (0.0,))[0] < score:
                    out[code] = (score, Reason("payer_name_known", r.payer_name))
            for hit in self.names.lookup(r.payer_name, min_score=self.s.name_score_min):
                if out.get(hit.key, (0.0,))[0] < hit.score:
                    out[hit.key] = (hit.score, Reason("name_similarity", f"{hit.score:.2f}"))
        return out

    def _agree(
        self, payers: Mapping[str, tuple[float, Reason]], idxs: Iterable[int]
    ) -> tuple[float, Reason | None]:
        best: tuple[float, Reason | None] = (0.0, None)
        for i in idxs:
            got = payers.get(self.items[i].customer_code)
            if got and got[0] > best[0]:
                best = got
        return best

    # --- evidence 1: a reference ------------------------------------------------------------

    def _ref_items(self, r: BankReceipt, keys: Sequence[str], index: Mapping[str, list[int]]) -> list[int]:
        """Open items in the receipt's currency under any of ``keys``, first seen first."""
        out: list[int] = []
        open_, items, currency = self.open, self.items, r.currency
        for k in keys:
            got = index.get(k)
            if got:
                for i in got:  # (a handful: a key names one invoice, a bare number a few)
                    if open_[i] > 0 and items[i].currency == currency and i not in out:
                        out.append(i)
        return out

    def _by_reference(
        self, r: BankReceipt, payers: dict[str, tuple[float, Reason]], *, fitting_only: bool
    ) -> _Plan | None:
        if r.amount_minor <= 0 or not r.remark:
            return None
        keys = remark_keys(r.remark)
        if not keys.strong and not keys.weak:
            return None
        idxs = self._ref_items(r, keys.strong, self.by_key)
        strong = bool(idxs)
        # A bare number only counts for the payer's items or those of the items named in full.
        owners = {self.items[i].customer_code for i in idxs} | set(payers)
        weak_all = self._ref_items(r, keys.weak, self.by_weak)
        weak = [i for i in weak_all if self.items[i].customer_code in owners]
        if not weak and not idxs:
            # Or, from an unknown payer, an item for exactly the amount.
            weak = [i for i in weak_all if self.open[i] == r.amount_minor][:1]
        idxs += [i for i in weak if i not in idxs]
        if not idxs:
            return None
        return self._fit_reference(r, idxs, payers, strong=strong, fitting_only=fitting_only)

    def _by_near_reference(self, r: BankReceipt, payers: dict[str, tuple[float, Reason]]) -> _Plan | None:
        """A number in the remark one digit off an invoice of the payer's customer that the
        amount fits (exactly, or short by a fee): a typo in the reference. For review."""
        numbers = near_numbers(r.remark)
        if not numbers:
            return None
        code = self._sure_payer(r)
        if code is None:
            return None
        cands = self._exact(r, code) or self._short_singles(r, code)
        near = [i for i in cands if is_near(self.items[i].doc_no, numbers)]
        if len(near) != 1:
            return None
        (i,) = near
        score, why = payers[code]
        short = self.open[i] - r.amount_minor
        return _Plan(
            [(i, r.amount_minor, short)],
            0.8 + 0.1 * score,
            [
                why,
                Reason("reference_near", self.items[i].doc_no),
                Reason("fee_within_tolerance", str(from_minor(short, r.currency)))
                if short
                else _AMOUNT_EXACT,
            ],
            code,
        )

    def _fit_reference(
        self,
        r: BankReceipt,
        idxs: list[int],
        payers: dict[str, tuple[float, Reason]],
        *,
        strong: bool,
        fitting_only: bool,
    ) -> _Plan | None:
        amt = r.amount_minor
        if len(idxs) == 1 and self.open[idxs[0]] == amt:  # the common case, quickly
            i = idxs[0]
            agree, agree_reason = self._agree(payers, idxs)
            conf = (0.97 if strong else 0.9) + (_AGREE_BONUS[strong] if agree >= 0.8 else 0.0)
            if not strong and agree < 0.8:
                conf -= 0.1
            why = Reason("reference_match" if strong else "reference_number", self.items[i].doc_no)
            return _Plan(
                [(i, amt, 0)],
                conf,
                [why, agree_reason, _AMOUNT_EXACT] if agree_reason else [why, _AMOUNT_EXACT],
                self.items[i].customer_code,
                True,
            )
        idxs.sort(key=self._age_of)
        ref_reason = Reason(
            "reference_match" if strong else "reference_number",
            ",".join(self.items[i].doc_no for i in idxs[:5]),
        )
        if len(idxs) > 8:
            return None  # a remark that names this many items is not a reference we can trust
        agree, agree_reason = self._agree(payers, idxs)
        reasons = [ref_reason] + ([agree_reason] if agree_reason else [])
        customer = self.items[idxs[0]].customer_code
        # A confident payer who is not the referenced items' customer: perhaps a typo.
        owners = {self.items[i].customer_code for i in idxs}
        other = max((v[0] for c, v in payers.items() if c not in owners), default=0.0)
        base_exact = 0.97 if strong else 0.9
        # The whole referenced set, then (for several) the subsets: one number may be a typo.
        subsets: list[Sequence[int]] = [idxs]
        if 1 < len(idxs) <= 6:
            for size in range(len(idxs) - 1, 0, -1):
                subsets.extend(combinations(idxs, size))
        for n_sub, sub in enumerate(subsets):
            due = sum(self.open[i] for i in sub)
            penalty = 0.0 if n_sub == 0 else 0.03
            if due == amt:
                conf = base_exact + (_AGREE_BONUS[strong] if agree >= 0.8 else 0.0) - penalty
                if not strong and agree < 0.8:
                    conf -= 0.1
                return _Plan(
                    [(i, self.open[i], 0) for i in sub],
                    conf,
                    [*reasons, Reason("amount_exact")],
                    customer,
                    True,
                )
            short = due - amt
            if 0 < short <= self.s.tolerance(due):
                conf = (
                    (0.92 if strong else 0.86)
                    + ((0.045 if strong else 0.095) if agree >= 0.8 else 0.0)
                    - penalty
                )
                return _Plan(
                    self._apply_short(list(sub), amt),
                    conf,
                    [*reasons, Reason("fee_within_tolerance", str(from_minor(short, r.currency)))],
                    customer,
                    True,
                )
        if fitting_only:
            return None
        due = sum(self.open[i] for i in idxs)
        if other >= 0.85 and agree < 0.8:
            return None  # the payer is clearly someone else and the amount does not fit either
        if not strong and agree < 0.8:
            return None
        if due > amt:
            # Partial payment: the named items in date order, the last one partly.
            apps = []
            left = amt
            for i in idxs:
                take = min(left, self.open[i])
                if take > 0:
                    apps.append((i, take, 0))
                left -= take
            # Named and from the right payer, yet for review: a receipt short of the item by more
            # than a fee may as well belong to another item (an earlier payment, a typo).
            conf = (0.93 if agree >= 0.8 else 0.8) if len(idxs) == 1 else 0.75
            if strong and len(idxs) == 1 and agree >= 0.95 and amt % self.s.round_up_minor:
                # The invoice named in full by a payer known to be its customer: the cash goes to
                # that invoice even though it does not settle it. Not for a round ¥1,000s, which
                # is as often an invoice rounded up whose earlier part-payment we missed.
                conf = 0.955
            if not strong:
                conf -= 0.1
            return _Plan(
                apps,
                conf,
                [*reasons, Reason("partial_payment", str(from_minor(due - amt, r.currency)))],
                customer,
            )
        # More than the named items: perhaps the customer's other items make up the rest (a
        # reference missing from a long list); otherwise an overpayment.
        rest = self._complete(r, idxs, amt - due)
        if rest is not None:
            apps, why = rest
            return _Plan(apps, 0.9 if agree >= 0.8 else 0.85, [*reasons, why], customer)
        conf = 0.88 if agree >= 0.8 else 0.7
        return _Plan(
            [(i, self.open[i], 0) for i in idxs],
            conf if strong else conf - 0.1,
            [*reasons, Reason("overpayment", str(from_minor(amt - due, r.currency)))],
            customer,
        )

    def _complete(
        self, r: BankReceipt, named: list[int], rest_minor: int
    ) -> tuple[list[tuple[int, int, int]], Reason] | None:
        """The named items in full plus other items of their customer making up ``rest_minor``
        exactly (or short by a fee on the last)."""
        code = self.items[named[0]].customer_code
        others = [
            i
            for i in self._customer_open(code, r.currency, self.s.subset_items_max + len(named))
            if i not in named
        ]
        probe = BankReceipt(r.txn_id, r.date, rest_minor, r.currency)
        extra = self._exact(probe, code)
        extra = [i for i in extra if i not in named][:1]
        if not extra:
            found = self._subset(probe, others, exact_only=True)
            if found is None or not found[1]:
                return None
            extra = [i for i, _a, _w in found[0]]
        chosen = sorted([*named, *extra], key=self._age_of)
        return [(i, self.open[i], 0) for i in chosen], Reason("reference_plus_amount", str(len(extra)))

    def _apply_short(self, idxs: list[int], amt: int) -> list[tuple[int, int, int]]:
        """Items in full, the shortfall written off on the last one (by date)."""
        apps = [(i, self.open[i], 0) for i in idxs]
        short = sum(self.open[i] for i in idxs) - amt
        i, applied, _w = apps[-1]
        apps[-1] = (i, applied - short, short)
        if applied - short <= 0:  # pragma: no cover - tolerance is far below any item
            return []
        return apps

    # --- evidence 2: the payer and the amount -----------------------------------------------

    def _customer_open(self, code: str, currency: str, limit: int) -> list[int]:
        """The customer's oldest ``limit`` open items in the currency (cached until one of its
        items changes)."""
        version = self._version.get(code, 0)
        got = self._open_cache.get((code, currency, limit))
        if got is not None and got[0] == version:
            return got[1]
        out = self._customer_open_scan(code, currency, limit)
        self._open_cache[(code, currency, limit)] = (version, out)
        return out

    def _customer_open_scan(self, code: str, currency: str, limit: int) -> list[int]:
        out: list[int] = []
        idxs = self.by_customer.get(code, [])
        open_ = self.open
        first = self._first.get(code, 0)
        while first < len(idxs) and open_[idxs[first]] <= 0:
            first += 1
        self._first[code] = first
        closed = 0
        stop = len(idxs)
        for k in range(first, len(idxs)):
            i = idxs[k]
            if open_[i] > 0:
                if self.items[i].currency == currency:
                    out.append(i)
                    if len(out) >= limit:
                        stop = k + 1
                        break
            else:
                closed += 1
        if closed > 64:
            # Settled items among the oldest open ones of a customer who pays thousands of
            # invoices: drop them (nothing reopens), so the next look does not step over them.
            self.by_customer[code] = [i for i in idxs[first:stop] if open_[i] > 0] + idxs[stop:]
            self._first[code] = 0
        return out

    def _exact(self, r: BankReceipt, code: str) -> list[int]:
        return self._exact_amount(code, r.currency, r.amount_minor)

    def _exact_amount(self, code: str, currency: str, amount: int) -> list[int]:
        """The customer's items open for exactly ``amount``, oldest first."""
        key = (code, currency, amount)
        idxs = self.by_customer_amount.get(key)
        if not idxs:
            return []
        open_ = self.open
        live = [i for i in idxs if open_[i] == amount]
        if len(live) != len(idxs):
            self.by_customer_amount[key] = live  # drop what was paid meanwhile (kept by age)
        return live

    def _short_singles(self, r: BankReceipt, code: str) -> list[int]:
        """The customer's items the receipt pays but for a fee or discount within tolerance."""
        amt = r.amount_minor
        hi = amt + self.s.tolerance(amt * 2)  # generous window; each candidate is checked exactly
        amounts, ids = self.customer_amounts.get(code, ([], []))
        cands = set(ids[bisect.bisect_right(amounts, amt) : bisect.bisect_right(amounts, hi)])
        out = []
        for i in cands:
            it = self.items[i]
            due = self.open[i]
            if (
                it.customer_code == code
                and it.currency == r.currency
                and self.s.short_kind(due, due - amt) in ("fee", "discount")
            ):
                out.append(i)
        return sorted(out, key=self._age_of)

    def _by_customer(self, r: BankReceipt, payers: dict[str, tuple[float, Reason]]) -> _Plan | None:
        cands = sorted(
            ((v[0], c, v[1]) for c, v in payers.items() if v[0] >= self.s.name_score_min),
            key=lambda t: (-t[0], t[1]),
        )[: self.s.payers_max]
        if not cands:
            return None
        amt = r.amount_minor
        # One item for exactly the amount.
        exact = [(score, code, why, self._exact(r, code)) for score, code, why in cands]
        exact = [e for e in exact if e[3]]
        if exact:
            score, code, why, idxs = exact[0]
            conf = 0.8 + 0.17 * score
            reasons = [why, Reason("amount_exact")]
            if (code, r.currency, amt) in self.recurring:
                conf = min(conf, 0.9)
                reasons.append(Reason("amount_recurring"))
            if amt % 100 == 0 and amt % 10000 == 0:
                conf -= 0.03  # round sums are often tranches or advances that happen to match
            if len(idxs) > 1:
                conf = min(conf, 0.75)
                reasons.append(Reason("amount_ambiguous", str(len(idxs))))
            if len(exact) > 1:
                conf = min(conf, 0.7 if exact[1][0] >= score - 0.05 else conf - 0.05)
                reasons.append(Reason("customer_ambiguous", exact[1][1]))
            return _Plan([(idxs[0], amt, 0)], conf, reasons, code)
        # Several items summing to the amount, of the likeliest payer (or one as likely).
        found = []
        for score, code, why in cands:
            if score < cands[0][0] - 0.05:
                break
            items = self._customer_open(code, r.currency, self.s.subset_items_max)
            sub = self._subset(r, items, exact_only=True)
            if sub is not None:
                found.append((score, code, why, items, sub))
        score, code, why = cands[0]
        items = self._customer_open(code, r.currency, self.s.subset_items_max)
        plan = None
        if found:
            score, code, why, items, plan = found[0]
            if len(found) > 1:
                plan = (plan[0], False, plan[2])
        if plan is not None:
            apps, unique, prefix = plan
            conf = (0.78 + 0.17 * score + (0.01 if prefix else 0.0)) if unique else 0.6
            if amt % 10000 == 0:
                # A round sum (an advance, a tranche) adds up from round invoices by chance.
                conf -= 0.15
            if any((code, r.currency, self.open[i]) in self.recurring for i, _a, _w in plan[0]):
                conf = min(conf, 0.9)
            reasons = [why, Reason("amount_sum", str(len(apps)))]
            if not unique:
                reasons.append(Reason("amount_ambiguous"))
            return _Plan(apps, conf, reasons, code)
        # One item, short by a fee.
        shorts = self._short_singles(r, code)
        if shorts:
            i = shorts[0]
            short = self.open[i] - amt
            conf = (0.75 + 0.17 * score) if len(shorts) == 1 else 0.6
            return _Plan(
                [(i, amt, short)],
                conf,
                [why, Reason("fee_within_tolerance", str(from_minor(short, r.currency)))],
                code,
            )
        plan = self._subset(r, items, exact_only=False) if score >= 0.8 else None
        if plan is not None:
            apps, unique, prefix = plan
            conf = (0.7 + 0.17 * score) if unique else 0.55
            return _Plan(apps, conf, [why, Reason("amount_sum_short", str(len(apps)))], code)
        # A round sum just above one item: the payer rounded up (to the next ¥1,000).
        if score >= 0.85 and amt % self.s.round_up_minor == 0:
            for i in items:
                if amt - self.s.round_up_minor < self.open[i] < amt:
                    return _Plan(
                        [(i, self.open[i], 0)],
                        0.55,
                        [why, Reason("overpayment_rounded", str(from_minor(amt - self.open[i], r.currency)))],
                        code,
                    )
        # A partial payment of the oldest item it does not cover.
        if score >= 0.85:
            for i in items:
                if self.open[i] > amt:
                    return _Plan(
                        [(i, amt, 0)],
                        0.5,
                        [why, Reason("partial_payment_oldest", self.items[i].doc_no)],
                        code,
                    )
        return None

    def _subset(
        self, r: BankReceipt, items: list[int], *, exact_only: bool
    ) -> tuple[list[tuple[int, int, int]], bool, bool] | None:
        """A set of 2+ items whose open amounts sum to the receipt exactly, or (``exact_only``
        false) short by a bank fee written off on the last one. The oldest items in a row first
        (prefix sums, any length), then any 2, 3 or 4 of them by meet-in-the-middle over pair
        sums. The fewest items win, then the oldest. Returns (applications, unique, is_prefix)."""
        amt = r.amount_minor
        vals = [self.open[i] for i in items]
        n = len(vals)
        if n < 2:
            return None
        lo = amt if exact_only else amt + 1
        hi = amt if exact_only else amt + self.s.short_minor_max
        short_kind = self.s.short_kind

        def fits(total: int) -> bool:
            return (
                total == amt if exact_only else lo <= total <= hi and short_kind(total, total - amt) == "fee"
            )

        found: set[tuple[int, ...]] = set()
        total = vals[0]
        for k in range(1, n):
            total += vals[k]
            if total > hi:
                break
            if fits(total):
                found.add(tuple(range(k + 1)))
                break
        by_sum = self._pair_sums(vals)
        if exact_only:
            for a, b in by_sum.get(amt, ()):
                found.add((a, b))
            for c in range(n):
                for a, b in by_sum.get(amt - vals[c], ()):
                    if c != a and c != b:
                        found.add(tuple(sorted((a, b, c))))
                if len(found) > 3:
                    break
            half = amt // 2
            # Four: one of the two pairs sums to at most half. Most receipts have no two pair sums
            # adding up to the amount at all; a set intersection (in C) says so before any loop.
            sums = by_sum.keys()
            for s1, firsts in by_sum.items() if not sums.isdisjoint(map(amt.__sub__, sums)) else ():
                if s1 > half or len(found) > 3:
                    continue
                seconds = by_sum.get(amt - s1)
                if seconds:
                    for a, b in firsts:
                        for c, d in seconds:
                            if c != a and c != b and d != a and d != b:
                                found.add(tuple(sorted((a, b, c, d))))
        else:  # pairs and triples only: four items short by a fee fit by chance too often
            key = tuple(vals)
            distinct = self._sorted_sums.get(key)
            if distinct is None:
                distinct = self._sorted_sums[key] = sorted(by_sum)
            bl, br = bisect.bisect_left, bisect.bisect_right
            for t in distinct[bl(distinct, lo) : br(distinct, hi)]:
                if fits(t):
                    found.update(by_sum[t])
            for c in range(n):
                if len(found) > 3:
                    break
                vc = vals[c]
                for t in distinct[bl(distinct, lo - vc) : br(distinct, hi - vc)]:
                    if fits(t + vc):
                        found.update(tuple(sorted((a, b, c))) for a, b in by_sum[t] if c != a and c != b)
        if not found:
            return None
        best = min(found, key=lambda t: (len(t), max(t), t))
        chosen = [items[j] for j in best]
        apps = self._apply_short(chosen, amt) if not exact_only else [(i, self.open[i], 0) for i in chosen]
        return apps, len(found) == 1, best == tuple(range(len(best)))

    def _pair_sums(self, vals: list[int]) -> dict[int, Sequence[tuple[int, int]]]:
        """Positions of every two of ``vals`` by their sum (cached: a customer's oldest open
        items stay the same across many receipts)."""
        key = tuple(vals)
        by_sum = self._pairs_cache.get(key)
        if by_sum is None:
            n = len(vals)
            pairs = _PAIRS.get(n)
            if pairs is None:
                pairs = _PAIRS[n] = [((a, b),) for a, b in combinations(range(n), 2)]
            sums = [vals[p[0][0]] + vals[p[0][1]] for p in pairs]
            by_sum = dict(zip(sums, pairs, strict=True))
            if len(by_sum) < len(sums):  # equal sums (a monthly amount): all pairs for each
                multi: dict[int, list[tuple[int, int]]] = {}
                for t, p in zip(sums, pairs, strict=True):
                    multi.setdefault(t, []).append(p[0])
                by_sum = dict(multi)
            if len(self._pairs_cache) > 20_000:
                self._pairs_cache.clear()
                self._sorted_sums.clear()
            self._pairs_cache[key] = by_sum
        return by_sum

    # --- evidence 3: the amount alone -------------------------------------------------------

    def _by_amount_only(self, r: BankReceipt) -> _Plan | None:
        idxs = {
            i for i in self.by_amount.get((r.currency, r.amount_minor), ()) if self.open[i] == r.amount_minor
        }
        if not idxs or len({self.items[i].customer_code for i in idxs}) != 1:
            return None
        i = min(idxs, key=self._age_of)
        conf = 0.6 if len(idxs) == 1 else 0.55
        return _Plan(
            [(i, r.amount_minor, 0)],
            conf,
            [Reason("amount_unique" if len(idxs) == 1 else "amount_one_customer")],
            self.items[i].customer_code,
        )
