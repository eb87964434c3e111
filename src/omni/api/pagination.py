"""Page-number pagination with a total, the shape every list endpoint returns."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema


class PageIn(Schema):
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=500)


def paginate(qs: QuerySet, page: PageIn) -> dict[str, Any]:
    total = qs.count()
    start = (page.page - 1) * page.page_size
    return {
        "items": list(qs[start : start + page.page_size]),
        "total": total,
        "page": page.page,
        "page_size": page.page_size,
    }
