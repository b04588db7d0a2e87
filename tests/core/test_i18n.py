"""The zh_CN catalog is complete and every translation can be rendered like its msgid.

Messages are rendered with ``str.format(**params)``, so a translation must keep exactly the
placeholders of its msgid (same names, conversions and format specs).
"""

from __future__ import annotations

import importlib.util
import string
from pathlib import Path
from types import ModuleType

import pytest

from yecai.core.i18n import gettext, t
from yecai.ledger.domain import AccountNotFound, VoucherUnbalanced
from yecai.ledger.service import PeriodClosed, ReviewBySameUser
from yecai.security.service import LoginLocked

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "i18n_catalog.py"


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_catalog", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    return _load_tool()


def _placeholders(text: str) -> set[tuple[str, str | None, str | None]]:
    return {
        (name, conversion, spec)
        for _, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    }


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_text_has_a_chinese_translation(tool: ModuleType) -> None:
    assert tool.untranslated("zh_CN") == []


def test_translations_keep_the_placeholders_of_their_msgid(tool: ModuleType) -> None:
    bad = [
        (m.id, m.string)
        for cat in [tool.load("zh_CN"), *tool.package_catalogs("zh_CN")]
        for m in cat
        if m.id and m.string and _placeholders(m.id) != _placeholders(m.string)
    ]
    assert bad == []


def test_english_catalog_keeps_the_msgid(tool: ModuleType) -> None:
    bad = [m.id for m in tool.load("en") if m.id and m.string and m.string != m.id]
    assert bad == []


def test_collected_msgids_are_valid_format_strings(tool: ModuleType) -> None:
    for mid in tool.collect():
        _placeholders(mid)  # raises ValueError on an unbalanced brace


def test_unbalanced_voucher_is_explained_in_chinese() -> None:
    msg = VoucherUnbalanced(debit="1.00", credit="2.00").message("zh_CN")
    assert "借方" in msg or "不平衡" in msg
    assert "1.00" in msg and "2.00" in msg
    assert VoucherUnbalanced(debit="1.00", credit="2.00").message("en") == (
        "Voucher does not balance: debits 1.00 ≠ credits 2.00"
    )


def test_errors_render_in_chinese_with_their_parameters() -> None:
    closed = PeriodClosed(period="2025-03").message("zh_CN")
    assert "2025-03" in closed and "结账" in closed
    review = ReviewBySameUser(voucher="记-0001", user="zhang").message("zh_CN")
    assert "记-0001" in review and "zhang" in review and "审核" in review
    locked = LoginLocked(username="li", minutes=5).message("zh_CN")
    assert "li" in locked and "5" in locked and _has_chinese(locked)


def test_location_of_an_error_is_rendered_in_chinese() -> None:
    err = AccountNotFound(line=2, account="9999", field="account_code", row=7, file="v.csv")
    text = err.render("zh_CN")
    assert "科目" in text and "9999" in text and "第 7 行" in text and "v.csv" in text
    assert "row 7" in err.render("en")


def test_locale_names_and_ui_labels() -> None:
    assert gettext("Trial balance", "zh-CN") == "试算平衡表"
    assert gettext("Trial balance", "en-US") == "Trial balance"
    assert t("Page {page} of {pages}", "zh_CN", page=2, pages=5) == "第 2 页，共 5 页"
