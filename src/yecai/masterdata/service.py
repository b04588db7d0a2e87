"""Master data use cases. Creating or renaming a customer/supplier also upserts the ledger's
dimension value of the same code, so vouchers can carry it (辅助核算)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yecai.core.errors import Conflict, FieldRequired, NotFound
from yecai.core.money import format_minor, to_minor
from yecai.ledger.models import Company, DimensionValue
from yecai.masterdata import domain
from yecai.masterdata.domain import InvalidCreditLimit
from yecai.masterdata.models import Customer, Item, Supplier, TaxCode, Warehouse
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

PARTY_MODELS: dict[str, type[Customer] | type[Supplier]] = {"customer": Customer, "supplier": Supplier}
LIST_LIMIT_MAX = 1000


@dataclass(frozen=True)
class PartyView:
    kind: str
    code: str
    name: str
    tax_id: str
    bank_name: str
    bank_account: str
    group: str
    credit_days: int
    credit_limit: str
    enabled: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _party_view(kind: str, p: Customer | Supplier) -> PartyView:
    return PartyView(
        kind=kind,
        code=p.code,
        name=p.name,
        tax_id=p.tax_id,
        bank_name=p.bank_name,
        bank_account=p.bank_account,
        group=p.group,
        credit_days=p.credit_days,
        credit_limit=format_minor(p.credit_limit_minor),
        enabled=p.enabled,
    )


def _upsert_dimension(s: Session, company_id: int, dim: str, code: str, name: str) -> None:
    row = s.execute(
        select(DimensionValue).where(
            DimensionValue.company_id == company_id,
            DimensionValue.dim_type == dim,
            DimensionValue.code == code,
        )
    ).scalar_one_or_none()
    if row is None:
        s.add(DimensionValue(company_id=company_id, dim_type=dim, code=code, name=name))
    else:
        row.name = name
        row.enabled = True


def _credit_limit(value: Decimal | str | int) -> int:
    minor = to_minor(value)
    if minor < 0:
        raise InvalidCreditLimit(value=value, field="credit_limit")
    return minor


def create_party(
    uow: UnitOfWork,
    company_code: str,
    kind: str,
    *,
    code: str,
    name: str,
    tax_id: str = "",
    bank_name: str = "",
    bank_account: str = "",
    group: str = "",
    credit_days: int = 0,
    credit_limit: Decimal | str | int = 0,
) -> PartyView:
    model = PARTY_MODELS[kind]
    code = domain.check_code(code)
    if not name.strip():
        raise FieldRequired(field_name="name", field="name")
    tax = domain.normalize_tax_id(tax_id)
    domain.check_credit_days(credit_days)
    limit = _credit_limit(credit_limit)
    with uow:
        company = uow.company(company_code, Perm.DIMENSION_MANAGE)
        s = uow.session
        if s.execute(select(model.id).where(model.company_id == company.id, model.code == code)).first():
            raise Conflict(what=kind, key=code, field="code")
        row = model(
            company_id=company.id,
            code=code,
            name=name.strip(),
            tax_id=tax,
            bank_name=bank_name.strip(),
            bank_account=bank_account.strip(),
            group=group.strip(),
            credit_days=credit_days,
            credit_limit_minor=limit,
        )
        s.add(row)
        _upsert_dimension(s, company.id, kind, code, row.name)
        view = _party_view(kind, row)
        uow.audit(f"{kind}.create", kind, code, company_id=company.id, after=view.to_dict())
        uow.commit()
    return view


def update_party(uow: UnitOfWork, company_code: str, kind: str, code: str, **changes: Any) -> PartyView:
    """Change name, tax id, bank, group, credit terms or enabled; a rename follows into the ledger."""
    model = PARTY_MODELS[kind]
    with uow:
        company = uow.company(company_code, Perm.DIMENSION_MANAGE)
        s = uow.session
        row = s.execute(
            select(model).where(model.company_id == company.id, model.code == code)
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(what=kind, key=code, field="code")
        before = _party_view(kind, row).to_dict()
        for key, value in changes.items():
            if value is None:
                continue
            if key == "name":
                if not str(value).strip():
                    raise FieldRequired(field_name="name", field="name")
                row.name = str(value).strip()
            elif key == "tax_id":
                row.tax_id = domain.normalize_tax_id(value)
            elif key == "credit_days":
                row.credit_days = domain.check_credit_days(int(value))
            elif key == "credit_limit":
                row.credit_limit_minor = _credit_limit(value)
            elif key in ("bank_name", "bank_account", "group"):
                setattr(row, key, str(value).strip())
            elif key == "enabled":
                row.enabled = bool(value)
            else:
                raise ValueError(f"unknown field {key}")
        _upsert_dimension(s, company.id, kind, row.code, row.name)
        if not row.enabled:
            dv = s.execute(
                select(DimensionValue).where(
                    DimensionValue.company_id == company.id,
                    DimensionValue.dim_type == kind,
                    DimensionValue.code == row.code,
                )
            ).scalar_one()
            dv.enabled = False
        view = _party_view(kind, row)
        uow.audit(f"{kind}.update", kind, code, company_id=company.id, before=before, after=view.to_dict())
        uow.commit()
    return view


def get_party(uow: UnitOfWork, company_code: str, kind: str, code: str) -> PartyView:
    model = PARTY_MODELS[kind]
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        row = uow.session.execute(
            select(model).where(model.company_id == company.id, model.code == code)
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(what=kind, key=code, field="code")
        return _party_view(kind, row)


def list_parties(
    uow: UnitOfWork, company_code: str, kind: str, *, search: str | None = None, group: str | None = None
) -> list[PartyView]:
    model = PARTY_MODELS[kind]
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        q = select(model).where(model.company_id == company.id)
        if search:
            q = q.where(model.code.startswith(search) | model.name.contains(search))
        if group:
            q = q.where(model.group == group)
        rows = uow.session.execute(q.order_by(model.code).limit(LIST_LIMIT_MAX)).scalars()
        return [_party_view(kind, r) for r in rows]


# --- items and warehouses ----------------------------------------------------------------------


def _item_dict(i: Item) -> dict[str, Any]:
    return {
        "code": i.code,
        "name": i.name,
        "spec": i.spec,
        "unit": i.unit,
        "category": i.category,
        "tax_rate": str(i.tax_rate),
        "kind": i.kind,
        "enabled": i.enabled,
    }


def create_item(
    uow: UnitOfWork,
    company_code: str,
    *,
    code: str,
    name: str,
    spec: str = "",
    unit: str = "",
    category: str = "",
    tax_rate: Decimal | str = Decimal("0.13"),
    kind: str = "stock",
) -> dict[str, Any]:
    code = domain.check_code(code)
    if not name.strip():
        raise FieldRequired(field_name="name", field="name")
    rate = domain.check_tax_rate(Decimal(str(tax_rate)))
    domain.check_item_kind(kind)
    with uow:
        company = uow.company(company_code, Perm.DIMENSION_MANAGE)
        s = uow.session
        if s.execute(select(Item.id).where(Item.company_id == company.id, Item.code == code)).first():
            raise Conflict(what="item", key=code, field="code")
        row = Item(
            company_id=company.id,
            code=code,
            name=name.strip(),
            spec=spec.strip(),
            unit=unit.strip(),
            category=category.strip(),
            tax_rate=rate,
            kind=kind,
        )
        s.add(row)
        out = _item_dict(row)
        uow.audit("item.create", "item", code, company_id=company.id, after=out)
        uow.commit()
    return out


def list_items(
    uow: UnitOfWork, company_code: str, *, category: str | None = None, search: str | None = None
) -> list[dict[str, Any]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        q = select(Item).where(Item.company_id == company.id)
        if category:
            q = q.where(Item.category == category)
        if search:
            q = q.where(Item.code.startswith(search) | Item.name.contains(search))
        return [
            _item_dict(i) for i in uow.session.execute(q.order_by(Item.code).limit(LIST_LIMIT_MAX)).scalars()
        ]


def create_warehouse(uow: UnitOfWork, company_code: str, *, code: str, name: str) -> dict[str, Any]:
    code = domain.check_code(code)
    if not name.strip():
        raise FieldRequired(field_name="name", field="name")
    with uow:
        company = uow.company(company_code, Perm.DIMENSION_MANAGE)
        s = uow.session
        if s.execute(
            select(Warehouse.id).where(Warehouse.company_id == company.id, Warehouse.code == code)
        ).first():
            raise Conflict(what="warehouse", key=code, field="code")
        s.add(Warehouse(company_id=company.id, code=code, name=name.strip()))
        out = {"code": code, "name": name.strip(), "enabled": True}
        uow.audit("warehouse.create", "warehouse", code, company_id=company.id, after=out)
        uow.commit()
    return out


def list_warehouses(uow: UnitOfWork, company_code: str) -> list[dict[str, Any]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        rows = uow.session.execute(
            select(Warehouse).where(Warehouse.company_id == company.id).order_by(Warehouse.code)
        ).scalars()
        return [{"code": w.code, "name": w.name, "enabled": w.enabled} for w in rows]


# --- tax codes ---------------------------------------------------------------------------------


def ensure_tax_codes(s: Session, company: Company) -> dict[str, TaxCode]:
    """The company's tax codes, seeding the defaults on first use (inside a write command)."""
    rows = {t.code: t for t in s.execute(select(TaxCode).where(TaxCode.company_id == company.id)).scalars()}
    if not rows:
        for spec in domain.default_tax_codes():
            row = TaxCode(
                company_id=company.id,
                code=spec.code,
                name=spec.name,
                rate=spec.rate,
                direction=spec.direction,
                account_code=spec.account_code,
            )
            s.add(row)
            rows[spec.code] = row
        s.flush()
    return rows


