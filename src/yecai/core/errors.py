"""Errors are data with names.

Every refusal is a subclass of YecaiError with a stable ``code`` and an English message
template that is also the gettext msgid; the Chinese text comes from the translation catalog.
Where the error came from is part of it: file, row, column/field.
"""

from __future__ import annotations

from typing import Any, ClassVar


def _is_chinese(locale: str) -> bool:
    return not locale.lower().startswith("en")


class YecaiError(Exception):
    code: ClassVar[str] = "error"
    template: ClassVar[str] = "Error"
    http_status: ClassVar[int] = 422

    def __init__(
        self,
        *,
        field: str | None = None,
        row: int | None = None,
        file: str | None = None,
        **params: Any,
    ) -> None:
        self.field = field
        self.row = row
        self.file = file
        self.params = params
        super().__init__(self.render("en"))

    def located(
        self, *, file: str | None = None, row: int | None = None, field: str | None = None
    ) -> YecaiError:
        """Attach a location (keeping any already set) and return self, for re-raising."""
        self.file = self.file or file
        self.row = self.row if self.row is not None else row
        self.field = self.field or field
        self.args = (self.render("en"),)
        return self

    def message(self, locale: str = "zh_CN") -> str:
        from yecai.core.i18n import gettext
        from yecai.core.vocabulary import translated_params

        return gettext(self.template, locale).format(**translated_params(self.params, locale))

    def where(self, locale: str = "zh_CN") -> str:
        from yecai.core.i18n import gettext

        parts = []
        if self.file:
            parts.append(gettext("file {file}", locale).format(file=self.file))
        if self.row is not None:
            parts.append(gettext("row {row}", locale).format(row=self.row))
        if self.field:
            parts.append(gettext("column {field}", locale).format(field=self.field))
        return ("，" if _is_chinese(locale) else ", ").join(parts)

    def render(self, locale: str = "zh_CN") -> str:
        where = self.where(locale)
        msg = self.message(locale)
        if not where:
            return msg
        return f"{where}：{msg}" if _is_chinese(locale) else f"{where}: {msg}"

    def to_dict(self, locale: str = "zh_CN") -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message(locale),
            "file": self.file,
            "row": self.row,
            "field": self.field,
            "params": {k: str(v) for k, v in self.params.items()},
        }


class FieldRequired(YecaiError):
    code = "field_required"
    template = "{field_name} is required"


class NotFound(YecaiError):
    code = "not_found"
    template = "{what} {key} not found"
    http_status = 404


class PermissionDenied(YecaiError):
    code = "permission_denied"
    template = "User {user} may not {permission} in company {company}"
    http_status = 403


class Conflict(YecaiError):
    code = "conflict"
    template = "{what} {key} already exists"
    http_status = 409


class IdempotencyConflict(YecaiError):
    code = "idempotency.key_reused"
    template = "Idempotency key {key} was already used with different content"
    http_status = 409


class ValidationFailed(YecaiError):
    """A batch of errors (for example a whole import) refused together."""

    code = "validation_failed"
    template = "{count} error(s) found; nothing was written"

    def __init__(self, errors: list[YecaiError], **kw: Any) -> None:
        self.errors = errors
        super().__init__(count=len(errors), **kw)
