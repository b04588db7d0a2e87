"""Imports from other systems with cleaning: map the columns, clean, preview, then write.

``preview`` reads a CSV/XLSX file (UTF-8 or GBK), maps its columns to a kind's fields (the saved
profile of the source, the mapping given, or a guess from the header), cleans every cell
(``intake.cleaning``), checks across rows (duplicates in the file and against the books,
including the same company under two spellings, e.g. with and without 有限公司) and then runs
every row through the ordinary service in a transaction that is rolled back — so the preview
shows exactly the errors the import would meet, and nothing is written. ``run`` does the same
and writes; rows with a problem are left out (or, with ``all_or_nothing``, the whole file is).

Kinds: customer, supplier, item, account (sub-accounts under a parent), opening (opening
balances 期初余额, written as one draft voucher to review and post like any other), sales_order and
purchase_order (rows with the same order number form one order, as in the order imports),
sales_receipt and purchase_payment (one per row, against the invoice or bill named),
expense_claim (draft claims; rows with the same claim number form one claim) and vendor_bill
(采购发票, drafts unless ``post``; rows with the same supplier and invoice number form one bill,
each row a line over a received order or a line without an order — rent, utilities, services —
so that the 进项发票 list of the tax bureau's platform can be taken in as it is).

With a ``source`` name, the column mapping and defaults are saved for that source, and every
record created is entered in the source's code map (its code → yecai's code), so the next
import from the same source lands on the same records: customers and suppliers are updated,
items and accounts already there are skipped, and opening balances translate the source's
account and party codes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from yecai.core.errors import YecaiError
from yecai.core.i18n import N_, gettext
from yecai.intake import cleaning
from yecai.intake.cleaning import Change, CleanRow
from yecai.intake.models_etl import CodeMapEntry, ImportProfile
from yecai.ledger import service as ledger
from yecai.ledger.bulk import ImportIssue
from yecai.ledger.domain import LineDraft, VoucherDraft
from yecai.ledger.importer import file_facts, stream_rows
from yecai.ledger.models import Account
from yecai.masterdata import imports as mdi
from yecai.masterdata import service as md
from yecai.masterdata.models import Customer, Item, Supplier
from yecai.receivables.domain.names import core_name as name_key
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

ROWS_MAX = 100_000
CHANGES_KEPT_MAX = 20_000
SOURCE_RE = re.compile(r"^\S(.{0,58}\S)?$")
REPORT_COLUMNS = ("row", "column", "type", "rule", "before", "after", "message")
OPENING_SUMMARY = "期初余额"
PARTY_MODELS: dict[str, Any] = {"customer": Customer, "supplier": Supplier}
# What a user needs to import (and to preview: the preview runs the import and rolls it back).
WRITE_PERMS = {
    "customer": Perm.DIMENSION_MANAGE,
    "supplier": Perm.DIMENSION_MANAGE,
    "item": Perm.DIMENSION_MANAGE,
    "account": Perm.ACCOUNT_MANAGE,
    "opening": Perm.VOUCHER_CREATE,
    "sales_order": Perm.VOUCHER_CREATE,
    "purchase_order": Perm.VOUCHER_CREATE,
    "sales_receipt": Perm.VOUCHER_CREATE,
    "purchase_payment": Perm.VOUCHER_CREATE,
    "expense_claim": Perm.VOUCHER_CREATE,
    "vendor_bill": Perm.VOUCHER_CREATE,
}

# Vendor bills (采购发票) are a kind of the wizard like the others; their fields are registered
# here, beside the code that imports them. The synonyms cover the 进项发票 list of the tax
# bureau's platform (电子税务局 发票查询: 发票号码, 开票日期, 销方识别号, 销方名称, 金额, 税额,
# 价税合计, 发票状态) and the purchase-invoice exports of 用友/金蝶.
_BF = cleaning.FieldSpec
cleaning.KINDS["vendor_bill"] = (
    _BF(
        "invoice_no",
        cleaning.CODE,
        True,
        N_("Invoice number"),
        ("发票号码", "发票号", "发票编号", "数电票号码", "单据号", "单据编号"),
    ),
    _BF("date", cleaning.DATE, True, N_("Invoice date"), ("开票日期", "发票日期", "日期", "单据日期")),
    _BF("supplier", cleaning.CODE, False, N_("Supplier"), ("供应商", "供应商编码", "供应商代码"), "supplier"),
    _BF(
        "supplier_name",
        cleaning.NAME,
        False,
        N_("Supplier name"),
        ("销方名称", "销售方名称", "销货方名称", "供应商名称", "销方"),
    ),
    _BF(
        "supplier_tax_id",
        cleaning.TAX_ID,
        False,
        N_("Supplier tax id"),
        ("销方识别号", "销方纳税人识别号", "销售方纳税人识别号", "销售方识别号", "销方税号", "供应商税号"),
    ),
    _BF(
        "order_no", cleaning.CODE, False, N_("Purchase order"), ("订单号", "采购订单号", "订单编号", "源单号")
    ),
    _BF("order_line", cleaning.INTEGER, False, N_("Order line"), ("订单行号", "行号", "源单行号")),
    _BF(
        "item",
        cleaning.CODE,
        False,
        N_("Item code"),
        ("存货编码", "物料编码", "商品编码", "存货", "物料"),
        "item",
    ),
    _BF("quantity", cleaning.AMOUNT, False, N_("Quantity"), ("数量",)),
    _BF("unit_price", cleaning.AMOUNT, False, N_("Unit price"), ("单价", "不含税单价", "无税单价")),
    _BF(
        "category",
        cleaning.TEXT,
        False,
        N_("Expense category"),
        ("费用类别", "费用项目", "费用类型", "报销项目"),
    ),
    _BF("department", cleaning.CODE, False, N_("Department"), ("部门", "部门编码", "费用部门")),
    _BF("project", cleaning.CODE, False, N_("Project"), ("项目", "项目编码")),
    _BF(
        "description",
        cleaning.TEXT,
        False,
        N_("Description"),
        ("摘要", "说明", "备注", "货物或应税劳务名称", "货物或应税劳务、服务名称"),
    ),
    _BF("net", cleaning.AMOUNT, False, N_("Net amount"), ("金额", "不含税金额", "无税金额", "合计金额")),
    _BF("tax", cleaning.AMOUNT, False, N_("Tax"), ("税额", "合计税额", "进项税额")),
    _BF("total", cleaning.AMOUNT, False, N_("Total with tax"), ("价税合计", "含税金额", "价税合计金额")),
    _BF("tax_rate", cleaning.RATE, False, N_("Tax rate"), ("税率", "征收率", "税率/征收率")),
    _BF("status", cleaning.TEXT, False, N_("Invoice status"), ("发票状态", "状态")),
)
# Rows of the tax bureau's list whose invoice was voided or reversed (作废, 红冲) are not bills.
VOID_STATUS_WORDS = ("作废", "红冲", "void", "cancel")


class InvalidSource(YecaiError):
    code = "etl.invalid_source"
    template = "Source name {value!r} must be 1–60 characters without leading or trailing spaces"


class DuplicateInFile(YecaiError):
    code = "etl.duplicate_in_file"
    template = "{what} {value!r} is also on row {other}"


class PossibleDuplicate(YecaiError):
    code = "etl.possible_duplicate"
    template = "Possibly the same as {other} ({reason}); import it anyway with keep duplicates"


class OpeningNoAmount(YecaiError):
    code = "etl.opening_no_amount"
    template = "The row has neither a debit or credit nor a balance"


class OpeningBothSides(YecaiError):
    code = "etl.opening_both_sides"
    template = "The row has both a debit and a credit; give one of them"


class UnknownSupplier(YecaiError):
    code = "etl.unknown_supplier"
    template = "No supplier has the {what} {value!r}; add it or map the code first"


class SupplierMissing(YecaiError):
    code = "etl.supplier_missing"
    template = "The row names no supplier: give its code, name or tax id"


class InvoiceVoid(YecaiError):
    code = "etl.invoice_void"
    template = "Invoice {invoice} is {status} (voided or reversed by a red invoice); it is not billed"


class InvoiceAlreadyBilled(YecaiError):
    code = "etl.invoice_already_billed"
    template = "Invoice {invoice} of supplier {supplier} is already billed on {bill}"


class TaxRateUnknown(YecaiError):
    code = "etl.tax_rate_unknown"
    template = "No tax rate: give a tax rate column, or the tax with the net or total"


class TooManyRows(YecaiError):
    code = "etl.too_many_rows"
    template = "The file has more than {max} rows; split it"


@dataclass
class EtlReport:
    """What a preview found or an import did; ``changes`` and ``problems`` are the cleaning report."""

    kind: str
    source: str
    file: str
    header: list[str]
    mapping: dict[str, str]
    defaults: dict[str, str]
    rows: int = 0
    dry_run: bool = True
    all_or_nothing: bool = False
    changes: list[Change] = field(default_factory=list)
    changes_total: int = 0
    problems: list[ImportIssue] = field(default_factory=list)
    problems_total: int = 0
    rejected: int = 0
    imported: int = 0
    actions: dict[str, int] = field(default_factory=dict)  # create | update | exists → rows
    created: list[str] = field(default_factory=list)
    cleaned: list[dict[str, str]] = field(default_factory=list)  # the first rows, for the preview

    @property
    def unmapped(self) -> list[str]:
        return [h for h in self.header if h and not self.mapping.get(h)]

    @property
    def ok(self) -> bool:
        return self.problems_total == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "file": self.file,
            "rows": self.rows,
            "dry_run": self.dry_run,
            "all_or_nothing": self.all_or_nothing,
            "mapping": self.mapping,
            "unmapped": self.unmapped,
            "defaults": self.defaults,
            "imported": self.imported,
            "rejected": self.rejected,
            "actions": self.actions,
            "ok": self.ok,
            "created": self.created,
            "changes_total": self.changes_total,
            "changes": [
                {
                    "key": c.key,
                    "row": c.row,
                    "column": c.column,
                    "field": c.field,
                    "before": c.before,
                    "after": c.after,
                    "rule": c.rule,
                }
                for c in self.changes
            ],
            "problems_total": self.problems_total,
            "problems": [p.to_dict() for p in self.problems],
            "cleaned": self.cleaned,
        }

    def report_rows(self, locale: str = "zh_CN") -> list[dict[str, Any]]:
        """The cleaning report: every change and every rejected row (REPORT_COLUMNS)."""
        out: list[dict[str, Any]] = [
            {
                "row": c.row,
                "column": c.column,
                "type": "change",
                "rule": c.rule,
                "before": c.before,
                "after": c.after,
                "message": gettext(cleaning.RULE_LABELS[c.rule], locale),
            }
            for c in self.changes
        ]
        out += [
            {
                "row": p.row,
                "column": p.column,
                "type": "rejected",
                "rule": p.code,
                "before": "",
                "after": "",
                "message": p.message,
            }
            for p in self.problems
        ]
        out.sort(key=lambda r: (r["row"] or 0, r["type"] != "rejected"))
        return out


# --- reading -------------------------------------------------------------------------------------


def read_table(path: Path, file: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and the non-blank rows (file line, column → text) of a CSV/XLSX file."""
    facts = file_facts(path)
    rows: list[tuple[int, dict[str, str]]] = []
    with stream_rows(path, facts.encoding) as (raw_header, reader):
        header = [h.strip() for h in raw_header]
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= ROWS_MAX:
                raise TooManyRows(max=ROWS_MAX, file=file)
            rows.append(
                (
                    reader.line_num,
                    {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h},
                )
            )
    return header, rows


