"""REST endpoints for master data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI

from yecai.api.deps import UoW
from yecai.masterdata import service
from yecai.masterdata.schemas import ItemCreate, PartyCreate, PartyUpdate, WarehouseCreate

router = APIRouter(prefix="/api/companies/{company}", tags=["master data"])


def _party_routes(path: str, kind: str) -> None:
    """Explicit /customers and /suppliers routes (a '/{kinds}' path would shadow other packages')."""

    @router.get(f"/{path}", name=f"{path}_list")
    def parties(
        company: str, uow: UoW, search: str | None = None, group: str | None = None
    ) -> list[dict[str, Any]]:
        return [p.to_dict() for p in service.list_parties(uow, company, kind, search=search, group=group)]

    @router.post(f"/{path}", status_code=201, name=f"{path}_create")
    def party_create(company: str, body: PartyCreate, uow: UoW) -> dict[str, Any]:
        return service.create_party(uow, company, kind, **body.model_dump()).to_dict()

    @router.get(f"/{path}/{{code}}", name=f"{path}_get")
    def party_get(company: str, code: str, uow: UoW) -> dict[str, Any]:
        return service.get_party(uow, company, kind, code).to_dict()

    @router.patch(f"/{path}/{{code}}", name=f"{path}_update")
    def party_update(company: str, code: str, body: PartyUpdate, uow: UoW) -> dict[str, Any]:
        return service.update_party(uow, company, kind, code, **body.model_dump(exclude_none=True)).to_dict()


_party_routes("customers", "customer")
_party_routes("suppliers", "supplier")


@router.get("/items")
def items(
    company: str, uow: UoW, category: str | None = None, search: str | None = None
) -> list[dict[str, Any]]:
    return service.list_items(uow, company, category=category, search=search)


@router.post("/items", status_code=201)
def item_create(company: str, body: ItemCreate, uow: UoW) -> dict[str, Any]:
    return service.create_item(uow, company, **body.model_dump())


@router.get("/warehouses")
def warehouses(company: str, uow: UoW) -> list[dict[str, Any]]:
    return service.list_warehouses(uow, company)


@router.post("/warehouses", status_code=201)
def warehouse_create(company: str, body: WarehouseCreate, uow: UoW) -> dict[str, Any]:
    return service.create_warehouse(uow, company, **body.model_dump())


@router.get("/tax-codes")
def tax_codes(company: str, uow: UoW) -> list[dict[str, Any]]:
    return service.list_tax_codes(uow, company)


def register(app: FastAPI) -> None:
    app.include_router(router)
