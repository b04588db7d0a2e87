"""The routes every document type has (sales, purchasing, production, expenses): a filtered list, one
document by id, and a state change or preview of one document. Each package still declares its
routes in its own module, in the order they are served, next to the ones that are its own (create,
update …); a skeleton route is declared there with one call::

    list_route(router, "/orders", service.list_orders, ["status", "supplier"], name="orders")
    document_route(router.get, "/orders/{doc_id}", service.get_order, name="order_get")
    document_route(router.post, "/orders/{doc_id}/cancel", service.cancel_order, name="order_cancel")

``name`` is the name the endpoint function had when it was written out: FastAPI makes the
operation id and summary of the OpenAPI schema from it, and clients depend on both.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from yecai.api.deps import UoW
from yecai.store.uow import UnitOfWork

Action = Callable[[UnitOfWork, str, int], dict[str, Any]]
Lister = Callable[..., list[dict[str, Any]]]
_KEYWORD = inspect.Parameter.POSITIONAL_OR_KEYWORD


def document_route(verb: Callable[..., Any], path: str, action: Action, *, name: str) -> None:
    """``verb`` (``router.get``, ``router.post``) ``path`` with ``{company}`` and ``{doc_id}``: what
    ``action`` returns for that document."""

    def endpoint(company: str, doc_id: int, uow: UoW) -> dict[str, Any]:
        return action(uow, company, doc_id)

    endpoint.__name__ = endpoint.__qualname__ = name
    verb(path)(endpoint)


def list_route(router: Any, path: str, lister: Lister, filters: Sequence[str], *, name: str) -> None:
    """GET ``path``: ``lister``'s documents of the company, filtered by the optional text query
    parameters ``filters`` (status, the party …), then ``date_from`` and ``date_to``."""

    def endpoint(**given: Any) -> list[dict[str, Any]]:
        return lister(
            given["uow"],
            given["company"],
            **{f: given[f] for f in filters},
            date_from=given["date_from"],
            date_to=given["date_to"],
        )

    params = [
        inspect.Parameter("company", _KEYWORD, annotation=str),
        inspect.Parameter("uow", _KEYWORD, annotation=UoW),
        *(inspect.Parameter(f, _KEYWORD, default=None, annotation=str | None) for f in filters),
        inspect.Parameter("date_from", _KEYWORD, default=None, annotation=dt.date | None),
        inspect.Parameter("date_to", _KEYWORD, default=None, annotation=dt.date | None),
    ]
    # FastAPI reads the parameters (path, query, dependencies) from the endpoint's signature.
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        params, return_annotation=list[dict[str, Any]]
    )
    endpoint.__name__ = endpoint.__qualname__ = name
    router.get(path)(endpoint)
