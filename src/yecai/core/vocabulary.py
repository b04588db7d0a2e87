"""The words services put inside their messages, in the user's language.

A refusal interpolates plain English words into its message: a status (``draft``), an action
(``post``), what was not found (``voucher``), a permission (``voucher.create``). A Chinese message
with an English word in the middle reads badly ("凭证 记-0003 当前状态为 reviewed"), so before
interpolating, ``YecaiError.message`` translates the values of these parameters — for the API,
the CLI and the web alike. They are msgids with a context prefix ("status|draft"): one English word
may need a different Chinese word as a status than as an action. Values that are not in the
vocabulary (numbers, codes, names) are left as they are.
"""

from __future__ import annotations

from typing import Any

from yecai.core.i18n import N_, gettext

# The parameters whose values are vocabulary words, never data.
VOCABULARY_PARAMS = ("status", "action", "what", "permission", "costing", "cause", "kind")

WORDS: dict[str, str] = {
    # statuses of vouchers and documents
    "status|draft": N_("status|draft"),
    "status|reviewed": N_("status|reviewed"),
    "status|posted": N_("status|posted"),
    "status|void": N_("status|void"),
    "status|open": N_("status|open"),
    "status|closed": N_("status|closed"),
    "status|cancelled": N_("status|cancelled"),
    "status|confirmed": N_("status|confirmed"),
    "status|released": N_("status|released"),
    "status|approved": N_("status|approved"),
    "status|paid": N_("status|paid"),
    "status|submitted": N_("status|submitted"),
    "status|running": N_("status|running"),
    # actions the services name when they refuse
    "action|edit": N_("action|edit"),
    "action|review": N_("action|review"),
    "action|cancel the review": N_("action|cancel the review"),
    "action|post": N_("action|post"),
    "action|void": N_("action|void"),
    "action|reverse": N_("action|reverse"),
    "action|move to another period or word": N_("action|move to another period or word"),
    "action|confirm": N_("action|confirm"),
    "action|cancel": N_("action|cancel"),
    "action|deliver": N_("action|deliver"),
    "action|invoice": N_("action|invoice"),
    "action|receive": N_("action|receive"),
    "action|receive against": N_("action|receive against"),
    "action|bill": N_("action|bill"),
    "action|pay": N_("action|pay"),
    "action|pay against": N_("action|pay against"),
    "action|return": N_("action|return"),
    "action|return from": N_("action|return from"),
    "action|credit": N_("action|credit"),
    "action|approve": N_("action|approve"),
    "action|reject": N_("action|reject"),
    "action|release": N_("action|release"),
    "action|process": N_("action|process"),
    "action|close": N_("action|close"),
    "action|allocate overhead to": N_("action|allocate overhead to"),
    "action|issue materials to": N_("action|issue materials to"),
    "action|collect costs on": N_("action|collect costs on"),
    "action|receive finished goods from": N_("action|receive finished goods from"),
    # what was not found or already exists
    "what|account": N_("what|account"),
    "what|user": N_("what|user"),
    "what|voucher": N_("what|voucher"),
    "what|order line": N_("what|order line"),
    "what|company": N_("what|company"),
    "what|warehouse": N_("what|warehouse"),
    "what|item": N_("what|item"),
    "what|customer": N_("what|customer"),
    "what|supplier": N_("what|supplier"),
    "what|project": N_("what|project"),
    "what|department": N_("what|department"),
    "what|employee": N_("what|employee"),
    "what|document type": N_("what|document type"),
    "what|stock transfer": N_("what|stock transfer"),
    "what|stock receipt": N_("what|stock receipt"),
    "what|stock count": N_("what|stock count"),
    "what|bill of materials": N_("what|bill of materials"),
    "what|work order": N_("what|work order"),
    "what|expense claim": N_("what|expense claim"),
    "what|receipt line": N_("what|receipt line"),
    "what|output tax code": N_("what|output tax code"),
    "what|input tax code": N_("what|input tax code"),
    # costing methods, stock-count causes, cost elements
    "costing|moving_average": N_("costing|moving_average"),
    "costing|monthly_average": N_("costing|monthly_average"),
    "cause|management": N_("cause|management"),
    "cause|abnormal": N_("cause|abnormal"),
    "kind|labour": N_("kind|labour"),
    "kind|overhead": N_("kind|overhead"),
    # permissions (security.domain.Perm values)
    "permission|company.view": N_("permission|company.view"),
    "permission|company.manage": N_("permission|company.manage"),
    "permission|account.manage": N_("permission|account.manage"),
    "permission|dimension.manage": N_("permission|dimension.manage"),
    "permission|voucher.create": N_("permission|voucher.create"),
    "permission|voucher.review": N_("permission|voucher.review"),
    "permission|voucher.post": N_("permission|voucher.post"),
    "permission|voucher.import_post": N_("permission|voucher.import_post"),
    "permission|voucher.reverse": N_("permission|voucher.reverse"),
    "permission|report.view": N_("permission|report.view"),
    "permission|period.close": N_("permission|period.close"),
    "permission|period.reopen": N_("permission|period.reopen"),
    "permission|fx.manage": N_("permission|fx.manage"),
    "permission|cash.manage": N_("permission|cash.manage"),
    "permission|audit.view": N_("permission|audit.view"),
    "permission|ledger.verify": N_("permission|ledger.verify"),
    "permission|user.manage": N_("permission|user.manage"),
    "permission|export": N_("permission|export"),
}


def pgettext(msgid: str, locale: str) -> str:
    """gettext for a msgid with a context prefix ('status|draft'); without a translation (English)
    the context is dropped ('draft')."""
    text = gettext(msgid, locale)
    if text == msgid and "|" in msgid:
        return msgid.split("|", 1)[1]
    return text


def word(param: str, value: Any, locale: str) -> Any:
    key = f"{param}|{value}"
    if param in VOCABULARY_PARAMS and key in WORDS:
        return pgettext(key, locale)
    return value


def translated_params(params: dict[str, Any], locale: str) -> dict[str, Any]:
    return {k: word(k, v, locale) for k, v in params.items()}