def check_source(source: str) -> str:
    if source and not SOURCE_RE.match(source):
        raise InvalidSource(value=source, field="source")
    return source


# --- profiles and the code map ------------------------------------------------------------------


def get_profile(uow: UnitOfWork, company_code: str, source: str, kind: str) -> dict[str, Any] | None:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        p = _profile_row(uow, company.id, source, kind)
        return _profile_view(p) if p else None


def list_profiles(uow: UnitOfWork, company_code: str) -> list[dict[str, Any]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        rows = uow.session.execute(
            select(ImportProfile)
            .where(ImportProfile.company_id == company.id)
            .order_by(ImportProfile.source, ImportProfile.kind)
        ).scalars()
        return [_profile_view(p) for p in rows]


def save_profile(
    uow: UnitOfWork,
    company_code: str,
    *,
    source: str,
    kind: str,
    mapping: Mapping[str, str],
    defaults: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    check_source(source)
    if not source:
        raise InvalidSource(value=source, field="source")
    cleaning.check_mapping(kind, mapping)
    _check_defaults(kind, defaults or {})
    with uow:
        company = uow.company(company_code, Perm.DIMENSION_MANAGE)
        p = _store_profile(uow, company.id, source, kind, mapping, defaults or {})
        uow.commit()
        return _profile_view(p)


def _check_defaults(kind: str, defaults: Mapping[str, str]) -> None:
    specs = {s.name: s for s in cleaning.fields_of(kind)}
    for name in defaults:
        if name not in specs:
            raise cleaning.UnknownField(
                column=name, target=name, kind=kind, fields=", ".join(specs), field="defaults"
            )


def _profile_row(uow: UnitOfWork, company_id: int, source: str, kind: str) -> ImportProfile | None:
    return uow.session.execute(
        select(ImportProfile).where(
            ImportProfile.company_id == company_id, ImportProfile.source == source, ImportProfile.kind == kind
        )
    ).scalar_one_or_none()


def _store_profile(
    uow: UnitOfWork,
    company_id: int,
    source: str,
    kind: str,
    mapping: Mapping[str, str],
    defaults: Mapping[str, str],
) -> ImportProfile:
    p = _profile_row(uow, company_id, source, kind)
    before = _profile_view(p) if p else None
    if p is None:
        p = ImportProfile(company_id=company_id, source=source, kind=kind)
        uow.session.add(p)
    p.mapping_json = json.dumps(dict(mapping), ensure_ascii=False, sort_keys=True)
    p.defaults_json = json.dumps(dict(defaults), ensure_ascii=False, sort_keys=True)
    uow.session.flush()
    uow.audit(
        "etl.profile.save", "etl_profile", p.id, company_id=company_id, before=before, after=_profile_view(p)
    )
    return p


def _profile_view(p: ImportProfile) -> dict[str, Any]:
    return {
        "source": p.source,
        "kind": p.kind,
        "mapping": json.loads(p.mapping_json),
        "defaults": json.loads(p.defaults_json or "{}"),
    }


def list_codes(uow: UnitOfWork, company_code: str, *, source: str | None = None) -> list[dict[str, str]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        q = select(CodeMapEntry).where(CodeMapEntry.company_id == company.id)
        if source:
            q = q.where(CodeMapEntry.source == source)
        rows = uow.session.execute(
            q.order_by(CodeMapEntry.source, CodeMapEntry.kind, CodeMapEntry.external_code)
        ).scalars()
        return [
            {"source": r.source, "kind": r.kind, "external_code": r.external_code, "code": r.code}
            for r in rows
        ]


def set_code(
    uow: UnitOfWork, company_code: str, *, source: str, kind: str, external_code: str, code: str
) -> dict[str, str]:
    """Map a source's code to an existing yecai record (customer, supplier, item or account)."""
    check_source(source)
    if not source:
        raise InvalidSource(value=source, field="source")
    if kind not in cleaning.CODE_MAP_KINDS:
        raise cleaning.UnknownKind(kind=kind, kinds=", ".join(cleaning.CODE_MAP_KINDS), field="kind")
    external = cleaning.clean_code(external_code)
    if not external:
        raise cleaning.CellRequired(column="external_code", field="external_code")
    with uow:
        company = uow.company(company_code, Perm.DIMENSION_MANAGE)
        if code not in _existing_codes(uow, company.id, kind):
            from yecai.core.errors import NotFound

            raise NotFound(what=kind, key=code, field="code")
        _map_code(uow, company.id, source, kind, external, code)
        uow.commit()
    return {"source": source, "kind": kind, "external_code": external, "code": code}


def _map_code(uow: UnitOfWork, company_id: int, source: str, kind: str, external: str, code: str) -> None:
    s = uow.session
    row = s.execute(
        select(CodeMapEntry).where(
            CodeMapEntry.company_id == company_id,
            CodeMapEntry.source == source,
            CodeMapEntry.kind == kind,
            CodeMapEntry.external_code == external,
        )
    ).scalar_one_or_none()
    before = row.code if row else None
    if row is None:
        s.add(
            CodeMapEntry(company_id=company_id, source=source, kind=kind, external_code=external, code=code)
        )
    elif row.code == code:
        return
    else:
        row.code = code
    uow.audit(
        "etl.code_map.set",
        "etl_code_map",
        f"{source}/{kind}/{external}",
        company_id=company_id,
        before={"code": before} if before else None,
        after={"code": code},
    )


def _code_map(uow: UnitOfWork, company_id: int, source: str) -> dict[tuple[str, str], str]:
    if not source:
        return {}
    rows = uow.session.execute(
        select(CodeMapEntry.kind, CodeMapEntry.external_code, CodeMapEntry.code).where(
            CodeMapEntry.company_id == company_id, CodeMapEntry.source == source
        )
    )
    return {(k, e): c for k, e, c in rows}


def _existing_codes(uow: UnitOfWork, company_id: int, kind: str) -> dict[str, str]:
    """code → name of the kind's records in the books."""
    model = {"customer": Customer, "supplier": Supplier, "item": Item, "account": Account}[kind]
    return dict(
        uow.session.execute(select(model.code, model.name).where(model.company_id == company_id)).all()
    )


# --- preview and run -----------------------------------------------------------------------------


def preview(uow: UnitOfWork, company_code: str, kind: str, path: Path, **options: Any) -> EtlReport:
    """Everything ``run`` would do, without writing anything."""
    return _import(uow, company_code, kind, path, dry_run=True, **options)


def run(uow: UnitOfWork, company_code: str, kind: str, path: Path, **options: Any) -> EtlReport:
    return _import(uow, company_code, kind, path, dry_run=False, **options)


def _import(
    uow: UnitOfWork,
    company_code: str,
    kind: str,
    path: Path,
    *,
    dry_run: bool,
    source: str = "",
    mapping: Mapping[str, str] | None = None,
    defaults: Mapping[str, str] | None = None,
    undo: Sequence[str] = (),
    keep_duplicates: bool = False,
    all_or_nothing: bool = False,
    opening_date: date | None = None,
    post: bool = False,
    file_name: str | None = None,
    preview_rows: int = 20,
    progress: Callable[[int, int | None], None] | None = None,
) -> EtlReport:
    cleaning.fields_of(kind)
    check_source(source)
    name = file_name or path.name
    header, raw_rows = read_table(path, name)
    with uow:
        company = uow.company(company_code, WRITE_PERMS[kind])
        profile = _profile_row(uow, company.id, source, kind) if source else None
        if mapping is None:
            mapping = json.loads(profile.mapping_json) if profile else cleaning.guess_mapping(kind, header)
        if defaults is None:
            defaults = json.loads(profile.defaults_json or "{}") if profile else {}
        mapping = {c: t for c, t in mapping.items() if t}
        missing_cols = [c for c in mapping if c not in header]
        if missing_cols:
            from yecai.ledger.importer import MissingColumns

            raise MissingColumns(columns=",".join(missing_cols), required=",".join(mapping), file=name, row=1)
        cleaning.check_mapping(kind, mapping)
        _check_defaults(kind, defaults)
        codes = _code_map(uow, company.id, source)
        existing = _existing_codes(uow, company.id, kind) if kind in cleaning.CODE_MAP_KINDS else {}
        mapped_codes = {c for (k, _e), c in codes.items() if k == kind}
        company_id, start_period = company.id, company.start_period
    report = EtlReport(
        kind=kind,
        source=source,
        file=name,
        header=header,
        mapping=dict(mapping),
        defaults=dict(defaults),
        rows=len(raw_rows),
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
    )
    rows = [
        cleaning.clean_row(kind, line, cells, mapping, defaults=defaults, undo=undo, code_map=codes)
        for line, cells in raw_rows
    ]
    for r in rows:
        for c in r.changes:
            report.changes_total += 1
            if len(report.changes) < CHANGES_KEPT_MAX:
                report.changes.append(c)
    if kind in ("customer", "supplier"):
        _check_party_duplicates(uow, company_id, kind, rows, existing, keep_duplicates)
    elif kind in ("item", "account"):
        _check_code_duplicates(rows)
    report.cleaned = [dict(r.values, _row=str(r.row)) for r in rows[:preview_rows]]
    pre = [
        ImportIssue(file=name, row=p.row, column=p.column, code=p.error.code, message=p.error.message())
        for r in rows
        for p in r.problems
    ]
    good = [r for r in rows if r.ok]
    bad_rows = len(rows) - len(good)
    columns = {t: c for c, t in mapping.items()}
    if kind == "opening":
        day = opening_date or _first_day(start_period)
        units, actions = _opening_units(company_code, good, day, name, columns)
        if bad_rows:  # one voucher: a bad row rejects the whole of it
            units = []
            bad_rows = len(rows)
    elif kind in ("sales_order", "purchase_order"):
        units, order_pre, left_out = _order_units(company_code, kind, good, name)
        pre += order_pre
        bad_rows += left_out
        actions = {"create": len(units)} if units else {}
    elif kind in ("sales_receipt", "purchase_payment"):
        units = _money_units(company_code, kind, good, columns)
        actions = {"create": len(units)} if units else {}
    elif kind == "expense_claim":
        units, claim_pre, left_out = _claim_units(company_code, good, name, columns)
        pre += claim_pre
        bad_rows += left_out
        actions = {"create": len(units)} if units else {}
    elif kind == "vendor_bill":
        units, bill_pre, left_out = _bill_units(uow, company_code, company_id, good, name, columns, post)
        pre += bill_pre
        bad_rows += left_out
        actions = {"create": len(units)} if units else {}
    else:
        units, actions = _record_units(company_code, kind, source, good, existing, mapped_codes, columns)
    report.actions = actions
    summary = mdi.ImportSummary(
        file=name, kind=kind, rows=len(rows), dry_run=dry_run, all_or_nothing=all_or_nothing
    )
    if source and not dry_run and (not all_or_nothing or not pre):
        # The mapping that worked is remembered for the next file from the same source.
        with uow:
            _store_profile(uow, company_id, source, kind, mapping, defaults)
            uow.commit()
    if all_or_nothing and pre:
        summary.dry_run = True  # nothing is written when any row has a problem
    mdi.run_import(uow, summary, units, pre, rejected_before=bad_rows, progress=progress)
    # the file's own column names in the report, not yecai's field names
    report.problems = [replace(p, column=columns.get(p.column, p.column)) for p in summary.issues]
    report.problems_total = summary.issues_total
    report.rejected = summary.rejected
    report.imported = summary.imported if not summary.dry_run else 0
    report.created = summary.created if not summary.dry_run else []
    if dry_run:
        report.imported = 0
    return report


def _first_day(start_period: int) -> date:
    return date(start_period // 100, start_period % 100, 1)


def _check_party_duplicates(
    uow: UnitOfWork,
    company_id: int,
    kind: str,
    rows: list[CleanRow],
    existing: Mapping[str, str],
    keep_duplicates: bool,
) -> None:
    """The same code twice in the file always; the same name (by its core, e.g. with and without
    有限公司) or tax id in the file or in the books under another code unless kept."""
    model = PARTY_MODELS[kind]
    with uow:
        tax_ids = dict(
            uow.session.execute(
                select(model.tax_id, model.code).where(model.company_id == company_id, model.tax_id != "")
            ).all()
        )
    by_key: dict[str, list[str]] = {}
    for code, nm in existing.items():
        k = name_key(nm)
        if k:
            by_key.setdefault(k, []).append(code)
    seen_code: dict[str, int] = {}
    seen_key: dict[str, int] = {}
    seen_tax: dict[str, int] = {}
    for r in rows:
        if not r.ok:
            continue
        code, nm, tax = r.values.get("code", ""), r.values.get("name", ""), r.values.get("tax_id", "")
        if code in seen_code:
            r.problems.append(
                cleaning.Problem(
                    r.row, "code", DuplicateInFile(what="code", value=code, other=seen_code[code], row=r.row)
                )
            )
            continue
        seen_code[code] = r.row
        if keep_duplicates:
            continue
        k = name_key(nm)
        other = None
        if k and k in seen_key:
            other, reason = gettext("row {row}").format(row=seen_key[k]), nm
        elif k and k in by_key and by_key[k] != [code]:
            same = [x for x in by_key[k] if x != code][:3]
            other, reason = "、".join(f"{x} {existing[x]}" for x in same), nm
        elif tax and tax in seen_tax:
            other, reason = gettext("row {row}").format(row=seen_tax[tax]), tax
        elif tax and tax in tax_ids and tax_ids[tax] != code:
            other, reason = f"{tax_ids[tax]} {existing.get(tax_ids[tax], '')}".strip(), tax
        if other is not None:
            column = "tax_id" if reason == tax and tax else "name"
            r.problems.append(
                cleaning.Problem(r.row, column, PossibleDuplicate(other=other, reason=reason, row=r.row))
            )
        if k:
            seen_key.setdefault(k, r.row)
        if tax:
            seen_tax.setdefault(tax, r.row)


def _check_code_duplicates(rows: list[CleanRow]) -> None:
    seen: dict[str, int] = {}
    for r in rows:
        code = r.values.get("code", "")
        if not r.ok or not code:
            continue
        if code in seen:
            r.problems.append(
                cleaning.Problem(
                    r.row, "code", DuplicateInFile(what="code", value=code, other=seen[code], row=r.row)
                )
            )
        else:
            seen[code] = r.row


def _column_locator(columns: Mapping[str, str]) -> Callable[[YecaiError], tuple[int, str]]:
    """A service error's field → the file's column it came from."""

    def locate(exc: YecaiError) -> tuple[int, str]:
        return 0, columns.get(exc.field or "", exc.field or "")

    return locate


def _record_units(
    company_code: str,
    kind: str,
    source: str,
    rows: list[CleanRow],
    existing: Mapping[str, str],
    mapped_codes: set[str],
    columns: Mapping[str, str],
) -> tuple[list[mdi.Unit], dict[str, int]]:
    units: list[mdi.Unit] = []
    actions: dict[str, int] = {}
    for r in rows:
        v = r.values
        code = v["code"]
        external = cleaning.clean_code(r.raw.get("code", ""))
        if code in existing and code in mapped_codes:
            action = "update" if kind in ("customer", "supplier") else "exists"
        else:
            action = "create"
        actions[action] = actions.get(action, 0) + 1

        def write(
            u: UnitOfWork, v: dict[str, str] = v, action: str = action, external: str = external
        ) -> str:
            if action == "exists":
                return v["code"]
            if kind in ("customer", "supplier"):
                fields = {
                    "name": v.get("name"),
                    "tax_id": v.get("tax_id"),
                    "bank_name": v.get("bank_name"),
                    "bank_account": v.get("bank_account"),
                    "group": v.get("group"),
                    "credit_days": int(v["credit_days"]) if v.get("credit_days") else None,
                    "credit_limit": v.get("credit_limit"),
                }
                if action == "update":
                    md.update_party(u, company_code, kind, v["code"], **fields)
                else:
                    md.create_party(
                        u,
                        company_code,
                        kind,
                        code=v["code"],
                        name=v["name"],
                        tax_id=v.get("tax_id", ""),
                        bank_name=v.get("bank_name", ""),
                        bank_account=v.get("bank_account", ""),
                        group=v.get("group", ""),
                        credit_days=int(v["credit_days"]) if v.get("credit_days") else 0,
                        credit_limit=v.get("credit_limit") or "0",
                    )
            elif kind == "item":
                md.create_item(
                    u,
                    company_code,
                    code=v["code"],
                    name=v["name"],
                    spec=v.get("spec", ""),
                    unit=v.get("unit", ""),
                    category=v.get("category", ""),
                    tax_rate=Decimal(v.get("tax_rate") or "0.13"),
                    kind=_item_kind(v.get("kind", "")),
                )
            else:
                ledger.add_account(
                    u,
                    company_code,
                    code=v["code"],
                    name=v["name"],
                    parent_code=v["parent_code"],
                    dimensions=[d for d in re.split(r"[;,，；、\s]+", v["dimensions"]) if d]
                    if v.get("dimensions")
                    else None,
                )
            if source and external:
                company = u.company(company_code, Perm.COMPANY_VIEW)
                _map_code(u, company.id, source, kind, external, v["code"])
            return v["code"]

        units.append(mdi.Unit(code, (mdi.Row(r.row, r.raw),), write, _column_locator(columns)))
    return units, actions


_ITEM_KINDS = {"": "stock", "stock": "stock", "service": "service", "存货": "stock", "库存": "stock"}
_ITEM_KINDS.update(
    {"商品": "stock", "原材料": "stock", "产成品": "stock", "服务": "service", "劳务": "service"}
)


def _item_kind(text: str) -> str:
    return _ITEM_KINDS.get(text.strip().lower(), text.strip())


def _opening_units(
    company_code: str, rows: list[CleanRow], day: date, file: str, columns: Mapping[str, str]
) -> tuple[list[mdi.Unit], dict[str, int]]:
    """All rows make one draft voucher 期初余额 dated ``day``; it must balance."""
    if not rows:
        return [], {}

    def write(u: UnitOfWork) -> str:
        directions: dict[str, str] = {}
        if any(r.values.get("balance") and not r.values.get("direction") for r in rows):
            directions = {a.code: a.direction for a in ledger.list_accounts(u, company_code)}
        lines = []
        for n, r in enumerate(rows, start=1):
            v = r.values
            debit, credit = Decimal(v.get("debit") or 0), Decimal(v.get("credit") or 0)
            if debit and credit:
                raise OpeningBothSides(field=f"lines[{n}].debit")
            if not debit and not credit:
                if not v.get("balance"):
                    raise OpeningNoAmount(field=f"lines[{n}].balance")
                amount = Decimal(v["balance"])
                side = v.get("direction") or directions.get(v["account_code"], "debit")
                if amount < 0:  # a negative balance sits on the other side
                    amount, side = -amount, "credit" if side == "debit" else "debit"
                debit, credit = (amount, Decimal(0)) if side == "debit" else (Decimal(0), amount)
            if debit < 0 or credit < 0:
                debit, credit = -credit, -debit
            dims = {
                d: v[d] for d in ("customer", "supplier", "department", "project", "employee") if v.get(d)
            }
            lines.append(LineDraft(OPENING_SUMMARY, v["account_code"], debit, credit, dims=dims))
        draft = VoucherDraft(
            date=day, lines=tuple(lines), word="转", source_type="opening_balances", source_ref=file[:60]
        )
        view = ledger.create_voucher(u, company_code, draft)
        return f"{view.period}/{view.voucher_no}"

    locate = mdi.locate_by_field(dict(columns))
    unit = mdi.Unit("opening", tuple(mdi.Row(r.row, r.raw) for r in rows), write, locate)
    return [unit], {"create": 1}


def _order_units(
    company_code: str, kind: str, rows: list[CleanRow], file: str
) -> tuple[list[mdi.Unit], list[ImportIssue], int]:
    """Sales or purchase orders: rows with the same order number form one order, through the
    order import's own grouping and checks (``sales.imports``); a tax rate becomes its tax code."""
    from yecai.masterdata.domain import input_tax_code, output_tax_code
    from yecai.sales.imports import build_order_units

    party = "customer" if kind == "sales_order" else "supplier"
    to_code = output_tax_code if party == "customer" else input_tax_code
    canon: list[mdi.Row] = []
    for r in rows:
        cells = {k: v for k, v in r.values.items() if k != "tax_rate"}
        cells["tax_code"] = to_code(Decimal(r.values["tax_rate"])) if r.values.get("tax_rate") else ""
        canon.append(mdi.Row(r.row, cells))

    if party == "customer":
        from yecai.sales import service as docs
    else:
        from yecai.purchasing import service as docs  # type: ignore[no-redef]

    def create(u: UnitOfWork, kw: dict[str, Any]) -> dict[str, Any]:
        return dict(docs.create_order(u, company_code, **kw))

    return build_order_units(canon, file=file, party=party, create=create, confirm=None)


_METHODS = {"": "bank", "bank": "bank", "cash": "cash", "银行": "bank", "转账": "bank", "电汇": "bank"}
_METHODS.update({"银行转账": "bank", "网银": "bank", "承兑": "bank", "现金": "cash"})


def _method(text: str) -> str:
    return _METHODS.get(text.strip().lower(), text.strip())


def _money_units(
    company_code: str, kind: str, rows: list[CleanRow], columns: Mapping[str, str]
) -> list[mdi.Unit]:
    """Receipts (收款) or payments (付款): one per row, against an invoice/bill when one is named."""
    units = []
    for r in rows:
        v = r.values

        def write(u: UnitOfWork, v: dict[str, str] = v) -> str:
            day = date.fromisoformat(v["date"])
            if kind == "sales_receipt":
                from yecai.sales import service as sales

                inv = (
                    sales.find_document_id(u, company_code, "sales_invoice", v["invoice_no"])
                    if v.get("invoice_no")
                    else None
                )
                doc = sales.create_receipt(
                    u,
                    company_code,
                    customer=v["customer"],
                    day=day,
                    amount=v["amount"],
                    invoice_id=inv,
                    method=_method(v.get("method", "")),
                )
            else:
                from yecai.purchasing import service as purchasing

                bill = (
                    purchasing.find_document_id(u, company_code, "vendor_bill", v["bill_no"])
                    if v.get("bill_no")
                    else None
                )
                doc = purchasing.create_payment(
                    u,
                    company_code,
                    supplier=v["supplier"],
                    day=day,
                    amount=v["amount"],
                    bill_id=bill,
                    method=_method(v.get("method", "")),
                )
            return str(doc["no"])

        cols = dict(columns)
        cols.setdefault("id", columns.get("invoice_no") or columns.get("bill_no") or "id")
        cols["invoice"] = columns.get("invoice_no", "invoice_no")
        cols["bill"] = columns.get("bill_no", "bill_no")
        units.append(mdi.Unit(str(r.row), (mdi.Row(r.row, r.raw),), write, _column_locator(cols)))
    return units


_INVOICE_TYPES = {
    "": "none",
    "none": "none",
    "无": "none",
    "无票": "none",
    "special": "special",
    "专票": "special",
}
_INVOICE_TYPES.update(
    {"增值税专用发票": "special", "ordinary": "ordinary", "普票": "ordinary", "增值税普通发票": "ordinary"}
)
_INVOICE_TYPES.update({"电子普通发票": "ordinary", "数电专票": "special", "数电普票": "ordinary"})


def _claim_units(
    company_code: str, rows: list[CleanRow], file: str, columns: Mapping[str, str]
) -> tuple[list[mdi.Unit], list[ImportIssue], int]:
    """Expense claims (报销单, as drafts): rows with the same claim number form one claim; its date,
    employee and department come from its first row and must not differ on the others."""
    from yecai.sales.imports import InconsistentOrderRows

    groups: dict[str, list[CleanRow]] = {}
    for r in rows:
        groups.setdefault(r.values["claim_no"], []).append(r)
    units: list[mdi.Unit] = []
    pre: list[ImportIssue] = []
    left_out = 0
    for key, group in groups.items():
        head = group[0].values
        errors = []
        for r in group[1:]:
            for f in ("date", "employee", "department"):
                if r.values.get(f) != head.get(f):
                    exc = InconsistentOrderRows(
                        order_no=key,
                        column=columns.get(f, f),
                        found=r.values.get(f, ""),
                        expected=head.get(f, ""),
                    )
                    errors.append(
                        ImportIssue(
                            file=file,
                            row=r.row,
                            column=columns.get(f, f),
                            code=exc.code,
                            message=exc.message(),
                        )
                    )
        if errors:
            pre += errors
            left_out += 1
            continue
        lines = [
            {
                "category": r.values["category"],
                "amount": r.values["amount"],
                "tax": r.values.get("tax") or "0",
                "invoice_type": _INVOICE_TYPES.get(
                    r.values.get("invoice_type", "").strip().lower(), r.values.get("invoice_type", "")
                ),
                "note": r.values.get("note", ""),
            }
            for r in group
        ]

        def write(
            u: UnitOfWork, head: dict[str, str] = head, lines: list[dict[str, Any]] = lines, key: str = key
        ) -> str:
            from yecai.expenses import service as expenses

            doc = expenses.create_claim(
                u,
                company_code,
                employee=head["employee"],
                department=head["department"],
                day=date.fromisoformat(head["date"]),
                lines=lines,
                note=key,
            )
            return str(doc["no"])

        line_cols = {k: columns.get(k, k) for k in ("category", "amount", "tax", "invoice_type", "note")}
        units.append(
            mdi.Unit(
                key,
                tuple(mdi.Row(r.row, r.raw) for r in group),
                write,
                mdi.locate_by_field({**columns, **line_cols}),
            )
        )
    return units, pre, left_out


# --- vendor bills --------------------------------------------------------------------------------

_BILL_LINE_COLUMNS = {  # a service error's line field → the vendor_bill field whose column it is
    "order_id": "order_no",
    "line_no": "order_line",
    "qty": "quantity",
    "unit_price": "unit_price",
    "tax_code": "tax_rate",
    "category": "category",
    "department": "department",
    "project": "project",
    "description": "description",
    "item": "item",
    "net": "net",
    "tax": "tax",
    "total": "total",
}


def _find_suppliers(
    uow: UnitOfWork, company_id: int, rows: list[CleanRow], columns: Mapping[str, str]
) -> dict[int, str]:
    """Each row's supplier code: the code given (translated by the code map), else the supplier
    with the tax id, else the one whose name is the same (by its core, as for duplicates); a row
    that names none, or one nobody has, gets its problem."""
    with uow:
        found = uow.session.execute(
            select(Supplier.code, Supplier.name, Supplier.tax_id).where(Supplier.company_id == company_id)
        ).all()
    codes = {c for c, _n, _t in found}
    by_tax = {t: c for c, _n, t in found if t}
    by_name: dict[str, str] = {}
    by_key: dict[str, list[str]] = {}
    for c, n, _t in found:
        by_name.setdefault(n, c)
        if name_key(n):
            by_key.setdefault(name_key(n), []).append(c)
    out: dict[int, str] = {}
    for r in rows:
        v = r.values
        code, tax, nm = v.get("supplier", ""), v.get("supplier_tax_id", ""), v.get("supplier_name", "")
        problem: YecaiError | None = None
        column = ""
        if code:
            column = columns.get("supplier", "supplier")
            if code in codes:
                out[r.row] = code
            else:
                problem = UnknownSupplier(what=gettext("code"), value=code)
        elif tax and tax in by_tax:
            out[r.row] = by_tax[tax]
        elif nm and (nm in by_name or len(by_key.get(name_key(nm), ())) == 1):
            out[r.row] = by_name.get(nm) or by_key[name_key(nm)][0]
        elif tax:
            column = columns.get("supplier_tax_id", "supplier_tax_id")
            problem = UnknownSupplier(what=gettext("tax id"), value=tax)
        elif nm:
            column = columns.get("supplier_name", "supplier_name")
            problem = UnknownSupplier(what=gettext("name"), value=nm)
        else:
            column = columns.get("supplier", "supplier")
            problem = SupplierMissing()
        if problem is not None:
            r.problems.append(cleaning.Problem(r.row, column, problem.located(row=r.row, field=column)))
    return out


def _guess_rate(v: Mapping[str, str]) -> Decimal | None:
    """The VAT rate of a row without one, from its tax and net (or total): the tax bureau's list of
    invoices has no rate column. The service checks the tax against it to the fen."""
    from yecai.masterdata.domain import VAT_RATES

    if not v.get("tax"):
        return None
    tax = Decimal(v["tax"])
    if v.get("net"):
        net = Decimal(v["net"])
    elif v.get("total"):
        net = Decimal(v["total"]) - tax
    else:
        return None
    if net <= 0:
        return None
    return min(VAT_RATES, key=lambda rate: abs(net * rate - tax))


def _bill_line(u: UnitOfWork, company_id: int, v: Mapping[str, str], i: int) -> dict[str, Any]:
    """One bill line from a row: over a purchase order (order number and its line number or item;
    the quantity defaults to what was received and not billed) or without one."""
    from yecai.masterdata.domain import input_tax_code
    from yecai.masterdata.models import Item as ItemModel
    from yecai.purchasing.models import PurchaseOrder

    rate = Decimal(v["tax_rate"]) if v.get("tax_rate") else None
    line: dict[str, Any] = {}
    if rate is not None:
        line["tax_code"] = input_tax_code(rate)
    if v.get("unit_price"):
        line["unit_price"] = v["unit_price"]
    if v.get("quantity"):
        line["qty"] = v["quantity"]
    if not v.get("order_no"):
        if rate is None:
            guessed = _guess_rate(v)
            if guessed is None and not v.get("item"):
                raise TaxRateUnknown(field=f"lines[{i}].tax_code", row=i)
            if guessed is not None:
                line["tax_code"] = input_tax_code(guessed)
        for f in ("category", "department", "project", "description", "item", "net", "tax", "total"):
            if v.get(f):
                line[f] = v[f]
        return line
    s = u.session
    order = s.execute(
        select(PurchaseOrder).where(PurchaseOrder.company_id == company_id, PurchaseOrder.no == v["order_no"])
    ).scalar_one_or_none()
    if order is None:
        from yecai.core.errors import NotFound

        raise NotFound(what="purchase order", key=v["order_no"], field=f"lines[{i}].order_id")
    if v.get("order_line"):
        ol = next((ln for ln in order.lines if ln.line_no == int(v["order_line"])), None)
    elif v.get("item"):
        item_id = s.execute(
            select(ItemModel.id).where(ItemModel.company_id == company_id, ItemModel.code == v["item"])
        ).scalar_one_or_none()
        lines = [ln for ln in order.lines if ln.item_id == item_id]
        ol = next((ln for ln in lines if ln.received_e4 > ln.billed_e4), lines[0] if lines else None)
    else:
        ol = order.lines[0] if len(order.lines) == 1 else None
        if ol is None:
            from yecai.core.errors import FieldRequired

            raise FieldRequired(field_name="order_line", field=f"lines[{i}].line_no", row=i)
    if ol is None:
        from yecai.core.errors import NotFound

        what = v.get("order_line") or v.get("item", "")
        raise NotFound(what="order line", key=f"{order.no}/{what}", field=f"lines[{i}].line_no")
    line.update(order_id=order.id, line_no=ol.line_no)
    if "qty" not in line:
        from yecai.inventory.domain import qty_text

        line["qty"] = qty_text(max(ol.received_e4 - ol.billed_e4, 0))
    return line


def _bill_units(
    uow: UnitOfWork,
    company_code: str,
    company_id: int,
    rows: list[CleanRow],
    file: str,
    columns: Mapping[str, str],
    post: bool,
) -> tuple[list[mdi.Unit], list[ImportIssue], int]:
    """Vendor bills: rows of the same supplier and invoice number, one after the other, form one
    bill (drafts unless ``post``). Refused per row: a voided or reversed invoice (发票状态 作废/红冲),
    an unknown supplier, the same invoice again further down the file or twice the same row, and an
    invoice of the supplier already billed."""
    from yecai.purchasing.models import VendorBill
    from yecai.sales.imports import InconsistentOrderRows

    status_col = columns.get("status", "status")
    for r in rows:
        status = r.values.get("status", "")
        if status and any(w in status.lower() for w in VOID_STATUS_WORDS):
            r.problems.append(
                cleaning.Problem(
                    r.row,
                    status_col,
                    InvoiceVoid(invoice=r.values["invoice_no"], status=status, row=r.row, field=status_col),
                )
            )
    live = [r for r in rows if r.ok]
    suppliers = _find_suppliers(uow, company_id, live, columns)
    with uow:
        billed = {
            (code, inv): no
            for code, inv, no in uow.session.execute(
                select(Supplier.code, VendorBill.invoice_no, VendorBill.no)
                .join(Supplier, Supplier.id == VendorBill.supplier_id)
                .where(VendorBill.company_id == company_id, VendorBill.invoice_no != "")
            )
        }
    groups: dict[tuple[str, str], list[CleanRow]] = {}
    first_row: dict[tuple[str, str], int] = {}
    last_key: tuple[str, str] | None = None
    inv_col = columns.get("invoice_no", "invoice_no")
    for r in live:
        if not r.ok:
            last_key = None
            continue
        key = (suppliers[r.row], r.values["invoice_no"])
        group = groups.get(key)
        same = group is not None and any(o.values == r.values for o in group)
        if key in billed:
            err: YecaiError = InvoiceAlreadyBilled(invoice=key[1], supplier=key[0], bill=billed[key])
        elif group is not None and (key != last_key or same):
            err = DuplicateInFile(what=gettext("Invoice number"), value=key[1], other=first_row[key])
        else:
            groups.setdefault(key, []).append(r)
            first_row.setdefault(key, r.row)
            last_key = key
            continue
        r.problems.append(cleaning.Problem(r.row, inv_col, err.located(row=r.row, field=inv_col)))
    pre = [
        ImportIssue(file=file, row=p.row, column=p.column, code=p.error.code, message=p.error.message())
        for r in rows
        for p in r.problems
    ]
    left_out = sum(1 for r in rows if not r.ok)
    units: list[mdi.Unit] = []
    for key, group in groups.items():
        head = group[0].values
        errors = []
        for r in group[1:]:
            if r.values.get("date") != head.get("date"):
                exc = InconsistentOrderRows(
                    order_no=key[1],
                    column=columns.get("date", "date"),
                    found=r.values.get("date", ""),
                    expected=head.get("date", ""),
                )
                errors.append(
                    ImportIssue(
                        file=file,
                        row=r.row,
                        column=columns.get("date", "date"),
                        code=exc.code,
                        message=exc.message(),
                    )
                )
        if errors:
            pre += errors
            left_out += 1
            continue
        values = [r.values for r in group]

        def write(u: UnitOfWork, key: tuple[str, str] = key, values: list[dict[str, str]] = values) -> str:
            from yecai.purchasing import service as purchasing

            with u:
                lines = [_bill_line(u, company_id, v, i) for i, v in enumerate(values, start=1)]
            bill = purchasing.create_bill(
                u,
                company_code,
                supplier=key[0],
                day=date.fromisoformat(values[0]["date"]),
                lines=lines,
                invoice_no=key[1],
                post=post,
            )
            return str(bill["no"])

        line_cols = {k: columns.get(f, f) for k, f in _BILL_LINE_COLUMNS.items()}
        head_cols = {
            "supplier": columns.get("supplier") or columns.get("supplier_name") or "supplier",
            "orders": columns.get("order_no", "order_no"),
            "lines": columns.get("net", "net"),
        }
        units.append(
            mdi.Unit(
                f"{key[0]}/{key[1]}",
                tuple(mdi.Row(r.row, r.raw) for r in group),
                write,
                mdi.locate_by_field({**columns, **head_cols, **line_cols}),
            )
        )
    return units, pre, left_out
