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
sales_receipt and purchase_payment (one per row, against the invoice or bill named), and
expense_claim (draft claims; rows with the same claim number form one claim).

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
from yecai.core.i18n import gettext
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
}


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
