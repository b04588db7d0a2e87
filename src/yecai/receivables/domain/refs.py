"""Invoice references as people write them in a bank remark, pure.

An invoice ``INV-2025-0012`` is written ``INV-2025-0012``, ``INV20250012``, ``2025-0012``,
``2025/12``, ``发票号0012``, ``No.12``, ``ＩＮＶ－２０２５－００１２`` (full width), several in one
remark (``2025-0012、0013、0014``), or as the 20-digit 数电票 number. Both the document number and
the remark are reduced to *keys*; a shared key is a reference.

- strong keys name one invoice on their own: ``D:<all digits>`` (six digits or more) and
  ``Y:<year>:<sequence>`` (a year followed by a sequence number, leading zeros dropped);
- weak keys (``S:<sequence>``) are a bare number: they count only when the payer or the amount
  agrees.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

YEAR_MIN, YEAR_MAX = 2000, 2099
SEQ_DIGITS_MAX = 8
_DIGITS = re.compile(r"\d+")
# Dates are not references: 2025-07-03, 2025/7/3, 2025年7月3日, 2025.07.03.
_DATE = re.compile(r"(?<!\d)20\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?!\d)")
# A number followed by a unit is a month, a day, a quantity or money, not a reference.
_UNIT_AFTER = re.compile(r"\s*(?:月|日|年|元|块|万|个|件|台|天|期|%|％|\.\d)")
# Words that mark a payment in advance, a deposit or a refund: no invoice to apply it to.
ADVANCE_WORDS = ("预付", "预收", "定金", "订金", "保证金", "押金", "退款", "利息", "结息", "返还")


# Immutable by contract, not ``frozen``: a frozen dataclass's __init__ sets each field through
# object.__setattr__, and a Keys is made for every open item and every remark (see matching.py).
@dataclass(slots=True, unsafe_hash=True)
class Keys:
    strong: tuple[str, ...]
    weak: tuple[str, ...]


def _is_year(text: str) -> bool:
    return len(text) == 4 and YEAR_MIN <= int(text) <= YEAR_MAX


# The common shape, read without the general loop: INV-2025-000123, SI2025-0001, 2025/12.
_DOC_COMMON = re.compile(r"[A-Za-z]{0,6}[-_/ ]?(20\d\d)[-_/ ]?(\d{1,8})")


def doc_keys(doc_no: str) -> Keys:
    """Keys of a document number as the open items list writes it."""
    m = _DOC_COMMON.fullmatch(doc_no)
    if m is not None:
        year, seq = m.groups()
        digits = year + seq
        d_key = ("D:" + digits,) if len(digits) >= 6 else ()
        return Keys((*d_key, f"Y:{year}:{int(seq)}"), (f"S:{int(seq)}",))
    if len(doc_no) >= 16 and doc_no.isascii() and doc_no.isdigit():  # 数电票: 20 digits
        return Keys(("D:" + doc_no,), (f"S:{int(doc_no[-8:])}",))
    return _doc_keys(doc_no)


def _doc_keys(doc_no: str) -> Keys:
    s = unicodedata.normalize("NFKC", doc_no)
    groups = _DIGITS.findall(s)
    strong: list[str] = []
    weak: list[str] = []
    digits = "".join(groups)
    if len(digits) >= 6:
        strong.append("D:" + digits)
    if not groups:
        return Keys((), ())
    last = groups[-1]
    year_groups = [g for g in groups[:-1] if _is_year(g)]
    if year_groups and len(last) <= SEQ_DIGITS_MAX:
        strong.append(f"Y:{year_groups[-1]}:{int(last)}")
    elif len(groups) == 1 and len(last) >= 6 and _is_year(last[:4]) and len(last) <= 4 + SEQ_DIGITS_MAX:
        strong.append(f"Y:{last[:4]}:{int(last[4:])}")  # 2025001 written without separator
    if len(last) <= SEQ_DIGITS_MAX:
        weak.append(f"S:{int(last)}")
    if len(digits) >= 16:
        weak.append(f"S:{int(digits[-8:])}")  # 数电票: people quote the last eight digits
    return Keys(tuple(dict.fromkeys(strong)), tuple(dict.fromkeys(weak)))


@lru_cache(maxsize=300_000)
def remark_keys(remark: str) -> Keys:
    """Keys of every reference-looking number in a bank remark."""
    s = _DATE.sub(" ", unicodedata.normalize("NFKC", remark).upper())
    strong: list[str] = []
    weak: list[str] = []
    year: str | None = None  # the year of the last year-sequence pair, for lists like 2025-12、13、14
    prev_end = -10
    matches = list(_DIGITS.finditer(s))
    for i, m in enumerate(matches):
        g = m.group()
        gap = s[prev_end : m.start()] if prev_end >= 0 else ""
        prev_end = m.end()
        if _UNIT_AFTER.match(s, m.end()):
            year = None if not _is_year(g) else year
            continue
        nxt = matches[i + 1] if i + 1 < len(matches) else None
        if (
            _is_year(g)
            and nxt is not None
            and nxt.start() - m.end() <= 3
            and len(nxt.group()) <= SEQ_DIGITS_MAX
        ):
            sep = s[m.end() : nxt.start()]
            if not sep.strip("-/_ .年#NO:：") or sep in ("-", "/", "_", " ", ".", "年"):
                year = g
                continue  # the pair is read at the next group
        if year is not None and len(gap) <= 3 and gap.strip("-/_ .年、,，;；&+和及") == "" and i > 0:
            prev = matches[i - 1].group()
            if len(g) <= SEQ_DIGITS_MAX:
                strong.append(f"Y:{year}:{int(g)}")
                if _is_year(prev):
                    strong.append("D:" + prev + g)
                continue
        year = None
        if len(g) >= 6:
            strong.append("D:" + g)
            if _is_year(g[:4]) and len(g) <= 4 + SEQ_DIGITS_MAX and len(g) != 8:
                strong.append(f"Y:{g[:4]}:{int(g[4:])}")
            if len(g) >= 16:
                weak.append(f"S:{int(g[-8:])}")
            elif len(g) <= SEQ_DIGITS_MAX:
                weak.append(f"S:{int(g)}")
        elif len(g) >= 2 or (i > 0 and s[max(0, m.start() - 3) : m.start()].rstrip(".:： ").endswith("NO")):
            if not _is_year(g):
                weak.append(f"S:{int(g)}")
        elif re.search(r"(NO|号|#)[.:：\s]*$", s[max(0, m.start() - 4) : m.start()]):
            weak.append(f"S:{int(g)}")
    return Keys(tuple(dict.fromkeys(strong)), tuple(dict.fromkeys(weak)))


def is_advance(remark: str) -> bool:
    """The remark says this is an advance, a deposit, a refund or interest."""
    s = unicodedata.normalize("NFKC", remark)
    return any(w in s for w in ADVANCE_WORDS)


@lru_cache(maxsize=100_000)
def near_numbers(remark: str) -> tuple[str, ...]:
    """The numbers of a remark (three digits or more, dates removed) as written, for comparing
    with document numbers digit by digit (``is_near``)."""
    s = _DATE.sub(" ", unicodedata.normalize("NFKC", remark))
    return tuple(dict.fromkeys(g for g in _DIGITS.findall(s) if len(g) >= 3))


@lru_cache(maxsize=200_000)
def _doc_forms(doc_no: str) -> tuple[str, ...]:
    """How a document number's digits are quoted: all of them, the sequence after the year
    (as written and without leading zeros), the last eight of a 数电票."""
    digits = "".join(_DIGITS.findall(unicodedata.normalize("NFKC", doc_no)))
    forms = [digits]
    m = _DOC_COMMON.fullmatch(doc_no)
    if m is not None:
        forms += [m.group(2), str(int(m.group(2)))]
    elif len(digits) >= 16:
        forms.append(digits[-8:])
    return tuple(f for f in dict.fromkeys(forms) if len(f) >= 3)


def is_near(doc_no: str, numbers: tuple[str, ...]) -> bool:
    """One of ``numbers`` is the document number (or a quoted part of it) with exactly one digit
    wrong: INV-2024-043111 and 2024043311, 24332000000258100565 and 24332000000258700565."""
    for form in _doc_forms(doc_no):
        for n in numbers:
            if len(n) == len(form) and sum(a != b for a, b in zip(n, form, strict=True)) == 1:
                return True
    return False
