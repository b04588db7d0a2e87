"""Role → permission sets, as a Chinese finance team divides the work."""

from __future__ import annotations

from yecai.security.domain import Perm, Role, permissions_of


def test_accountant_makes_and_posts_but_does_not_review() -> None:
    p = permissions_of("accountant")
    assert {Perm.VOUCHER_CREATE, Perm.VOUCHER_POST, Perm.REPORT_VIEW} <= p
    assert Perm.VOUCHER_REVIEW not in p
    assert Perm.PERIOD_REOPEN not in p
    assert Perm.USER_MANAGE not in p


def test_reviewer_reviews_but_does_not_make() -> None:
    p = permissions_of("reviewer")
    assert Perm.VOUCHER_REVIEW in p
    assert not p & {Perm.VOUCHER_CREATE, Perm.VOUCHER_POST, Perm.VOUCHER_IMPORT_POST}


def test_cashier_only_cash_work_and_viewing() -> None:
    assert permissions_of("cashier") == {Perm.COMPANY_VIEW, Perm.CASH_MANAGE}


def test_auditor_is_read_only() -> None:
    p = permissions_of("auditor")
    assert {Perm.REPORT_VIEW, Perm.AUDIT_VIEW, Perm.LEDGER_VERIFY} <= p
    writes = {
        Perm.COMPANY_MANAGE,
        Perm.ACCOUNT_MANAGE,
        Perm.DIMENSION_MANAGE,
        Perm.VOUCHER_CREATE,
        Perm.VOUCHER_REVIEW,
        Perm.VOUCHER_POST,
        Perm.VOUCHER_IMPORT_POST,
        Perm.VOUCHER_REVERSE,
        Perm.PERIOD_CLOSE,
        Perm.PERIOD_REOPEN,
        Perm.FX_MANAGE,
        Perm.CASH_MANAGE,
        Perm.USER_MANAGE,
    }
    assert not p & writes


def test_finance_manager_everything_but_user_management() -> None:
    assert permissions_of("finance_manager") == set(Perm) - {Perm.USER_MANAGE}


def test_admin_everything_and_unknown_role_nothing() -> None:
    assert permissions_of("admin") == set(Perm)
    assert permissions_of("owner") == frozenset()
    assert {r.value for r in Role} == {
        "admin",
        "finance_manager",
        "accountant",
        "reviewer",
        "cashier",
        "auditor",
    }
