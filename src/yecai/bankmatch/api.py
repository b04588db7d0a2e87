"""The REST routes of a bank-line review queue, written once; each side gives its prefix, its
service module and its own request bodies for a run and a correction (their names are part of the
OpenAPI document, so they stay in the side's module)."""

# No ``from __future__ import annotations``: FastAPI reads the routes' annotations, which name the
# side's models through this factory's arguments.

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from yecai.api.deps import UoW
from yecai.bankmatch.queue import NOTE_MAX


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field("", max_length=NOTE_MAX)


class ThresholdIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    threshold: Decimal = Field(ge=0, le=1)


def review_router(
    *,
    prefix: str,
    tag: str,
    service: Any,
    run_in: type[BaseModel],
    run_doc: str,
    correction_in: type[BaseModel],
    correction: Callable[[Any], dict[str, Any]],
) -> APIRouter:
    """``correction`` turns the side's correction body into the keywords of ``service.correct``."""
    router = APIRouter(prefix=prefix, tags=[tag])
    RunIn = run_in
    CorrectionIn = correction_in

    @router.post("/run", description=run_doc)
    def run(company: str, uow: UoW, body: RunIn | None = None) -> dict[str, int]:
        return service.run(uow, company, threshold=body.threshold if body else None)

    @router.get("/proposals")
    def proposals(
        company: str, uow: UoW, status: str = "proposed", limit: int = 100, offset: int = 0
    ) -> dict[str, Any]:
        """The queue (``status=all`` for every proposal), oldest line first, with counts per status."""
        return service.list_proposals(
            uow, company, status=None if status == "all" else status, limit=limit, offset=offset
        )

    @router.get("/proposals/{proposal_id}")
    def proposal(company: str, proposal_id: int, uow: UoW) -> dict[str, Any]:
        return service.get_proposal(uow, company, proposal_id)

    @router.post("/proposals/{proposal_id}/confirm")
    def confirm(company: str, proposal_id: int, uow: UoW, body: DecisionIn | None = None) -> dict[str, Any]:
        return service.confirm(uow, company, proposal_id, note=body.note if body else "")

    @router.post("/proposals/{proposal_id}/correct")
    def correct(company: str, proposal_id: int, body: CorrectionIn, uow: UoW) -> dict[str, Any]:
        return service.correct(uow, company, proposal_id, **correction(body))

    @router.post("/proposals/{proposal_id}/reject")
    def reject(company: str, proposal_id: int, uow: UoW, body: DecisionIn | None = None) -> dict[str, Any]:
        return service.reject(uow, company, proposal_id, note=body.note if body else "")

    @router.put("/threshold")
    def threshold(company: str, body: ThresholdIn, uow: UoW) -> dict[str, str]:
        return service.set_threshold(uow, company, body.threshold)

    return router
