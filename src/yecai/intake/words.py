"""Chinese capital amounts (大写金额) as printed in 价税合计, e.g. 壹仟零伍圆整, 叁佰贰拾元伍角.

cn2an handles the integer part but answers in float and refuses 伍角叁分 and 壹佰零贰元零伍分,
so this is a small exact parser of its own: it returns a Decimal or raises AmountWordsInvalid.
"""

from __future__ import annotations

from decimal import Decimal

from yecai.core.errors import YecaiError

_DIGITS = {
    "零": 0, "〇": 0, "壹": 1, "一": 1, "贰": 2, "貳": 2, "二": 2, "两": 2, "叁": 3, "參": 3, "三": 3,
    "肆": 4, "四": 4, "伍": 5, "五": 5, "陆": 6, "陸": 6, "六": 6, "柒": 7, "七": 7,
    "捌": 8, "八": 8, "玖": 9, "九": 9,
}  # fmt: skip
_SMALL_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_YUAN = ("圆", "元")
_NEGATIVE = ("负数", "负", "(负数)", "（负数）")
AMOUNT_WORDS_CHARS_MAX = 60


class AmountWordsInvalid(YecaiError):
    code = "intake.amount_words_invalid"
    template = "Not an amount in Chinese capitals: {text!r} ({reason})"


def _integer(text: str, original: str) -> int:
    """壹仟零伍 → 1005; 壹亿零叁万 → 100030000; 拾 → 10."""
    total = 0  # completed 亿/万 sections
    section = 0  # the current section below the next big unit
    digit: int | None = None
    for ch in text:
        if ch in _DIGITS:
            if digit is not None and _DIGITS[ch] != 0 and digit != 0:
                raise AmountWordsInvalid(text=original, reason="two digits in a row")
            digit = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            section += (1 if digit is None else digit) * _SMALL_UNITS[ch]
            digit = None
        elif ch in _BIG_UNITS:
            unit = _BIG_UNITS[ch]
            section += digit or 0
            digit = None
            if unit == 10**8:
                total = (total + section) * unit
            else:
                total += section * unit
            section = 0
        else:
            raise AmountWordsInvalid(text=original, reason=f"unexpected {ch!r}")
    return total + section + (digit or 0)


def parse_amount_words(text: str) -> Decimal:
    """Parse a 大写 amount into an exact Decimal with two places."""
    original = text
    s = "".join(text.split()).replace("人民币", "").replace("⊗", "").replace("ⓧ", "")
    if not s or len(s) > AMOUNT_WORDS_CHARS_MAX:
        raise AmountWordsInvalid(text=original, reason="empty or too long")
    negative = False
    for prefix in _NEGATIVE:
        if s.startswith(prefix):
            negative, s = True, s[len(prefix) :]
            break
    s = s.rstrip("整正")
    yuan_text, rest = s, ""
    for mark in _YUAN:
        if mark in s:
            yuan_text, _, rest = s.partition(mark)
            break
    else:
        if "角" not in s and "分" not in s:
            raise AmountWordsInvalid(text=original, reason="no 圆/元, 角 or 分")
        yuan_text, rest = "", s
    yuan = _integer(yuan_text, original) if yuan_text.strip("零〇") else 0
    jiao = fen = 0
    rest = rest.lstrip("零〇")
    if rest:
        if "角" in rest:
            jiao_text, _, rest = rest.partition("角")
            if len(jiao_text) != 1 or jiao_text not in _DIGITS:
                raise AmountWordsInvalid(text=original, reason="角 needs one digit")
            jiao = _DIGITS[jiao_text]
            rest = rest.lstrip("零〇")
        if rest:
            if not rest.endswith("分") or len(rest) != 2 or rest[0] not in _DIGITS:
                raise AmountWordsInvalid(text=original, reason="分 needs one digit")
            fen = _DIGITS[rest[0]]
    value = Decimal(yuan * 100 + jiao * 10 + fen).scaleb(-2)
    return -value if negative else value


def looks_like_amount_words(text: str) -> bool:
    s = "".join(text.split())
    return (
        bool(s)
        and any(m in s for m in (*_YUAN, "角", "分"))
        and all(
            ch in _DIGITS or ch in _SMALL_UNITS or ch in _BIG_UNITS or ch in "圆元角分整正负数()（）⊗ⓧ人民币"
            for ch in s
        )
        and any(ch in _DIGITS for ch in s)
    )