def list_tax_codes(uow: UnitOfWork, company_code: str) -> list[dict[str, Any]]:
    with uow:
        company = uow.company(company_code, Perm.COMPANY_VIEW)
        rows = (
            uow.session.execute(
                select(TaxCode).where(TaxCode.company_id == company.id).order_by(TaxCode.code)
            )
            .scalars()
            .all()
        )
        specs: list[Any] = list(rows) or list(domain.default_tax_codes())
        return [
            {
                "code": t.code,
                "name": t.name,
                "rate": str(t.rate),
                "direction": t.direction,
                "account_code": t.account_code,
            }
            for t in specs
        ]


# --- lookups for documents (inside a command) --------------------------------------------------


def customer_by_code(s: Session, company_id: int, code: str) -> Customer:
    row = s.execute(
        select(Customer).where(Customer.company_id == company_id, Customer.code == code)
    ).scalar_one_or_none()
    if row is None or not row.enabled:
        raise NotFound(what="customer", key=code, field="customer")
    return row


def supplier_by_code(s: Session, company_id: int, code: str) -> Supplier:
    row = s.execute(
        select(Supplier).where(Supplier.company_id == company_id, Supplier.code == code)
    ).scalar_one_or_none()
    if row is None or not row.enabled:
        raise NotFound(what="supplier", key=code, field="supplier")
    return row


def item_by_code(s: Session, company_id: int, code: str, field: str = "item") -> Item:
    row = s.execute(select(Item).where(Item.company_id == company_id, Item.code == code)).scalar_one_or_none()
    if row is None or not row.enabled:
        raise NotFound(what="item", key=code, field=field)
    return row


def warehouse_by_code(s: Session, company_id: int, code: str, field: str = "warehouse") -> Warehouse:
    row = s.execute(
        select(Warehouse).where(Warehouse.company_id == company_id, Warehouse.code == code)
    ).scalar_one_or_none()
    if row is None or not row.enabled:
        raise NotFound(what="warehouse", key=code, field=field)
    return row
