"""Inventory API schemas. A quantity is a decimal string in the SKU's base unit ("24",
"2.5"): at most 3 decimals (thousandths, where the unit allows fractions; a whole unit
refuses a fraction with `invalid_quantity`), a JSON number is refused."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from ...pagination import PageIn
from ...schemas import Day, Id, Input, Int, QueryBool, QueryId, choices_of, line, name

# A positive quantity: at most 12 integer digits and 3 decimals, no leading zeros, not 0.
_POSITIVE = r"(0\.(00[1-9]|0[1-9][0-9]?|[1-9][0-9]{0,2})|[1-9][0-9]{0,11}(\.[0-9]{1,3})?)"
POSITIVE_QUANTITY = rf"^{_POSITIVE}$"
SIGNED_QUANTITY = rf"^-?{_POSITIVE}$"
Quantity = Annotated[str, Field(pattern=POSITIVE_QUANTITY, examples=["24"])]
SignedQuantity = Annotated[
    str,
    Field(
        pattern=SIGNED_QUANTITY,
        examples=["-2"],
        description="signed: more (receipt) or less (issue) than on hand, never 0",
    ),
]
BatchCode = Annotated[
    str,
    Field(
        pattern=r"^([A-Za-z0-9][A-Za-z0-9._/-]{0,39})?$",
        examples=["20260315A"],
        description="a batch (lot) code; empty: none (batch-managed SKUs: first-expiring-first)",
    ),
]
RegionCode = Annotated[str, Field(pattern=r"^[0-9]{6}([0-9]{3}){0,2}$", examples=["310115"])]
WarehouseCode = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$", examples=["WH-SH-01"])
]
KindLiteral = choices_of("inventory.Warehouse", "kind")
WarehouseStatusLiteral = choices_of("inventory.Warehouse", "status")
MoveKindLiteral = choices_of("inventory.Move", "kind")
ReservationStatusLiteral = choices_of("inventory.Reservation", "status")
MAX_LINES = 500
WarehouseName = name(100)
Reason = name(200)
DocumentId = name(64)
SourceFilter = line(40)
SourceIdFilter = line(64)


# --- warehouses ---------------------------------------------------------------------------


class WarehouseIn(Input):
    org_id: Id
    code: WarehouseCode
    name: WarehouseName  # type: ignore[valid-type]
    kind: KindLiteral  # type: ignore[valid-type]
    customer_id: Id | None = None
    district_code: RegionCode | None = None
    coverage: list[RegionCode] = Field(default_factory=list, max_length=100)


class WarehouseOut(Schema):
    id: int
    org_id: int
    org_name: str
    code: str
    name: str
    kind: KindLiteral  # type: ignore[valid-type]
    customer_id: int | None
    district_code: str
    coverage: list[str]
    status: WarehouseStatusLiteral  # type: ignore[valid-type]
    created_at: dt.datetime


class WarehouseFilter(PageIn):
    org_id: QueryId | None = None
    kind: KindLiteral | None = None  # type: ignore[valid-type]
    status: WarehouseStatusLiteral | None = None  # type: ignore[valid-type]


# --- stock and moves ----------------------------------------------------------------------


class StockOut(Schema):
    id: int
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    sku_id: int
    sku_code: str
    sku_name: str
    unit: str
    batch: str
    produced_on: dt.date | None
    expires_on: dt.date | None
    on_hand: str
    reserved: str
    available: str


class StockFilter(PageIn):
    warehouse_id: QueryId | None = None
    sku_id: QueryId | None = None
    low_only: QueryBool = Field(False, description="only rows with nothing available (≤ 0)")


class MoveOut(Schema):
    id: int
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    sku_id: int
    sku_code: str
    sku_name: str
    unit: str
    batch: str
    kind: MoveKindLiteral  # type: ignore[valid-type]
    quantity: str
    on_hand_after: str
    source_type: str
    source_id: str
    memo: str
    actor_name: str
    business_date: dt.date
    created_at: dt.datetime


class MoveFilter(PageIn):
    warehouse_id: QueryId | None = None
    sku_id: QueryId | None = None
    kind: MoveKindLiteral | None = None  # type: ignore[valid-type]
    date_from: Day | None = None
    date_to: Day | None = None
    source_type: SourceFilter | None = None  # type: ignore[valid-type]
    source_id: SourceIdFilter | None = None  # type: ignore[valid-type]


class MovesOut(Schema):
    warehouse_id: int
    moves: list[MoveOut]


class LineIn(Input):
    sku_id: Id
    quantity: Quantity
    batch: BatchCode = ""


class ReceiptLineIn(LineIn):
    produced_on: Day | None = None
    expires_on: Day | None = None


Source = Annotated[str, Field(max_length=40, pattern=r"^([A-Za-z0-9][A-Za-z0-9._-]{0,39})?$")]
SourceId = line(64)
Memo = line(200)


class ReceiptIn(Input):
    """入库: every line goes in, or none (a new batch is created with its dates)."""

    warehouse_id: Id
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=MAX_LINES)
    source_type: Source = ""
    source_id: SourceId = ""
    memo: Memo = ""


class IssueIn(Input):
    """出库 from what is available (not reserved): every line, or none."""

    warehouse_id: Id
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)
    source_type: Source = ""
    source_id: SourceId = ""
    memo: Memo = ""


class StockAdjustmentIn(Input):
    """库存调整: a signed quantity of one SKU (and batch) with a reason."""

    warehouse_id: Id
    sku_id: Id
    quantity: SignedQuantity
    batch: BatchCode = ""
    reason: Reason  # type: ignore[valid-type]


class AvailabilityQuery(Schema):
    sku_id: QueryId | None = None
    sku: (
        Annotated[
            str,
            Field(
                pattern=r"^[A-Za-z0-9._-]{1,40}$",
                description="the SKU's code (any case), or its id when no SKU has that code",
                examples=["QQ-WATER-550-1"],
            ),
        ]
        | None
    ) = None


class WarehouseAvailabilityOut(Schema):
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    status: WarehouseStatusLiteral  # type: ignore[valid-type]
    on_hand: str
    reserved: str
    available: str


class AvailabilityOut(Schema):
    sku_id: int
    sku_code: str
    sku_name: str
    unit: str
    on_hand: str
    reserved: str
    available: str
    warehouses: list[WarehouseAvailabilityOut]


# --- reservations -------------------------------------------------------------------------


class ReserveLineIn(Input):
    warehouse_id: Id
    sku_id: Id
    quantity: Quantity
    batch: BatchCode = ""


class ReserveIn(Input):
    """预占 for a source document: every line, or none. The same document asking again for
    the same quantities gets its open reservation back."""

    source_type: Annotated[
        str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
    ]
    source_id: DocumentId  # type: ignore[valid-type]
    lines: list[ReserveLineIn] = Field(min_length=1, max_length=MAX_LINES)
    expires_in_minutes: Int(ge=1, le=43200) | None = Field(  # type: ignore[valid-type]
        None, description="released by itself after this many minutes (at most 30 days)"
    )


class ReservationLineOut(Schema):
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    sku_id: int
    sku_code: str
    sku_name: str
    unit: str
    batch: str
    quantity: str


class ReservationOut(Schema):
    id: int
    org_id: int
    source_type: str
    source_id: str
    status: ReservationStatusLiteral  # type: ignore[valid-type]
    expires_at: dt.datetime | None
    created_by: str
    created_at: dt.datetime
    ended_at: dt.datetime | None
    lines: list[ReservationLineOut]


class ReservationFilter(PageIn):
    status: ReservationStatusLiteral | None = None  # type: ignore[valid-type]
    source_type: SourceFilter | None = None  # type: ignore[valid-type]
    source_id: SourceIdFilter | None = None  # type: ignore[valid-type]


# --- transfers ----------------------------------------------------------------------------

TransferStatusLiteral = choices_of("inventory.Transfer", "status")
CountKindLiteral = choices_of("inventory.StockCount", "kind")
CountStatusLiteral = choices_of("inventory.StockCount", "status")
FlashStatusLiteral = choices_of("inventory.FlashReservation", "status")
# A quantity that may be 0 (a count that found nothing, a safety stock of none).
_COUNTED = rf"^(0|{_POSITIVE})$"
CountedQuantity = Annotated[str, Field(pattern=_COUNTED, examples=["24"])]
LineKey = Annotated[str, Field(pattern=r"^[1-9][0-9]{0,17}$")]


class StockTransferIn(Input):
    """调拨: ship from the source (issued at once, every line or none) to the target."""

    source_id: Id
    target_id: Id
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)
    memo: Memo = ""


class StockTransferLineOut(Schema):
    id: int
    sku_id: int
    sku_code: str
    sku_name: str
    unit: str
    batch: str
    shipped: str
    received: str
    in_transit: str


class StockTransferOut(Schema):
    id: int
    org_id: int
    source_id: int
    source_code: str
    source_name: str
    target_id: int
    target_code: str
    target_name: str
    status: TransferStatusLiteral  # type: ignore[valid-type]
    memo: str
    discrepancy_reason: str
    created_by: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    lines: list[StockTransferLineOut]


class StockTransferFilter(PageIn):
    status: TransferStatusLiteral | None = None  # type: ignore[valid-type]
    source_id: QueryId | None = None
    target_id: QueryId | None = None


class StockTransferReceiveIn(Input):
    """What arrived: transfer line id → quantity; empty or absent: everything in transit."""

    lines: dict[LineKey, Quantity] = Field(  # type: ignore[valid-type]
        default_factory=dict,
        max_length=MAX_LINES,
        json_schema_extra={"additionalProperties": False},
    )


class StockTransferCloseIn(Input):
    """差异关闭: what is still in transit will not arrive."""

    reason: Reason  # type: ignore[valid-type]


# --- stock counts -------------------------------------------------------------------------


class StockCountIn(Input):
    """盘点: a full count locks every SKU of the warehouse; a partial or quick count the
    given ones (at least one)."""

    warehouse_id: Id
    kind: CountKindLiteral = "full"  # type: ignore[valid-type]
    sku_ids: list[Id] = Field(default_factory=list, max_length=MAX_LINES)
    note: Memo = ""


class StockCountEntryOut(Schema):
    counter: str
    round: int
    quantity: str


class StockCountLineOut(Schema):
    id: int
    sku_id: int
    sku_code: str
    sku_name: str
    unit: str
    batch: str
    round: int
    mine: str | None = Field(description="what the caller entered in the current round")
    agreed: bool
    counted: str | None = Field(description="the agreed figure (leads only)")
    book: str | None = Field(description="on hand when the count started (leads only)")
    variance: str | None = Field(description="counted − book (leads only)")
    recount: bool
    entries: list[StockCountEntryOut]


class StockCountOut(Schema):
    id: int
    org_id: int
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    kind: CountKindLiteral  # type: ignore[valid-type]
    status: CountStatusLiteral  # type: ignore[valid-type]
    note: str
    created_by: str
    created_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None
    blind: bool
    actions: list[str]
    lines: list[StockCountLineOut]


class StockCountSummaryOut(Schema):
    id: int
    org_id: int
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    kind: CountKindLiteral  # type: ignore[valid-type]
    status: CountStatusLiteral  # type: ignore[valid-type]
    note: str
    created_by: str
    created_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None


class StockCountFilter(PageIn):
    status: CountStatusLiteral | None = None  # type: ignore[valid-type]
    warehouse_id: QueryId | None = None


class StockCountEntriesIn(Input):
    """One counter's figures: count line id → quantity found (0 allowed)."""

    quantities: dict[LineKey, CountedQuantity] = Field(  # type: ignore[valid-type]
        min_length=1, max_length=MAX_LINES, json_schema_extra={"additionalProperties": False}
    )


class StockRecountOut(Schema):
    line_ids: list[int]


# --- reorder points and low stock ---------------------------------------------------------


class ReorderRuleIn(Input):
    """安全库存 / 补货点 of a SKU in a warehouse (the reorder point at or above the safety
    stock)."""

    warehouse_id: Id
    sku_id: Id
    safety_stock: CountedQuantity
    reorder_point: CountedQuantity


class ReorderRuleOut(Schema):
    id: int
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    sku_id: int
    sku_code: str
    sku_name: str
    unit: str
    safety_stock: str
    reorder_point: str
    updated_by: str
    updated_at: dt.datetime


class ReorderRuleFilter(PageIn):
    warehouse_id: QueryId | None = None


class LowStockOut(Schema):
    rule_id: int
    warehouse_id: int
    warehouse_name: str
    sku_id: int
    sku_code: str
    sku_name: str
    available: str
    safety_stock: str
    reorder_point: str
    below_safety: bool
