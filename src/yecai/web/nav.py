"""The navigation: each entry shows only for users whose role has one of its permissions."""

from __future__ import annotations

from dataclasses import dataclass

from yecai.core.i18n import N_
from yecai.security.domain import Perm
from yecai.web.doclist import DOCS_READ, KINDS, SECTIONS


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str  # msgid
    url: str
    any_of: tuple[str, ...]


NAV: tuple[NavItem, ...] = (
    NavItem("home", N_("Home"), "/", (Perm.COMPANY_VIEW,)),
    NavItem("voucher_new", N_("New voucher"), "/vouchers/new", (Perm.VOUCHER_CREATE,)),
    NavItem(
        "vouchers",
        N_("Vouchers"),
        "/vouchers",
        (Perm.REPORT_VIEW, Perm.VOUCHER_CREATE, Perm.VOUCHER_REVIEW, Perm.VOUCHER_POST),
    ),
    NavItem("sales", SECTIONS["sales"], "/sales/orders", ()),
    NavItem("receivables", N_("Receivables"), "/receivables", (Perm.REPORT_VIEW, Perm.VOUCHER_CREATE)),
    NavItem("dunning", N_("Dunning"), "/receivables/dunning", (Perm.REPORT_VIEW, Perm.COMPANY_MANAGE)),
    NavItem(
        "ar_review",
        N_("Cash application review"),
        "/receivables/review",
        (Perm.VOUCHER_CREATE, Perm.REPORT_VIEW),
    ),
    NavItem("purchasing", SECTIONS["purchasing"], "/purchasing/orders", ()),
    NavItem("intake", N_("Invoice inbox"), "/intake/invoices", (Perm.VOUCHER_CREATE, Perm.REPORT_VIEW)),
    NavItem("inventory", SECTIONS["inventory"], "/inventory/receipts", ()),
    NavItem("production", SECTIONS["production"], "/production/work-orders", ()),
    NavItem("expenses", SECTIONS["expenses"], "/expenses/claims", ()),
    NavItem("books", N_("Books"), "/books/trial-balance", (Perm.REPORT_VIEW,)),
    NavItem("analytics", N_("Cash forecast"), "/analytics/forecast", (Perm.REPORT_VIEW,)),
    NavItem("closing", N_("Period closing"), "/closing", (Perm.PERIOD_CLOSE,)),
    NavItem("accounts", N_("Accounts"), "/accounts", (Perm.REPORT_VIEW, Perm.ACCOUNT_MANAGE)),
    NavItem("masterdata", SECTIONS["masterdata"], "/masterdata/customers", ()),
    NavItem("dimensions", N_("Dimensions"), "/dimensions", (Perm.REPORT_VIEW, Perm.DIMENSION_MANAGE)),
)

MASTER_READ = (Perm.REPORT_VIEW, Perm.DIMENSION_MANAGE, Perm.VOUCHER_CREATE)
# The tabs of each business section; a section shows in the navigation when one of its tabs does,
# and links to the first tab the role may see (a cashier's 销售 opens on invoices).
SECTION_TABS: dict[str, tuple[NavItem, ...]] = {
    section: tuple(NavItem(k.key, k.label, k.url, k.any_of) for k in KINDS.values() if k.section == section)
    for section in ("sales", "purchasing", "inventory", "production", "expenses")
}
SECTION_TABS["inventory"] += (NavItem("on_hand", N_("On hand"), "/inventory/on-hand", DOCS_READ),)
SECTION_TABS["inventory"] += (
    NavItem(
        "costing", N_("Month-end costing"), "/inventory/costing", (Perm.VOUCHER_CREATE, Perm.REPORT_VIEW)
    ),
)
SECTION_TABS["production"] += (NavItem("bom", N_("Bills of materials"), "/production/boms", DOCS_READ),)
SECTION_TABS["production"] += (
    NavItem("allocate", N_("Overhead allocation"), "/production/allocate", (Perm.VOUCHER_CREATE,)),
)
SECTION_TABS["purchasing"] += (
    NavItem(
        "ap_review",
        N_("Payment matching review"),
        "/payables/review",
        (Perm.VOUCHER_CREATE, Perm.CASH_MANAGE, Perm.REPORT_VIEW),
    ),
)
SECTION_TABS["sales"] += (
    NavItem("tax_export", N_("Export to invoicing software"), "/sales/tax-export", (Perm.EXPORT,)),
)
SECTION_TABS["masterdata"] = (
    NavItem("customer", N_("Customers"), "/masterdata/customers", MASTER_READ),
    NavItem("supplier", N_("Suppliers"), "/masterdata/suppliers", MASTER_READ),
    NavItem("item", N_("Items"), "/masterdata/items", MASTER_READ),
    NavItem("warehouse", N_("Warehouses"), "/masterdata/warehouses", MASTER_READ),
    NavItem(
        "imports",
        N_("Import from other systems"),
        "/imports",
        (Perm.DIMENSION_MANAGE, Perm.ACCOUNT_MANAGE, Perm.VOUCHER_CREATE),
    ),
)


def tabs(section: str, perms: set[str]) -> list[NavItem]:
    return [t for t in SECTION_TABS.get(section, ()) if any(p in perms for p in t.any_of)]


def visible(perms: set[str]) -> list[NavItem]:
    out = []
    for item in NAV:
        if item.key in SECTION_TABS:
            shown = tabs(item.key, perms)
            if shown:
                out.append(NavItem(item.key, item.label, shown[0].url, item.any_of))
        elif any(p in perms for p in item.any_of):
            out.append(item)
    return out
