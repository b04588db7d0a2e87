"""Roles and their fixed permission sets (pure).

The roles follow how a Chinese finance team divides work (会计基础工作规范, 会计法 art. 37):

- ``accountant`` (制单) makes vouchers and posts reviewed ones (记账), but never reviews;
- ``reviewer`` (审核) reviews vouchers made by others, but never makes them;
- ``cashier`` (出纳) handles cash and bank work and may look at the company, but neither makes
  vouchers nor keeps the books (钱账分管: whoever holds the money does not keep the accounts);
- ``auditor`` is read-only: reports, the audit log, verifying the hash chain, exports;
- ``finance_manager`` (财务经理/会计主管) may do everything inside the company *except* grant
  roles: user management stays with administrators so that no one inside the books can give
  themselves or a colleague more rights than the administrator decided;
- ``admin`` may do everything in the company, including granting roles in it. System
  administrators (``User.is_admin``) see every company and alone create users.

The maker of a voucher never reviews it, whatever the role: that rule lives in the ledger service.
"""

from __future__ import annotations

from enum import StrEnum


class Perm(StrEnum):
    COMPANY_VIEW = "company.view"
    COMPANY_MANAGE = "company.manage"
    ACCOUNT_MANAGE = "account.manage"
    DIMENSION_MANAGE = "dimension.manage"
    VOUCHER_CREATE = "voucher.create"
    VOUCHER_REVIEW = "voucher.review"
    VOUCHER_POST = "voucher.post"
    VOUCHER_IMPORT_POST = "voucher.import_post"  # import already-approved vouchers straight to posted
    VOUCHER_REVERSE = "voucher.reverse"
    REPORT_VIEW = "report.view"
    PERIOD_CLOSE = "period.close"
    PERIOD_REOPEN = "period.reopen"
    FX_MANAGE = "fx.manage"
    CASH_MANAGE = "cash.manage"
    AUDIT_VIEW = "audit.view"
    LEDGER_VERIFY = "ledger.verify"
    USER_MANAGE = "user.manage"
    EXPORT = "export"


class Role(StrEnum):
    ADMIN = "admin"
    FINANCE_MANAGER = "finance_manager"
    ACCOUNTANT = "accountant"  # 制单
    REVIEWER = "reviewer"  # 审核
    CASHIER = "cashier"  # 出纳
    AUDITOR = "auditor"  # read-only


_READ = {Perm.COMPANY_VIEW, Perm.REPORT_VIEW}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm),
    # Everything in the company except granting roles (see the module docstring).
    Role.FINANCE_MANAGER: frozenset(set(Perm) - {Perm.USER_MANAGE}),
    Role.ACCOUNTANT: frozenset(
        _READ
        | {Perm.VOUCHER_CREATE, Perm.VOUCHER_POST, Perm.VOUCHER_REVERSE, Perm.DIMENSION_MANAGE, Perm.EXPORT}
    ),
    Role.REVIEWER: frozenset(_READ | {Perm.VOUCHER_REVIEW, Perm.LEDGER_VERIFY, Perm.EXPORT}),
    # 钱账分管: the cashier does cash work only; vouchers are made by an accountant.
    Role.CASHIER: frozenset({Perm.COMPANY_VIEW, Perm.CASH_MANAGE}),
    Role.AUDITOR: frozenset(_READ | {Perm.AUDIT_VIEW, Perm.LEDGER_VERIFY, Perm.EXPORT}),
}

ROLE_LABELS_ZH: dict[Role, str] = {
    Role.ADMIN: "系统管理员",
    Role.FINANCE_MANAGER: "财务经理",
    Role.ACCOUNTANT: "会计(制单)",
    Role.REVIEWER: "审核",
    Role.CASHIER: "出纳",
    Role.AUDITOR: "审计(只读)",
}


def permissions_of(role: str) -> frozenset[Perm]:
    return ROLE_PERMISSIONS.get(Role(role), frozenset()) if role in Role._value2member_map_ else frozenset()
