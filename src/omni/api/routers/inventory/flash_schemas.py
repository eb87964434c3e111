"""Flash-sale (秒杀) API shapes: times are text with their offset (a strict pattern)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from ...pagination import PageIn
from ...schemas import Id, Input, Int, QueryBool, QueryId
from .schemas import FlashStatusLiteral, WarehouseName

_DAY = r"(0[1-9]|1[0-9]|2[0-8])"
_DATE = rf"20[2-9][0-9]-((0[1-9]|1[0-2])-{_DAY}|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)"
INSTANT = (
    rf"^{_DATE}T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])$"
)


def _instant(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str) and re.match(INSTANT, value):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    raise PydanticCustomError(
        "datetime_type", "Input should be a date and time with its offset (2026-06-18T20:00+08:00)"
    )


def _instant_schema(schema: dict[str, Any]) -> None:
    """Documented as the text it is: the pattern, not JSON Schema's wider date-time."""
    schema.pop("format", None)
    schema.update(type="string", pattern=INSTANT)


Instant = Annotated[
    dt.datetime,
    BeforeValidator(_instant),
    Field(
        json_schema_extra=_instant_schema,
        examples=["2026-06-18T20:00:00+08:00"],
        description="a time with its offset, years 2020 to 2099 (no 29 February)",
    ),
]


class FlashSaleIn(Input):
    """秒杀: `quantity` pieces of one SKU set aside from the warehouse's available stock,
    sold between `starts_at` and `ends_at` (after it), at most `per_customer_limit` each."""

    name: WarehouseName  # type: ignore[valid-type]
    warehouse_id: Id
    sku_id: Id
    quantity: Int(ge=1, le=10**9)  # type: ignore[valid-type]
    per_customer_limit: Int(ge=1, le=10**9)  # type: ignore[valid-type]
    starts_at: Instant
    ends_at: Instant = Field(description="after starts_at")
    pay_within_seconds: Int(ge=60, le=86400) = 900  # type: ignore[valid-type]
    buckets: Int(ge=1, le=64) = 1  # type: ignore[valid-type]


class FlashBucketOut(Schema):
    index: int
    remaining: int


class FlashSaleOut(Schema):
    id: int
    org_id: int
    name: str
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    sku_id: int
    sku_code: str
    sku_name: str
    quantity: int
    remaining: int = Field(description="left in the pool: the sum of its buckets")
    per_customer_limit: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    pay_within_seconds: int
    buckets: list[FlashBucketOut]
    created_by: str
    created_at: dt.datetime


class FlashSaleFilter(PageIn):
    live: QueryBool = Field(False, description="only sales started and not ended")


class FlashReserveIn(Input):
    """A buyer's reservation: a dealer or store reserves for itself (customer_id is
    ignored); staff name the customer."""

    quantity: Int(ge=1, le=10**9) = 1  # type: ignore[valid-type]
    customer_id: Id | None = None


class FlashReservationOut(Schema):
    id: int
    sale_id: int
    customer_id: int
    quantity: int
    status: FlashStatusLiteral  # type: ignore[valid-type]
    expires_at: dt.datetime
    created_at: dt.datetime
    paid_at: dt.datetime | None


class FlashReservationFilter(PageIn):
    sale_id: QueryId | None = None
    status: FlashStatusLiteral | None = None  # type: ignore[valid-type]
