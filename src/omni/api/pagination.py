"""Page-number pagination with a total: the one page shape every list endpoint returns.

``Page[ItemOut]`` is the response schema (``{"items", "total", "page", "page_size"}``),
``PageIn`` (or a filter schema built on it) the query, ``paginate`` fills it::

    @router.get("/brands", response={200: Page[BrandOut], **ERRORS})
    def list_brands(request, filters: Query[BrandFilter]):
        return paginate(selectors.list_brands(...), filters)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Schema

from .schemas import QueryInt

T = TypeVar("T")

MAX_PAGE = 100_000
MAX_PAGE_SIZE = 500


class PageIn(Schema):
    page: QueryInt(ge=1, le=MAX_PAGE) = 1  # type: ignore[valid-type]
    page_size: QueryInt(ge=1, le=MAX_PAGE_SIZE) = 50  # type: ignore[valid-type]


class Page(Schema, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int

    @classmethod
    def model_parametrized_name(cls, params: tuple[type[Any], ...]) -> str:
        # "BrandOutPage" rather than "Page[BrandOut]" in the OpenAPI components
        item = params[0].__name__
        return f"{item.removesuffix('Out')}Page"


def paginate(
    qs: QuerySet | Any, page: PageIn, *, item: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    """One page of `qs`; `item` turns each row into its output shape if the schema cannot."""
    total = qs.count()
    start = (page.page - 1) * page.page_size
    rows = list(qs[start : start + page.page_size])
    return {
        "items": [item(r) for r in rows] if item is not None else rows,
        "total": total,
        "page": page.page,
        "page_size": page.page_size,
    }


def narrow(qs: QuerySet, filters: Schema, **lookups: str) -> QuerySet:
    """`qs` filtered by the query's fields that are given: ``narrow(qs, f, type="type__code")``
    filters on ``type__code=f.type`` when ``f.type`` is set (None and "" mean "any")."""
    for field, lookup in lookups.items():
        value = getattr(filters, field)
        if value not in (None, ""):
            qs = qs.filter(**{lookup: value})
    return qs
