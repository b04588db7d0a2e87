"""Translations from gettext catalogs (src/yecai/locale/<lang>/LC_MESSAGES/*.po).

``messages.po`` holds most texts; a package may keep its own catalog beside it (``<package>.po``),
which is read after it, so that packages can be translated without touching one shared file.

msgids are the English texts; Chinese (zh_CN) is the default language for users. The .po files
are read with Babel at first use, so no compile step is needed after install.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources

from babel.messages.pofile import read_po

DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "en")


def normalize_locale(value: str | None) -> str:
    """Map 'zh', 'zh-CN', 'zh_CN.UTF-8', 'en-US' … to a supported locale."""
    if not value:
        return DEFAULT_LOCALE
    v = value.split(",")[0].split(";")[0].strip().replace("-", "_").split(".")[0].lower()
    if v.startswith("en"):
        return "en"
    return "zh_CN"


def current_locale() -> str:
    return normalize_locale(os.environ.get("YECAI_LANG") or DEFAULT_LOCALE)


@lru_cache(maxsize=8)
def _catalog(locale: str) -> dict[str, str]:
    folder = resources.files("yecai") / "locale" / locale / "LC_MESSAGES"
    if not folder.is_dir():
        return {}
    files = sorted(
        (p for p in folder.iterdir() if p.name.endswith(".po")),
        key=lambda p: (p.name != "messages.po", p.name),
    )
    out: dict[str, str] = {}
    for path in files:
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        for message in catalog:
            if (
                message.id
                and isinstance(message.id, str)
                and isinstance(message.string, str)
                and message.string
            ):
                out[message.id] = message.string
    return out


def gettext(msgid: str, locale: str | None = None) -> str:
    loc = normalize_locale(locale) if locale else current_locale()
    if loc == "en":
        return msgid
    return _catalog(loc).get(msgid, msgid)


def N_(msgid: str) -> str:
    """Mark a string for extraction without translating it now."""
    return msgid


def t(msgid: str, locale: str | None = None, **params: object) -> str:
    return gettext(msgid, locale).format(**params) if params else gettext(msgid, locale)
