"""Refusals shown in the user's language: the web's rendering of ``YecaiError``.

The vocabulary words inside messages (statuses, actions, permissions …) are translated by
``yecai.core.vocabulary`` for every shell; here only the web's "where: message" layout.
"""

from __future__ import annotations

from typing import Any

from yecai.core.errors import YecaiError
from yecai.core.vocabulary import VOCABULARY_PARAMS, WORDS, pgettext, word

__all__ = [
    "VOCABULARY_PARAMS",
    "WORDS",
    "error_message",
    "error_render",
    "pgettext",
    "translated_params",
    "word",
]


def translated_params(exc: YecaiError, locale: str) -> dict[str, Any]:
    from yecai.core.vocabulary import translated_params as _params

    return _params(exc.params, locale)


def error_message(exc: YecaiError, locale: str) -> str:
    """The error's message with its vocabulary parameters in the user's language."""
    return exc.message(locale)


def error_render(exc: YecaiError, locale: str) -> str:
    """Like ``YecaiError.render``: where (file, row, column) and the translated message."""
    where = exc.where(locale)
    msg = error_message(exc, locale)
    if not where:
        return msg
    return f"{where}：{msg}" if locale != "en" else f"{where}: {msg}"
