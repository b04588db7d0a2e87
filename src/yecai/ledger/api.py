"""REST endpoints for companies, accounts, dimension values, vouchers and the hash chain."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Query

from yecai.api.deps import UoW
from yecai.ledger import service
from yecai.ledger.schemas import (
    AccountCreate,
    AccountEnable,
    CompanyCreate,
    DimensionValueIn,
    ReverseIn,
    VoucherIn,
)

router = APIRouter(prefix="/api", tags=["ledger"])
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


@router.get("/companies")
def companies(uow: UoW) -> list[dict[str, Any]]:
    return service.list_companies(uow)


@router.post("/companies", status_code=201)
def company_create(body: CompanyCreate, uow: UoW) -> dict[str, Any]:
    return service.create_company(uow, **body.model_dump())


@router.get("/companies/{company}/accounts")
def accounts(company: str, uow: UoW, search: str | None = None) -> list[dict[str, Any]]:
    return [asdict(a) for a in service.list_accounts(uow, company, search=search)]


@router.post("/companies/{company}/accounts", status_code=201)
def account_add(company: str, body: AccountCreate, uow: UoW) -> dict[str, Any]:
    return asdict(service.add_account(uow, company, **body.model_dump()))


@router.put("/companies/{company}/accounts/{code}/enabled")
def account_enable(company: str, code: str, body: AccountEnable, uow: UoW) -> dict[str, Any]:
    service.set_account_enabled(uow, company, code, body.enabled)
    return {"code": code, "enabled": body.enabled}


@router.get("/companies/{company}/dimensions")
def dimensions(company: str, uow: UoW, type: str | None = None) -> list[dict[str, str]]:
    return service.list_dimension_values(uow, company, type)


@router.post("/companies/{company}/dimensions", status_code=201)
def dimension_add(company: str, body: list[DimensionValueIn], uow: UoW) -> dict[str, int]:
    n = service.add_dimension_values(uow, company, [(d.type, d.code, d.name) for d in body])
    return {"saved": n}


@router.get("/companies/{company}/vouchers")
def vouchers(
    company: str,
    uow: UoW,
    period: str | None = None,
    to: str | None = None,
    status: str | None = None,
    account: str | None = None,
    word: str | None = None,
    q: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    res = service.list_vouchers(
        uow,
        company,
        period=period,
        period_to=to,
        status=status,
        account=account,
        word=word,
        text=q,
        page=page,
        page_size=page_size,
    )
    res["items"] = [v.to_dict() for v in res["items"]]
    return res


@router.post("/companies/{company}/vouchers", status_code=201)
def voucher_create(
    company: str, body: VoucherIn, uow: UoW, idempotency_key: IdemKey = None
) -> dict[str, Any]:
    return service.create_voucher(uow, company, body.to_draft(), idempotency_key=idempotency_key).to_dict()


@router.get("/companies/{company}/vouchers/{voucher_id}")
def voucher_get(company: str, voucher_id: int, uow: UoW) -> dict[str, Any]:
    return service.get_voucher(uow, company, voucher_id).to_dict()


@router.put("/companies/{company}/vouchers/{voucher_id}")
def voucher_update(company: str, voucher_id: int, body: VoucherIn, uow: UoW) -> dict[str, Any]:
    return service.update_voucher(uow, company, voucher_id, body.to_draft()).to_dict()


@router.post("/companies/{company}/vouchers/{voucher_id}/review")
def voucher_review(company: str, voucher_id: int, uow: UoW) -> dict[str, Any]:
    return service.review_voucher(uow, company, voucher_id).to_dict()


@router.post("/companies/{company}/vouchers/{voucher_id}/unreview")
def voucher_unreview(company: str, voucher_id: int, uow: UoW) -> dict[str, Any]:
    return service.unreview_voucher(uow, company, voucher_id).to_dict()


@router.post("/companies/{company}/vouchers/{voucher_id}/post")
def voucher_post(company: str, voucher_id: int, uow: UoW) -> dict[str, Any]:
    return service.post_voucher(uow, company, voucher_id).to_dict()


@router.post("/companies/{company}/vouchers/{voucher_id}/void")
def voucher_void(company: str, voucher_id: int, uow: UoW) -> dict[str, Any]:
    return service.void_voucher(uow, company, voucher_id).to_dict()


@router.post("/companies/{company}/vouchers/{voucher_id}/reverse", status_code=201)
def voucher_reverse(company: str, voucher_id: int, body: ReverseIn, uow: UoW) -> dict[str, Any]:
    return service.reverse_voucher(uow, company, voucher_id, on=body.date).to_dict()


@router.get("/companies/{company}/ledger/verify")
def ledger_verify(company: str, uow: UoW) -> dict[str, Any]:
    return asdict(service.verify_chain(uow, company))


def register(app: FastAPI) -> None:
    app.include_router(router)
