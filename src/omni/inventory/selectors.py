"""Inventory reads, taking the actor: the permission and the one scope rule (a warehouse's
organisation subtree, a dealer's own virtual warehouse: `scoping.warehouses_q`) applied here.

Stock rows, moves and reservation lines are scoped through their warehouse; a reservation is
visible when every warehouse it holds stock in is (the same rule `release` and
`issue_reserved` apply before they act). Quantities stay integers in the SKU's minor units
(`places` decimals, from the catalogue); `availability` answers them as `Decimal` units.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from omni.catalog.facts import sku_facts
from omni.catalog.selectors import list_skus
from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound

from . import errors
from .models import (
    CountEntry,
    CountLine,
    Move,
    ReorderRule,
    Reservation,
    ReservationLine,
    Stock,
    StockCount,
    Transfer,
    TransferLine,
    Warehouse,
)
from .scoping import warehouses_q
from .services.stock import from_units
from .types import CountStatus, ReservationStatus, TransferStatus, WarehouseStatus

VIEW_WAREHOUSE = "inventory.warehouse.view"
VIEW_STOCK = "inventory.stock.view"
VIEW_RESERVATION = "inventory.reservation.view"
RELEASE = "inventory.reservation.release"
ISSUE = "inventory.stock.issue"

_SKU = ("sku", "sku__product__base_unit")


def _scoped(qs: QuerySet, actor: Actor, permission: str | None, prefix: str = "") -> QuerySet:
    q = warehouses_q(actor, permission, "read", prefix=prefix)
    return qs if q is None else qs.filter(q)


# --- warehouses ---------------------------------------------------------------------------


def list_warehouses(
    actor: Actor, *, permission: str | None = VIEW_WAREHOUSE
) -> QuerySet[Warehouse]:
    """Warehouses the actor may read, by code. `permission` None: the warehouses of the
    actor's data scope whatever they may do there (a form's or a filter's choices)."""
    qs = Warehouse.objects.select_related("org", "customer")
    return _scoped(qs, actor, permission).order_by("code")


def get_warehouse(actor: Actor, warehouse_id: int) -> Warehouse:
    row = list_warehouses(actor).filter(pk=warehouse_id).first()
    if row is None:
        raise NotFound(details={"object": "warehouse", "id": warehouse_id})
    return row


def writable_warehouses(actor: Actor, permission: str) -> QuerySet[Warehouse]:
    """The open warehouses whose stock the actor may change with `permission` (a receipt's
    or an adjustment's choices: what `services.stock.warehouse_for` accepts)."""
    qs = Warehouse.objects.filter(status=WarehouseStatus.ACTIVE).select_related("org")
    q = warehouses_q(actor, permission, "write")
    return (qs if q is None else qs.filter(q)).order_by("code")


# --- stock --------------------------------------------------------------------------------


def list_stock(
    actor: Actor,
    *,
    warehouse_id: int | None = None,
    sku_id: int | None = None,
    low_only: bool = False,
) -> QuerySet[Stock]:
    """Stock rows (warehouse, SKU, batch) the actor may read, with `available` (on hand not
    reserved) annotated; `low_only`: rows with nothing available."""
    qs = Stock.objects.select_related("warehouse", "batch", *_SKU).annotate(
        available=F("on_hand") - F("reserved")
    )
    qs = _scoped(qs, actor, VIEW_STOCK, "warehouse__")
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    if sku_id is not None:
        qs = qs.filter(sku_id=sku_id)
    if low_only:
        qs = qs.filter(available__lte=0)
    return qs.order_by("warehouse__code", "sku__code", "batch__expires_on", "pk")


def list_moves(
    actor: Actor,
    *,
    warehouse_id: int | None = None,
    sku_id: int | None = None,
    kind: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    source_type: str | None = None,
    source_id: str | None = None,
) -> QuerySet[Move]:
    """The stock-move ledger the actor may read, newest first."""
    qs = Move.objects.select_related(
        "stock__warehouse", "stock__batch", "stock__sku", "stock__sku__product__base_unit"
    )
    qs = _scoped(qs, actor, VIEW_STOCK, "stock__warehouse__")
    filters = {
        "stock__warehouse_id": warehouse_id,
        "stock__sku_id": sku_id,
        "kind": kind,
        "business_date__gte": date_from,
        "business_date__lte": date_to,
        "source_type": source_type,
        "source_id": source_id,
    }
    qs = qs.filter(**{k: v for k, v in filters.items() if v not in (None, "")})
    return qs.order_by("-pk")


def written_moves(moves: list[Move]) -> list[Move]:
    """The moves a service has just returned to its caller, with warehouse, SKU and batch
    joined (no permission asked: the caller made them, and may lack the view permission)."""
    ids = [m.pk for m in moves]
    qs = Move.objects.filter(pk__in=ids).select_related(
        "stock__warehouse", "stock__batch", "stock__sku", "stock__sku__product__base_unit"
    )
    return list(qs.order_by("pk"))


def find_sku_id(actor: Actor, text: str, *, by_id: bool = True) -> int | None:
    """The SKU that `text` names: its code (any case) among the products the actor may see
    (without the catalogue's view permission: among the stock they may read), else (`by_id`)
    its id when `text` is a number. None when it names nothing."""
    actor.require(VIEW_STOCK)
    text = (text or "").strip()
    if not text:
        return None
    if actor.can("catalog.product.view"):
        found = list_skus(actor=actor).filter(code__iexact=text).values_list("pk", flat=True)
    else:
        rows = Stock.objects.filter(sku__code__iexact=text)
        found = _scoped(rows, actor, VIEW_STOCK, "warehouse__").values_list("sku_id", flat=True)
    pk = found.first()
    if pk is None and by_id and text.isdigit() and len(text) < 19:
        return int(text)
    return pk


@dataclass(frozen=True, slots=True)
class WarehouseAvailability:
    warehouse_id: int
    code: str
    name: str
    status: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal  # what may be reserved or issued now: not from an expired batch


@dataclass(frozen=True, slots=True)
class Availability:
    sku_id: int
    sku_code: str
    sku_name: str
    unit: str
    places: int
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    warehouses: list[WarehouseAvailability]


def availability(actor: Actor, sku_id: int) -> Availability:
    """On hand, reserved and available of one SKU in every warehouse the actor may read that
    holds it (unknown_sku for a SKU that does not exist). Available is what `reserve` and
    `issue` could take now: nothing in a closed warehouse or an expired batch."""
    q = warehouses_q(actor, VIEW_STOCK, "read", prefix="warehouse__")
    fact = sku_facts([sku_id]).get(sku_id)
    if fact is None:
        raise errors.UnknownSku(details={"sku_id": sku_id})
    rows = Stock.objects.filter(sku_id=sku_id).select_related("warehouse", "batch")
    if q is not None:
        rows = rows.filter(q)
    today = clock.today()
    per: dict[int, list[int]] = {}
    info: dict[int, Warehouse] = {}
    for row in rows.order_by("warehouse__code", "pk"):
        totals = per.setdefault(row.warehouse_id, [0, 0, 0])
        info[row.warehouse_id] = row.warehouse
        totals[0] += row.on_hand
        totals[1] += row.reserved
        expired = row.batch is not None and row.batch.expires_on is not None
        expired = expired and row.batch.expires_on < today  # type: ignore[union-attr]
        if row.warehouse.status == WarehouseStatus.ACTIVE and not expired:
            totals[2] += max(row.on_hand - row.reserved, 0)

    def units(n: int) -> Decimal:
        return from_units(n, fact.places)

    warehouses = [
        WarehouseAvailability(
            warehouse_id=pk,
            code=info[pk].code,
            name=info[pk].name,
            status=info[pk].status,
            on_hand=units(on_hand),
            reserved=units(reserved),
            available=units(available),
        )
        for pk, (on_hand, reserved, available) in per.items()
    ]
    return Availability(
        sku_id=fact.id,
        sku_code=fact.code,
        sku_name=fact.name,
        unit=fact.unit,
        places=fact.places,
        on_hand=units(sum(v[0] for v in per.values())),
        reserved=units(sum(v[1] for v in per.values())),
        available=units(sum(v[2] for v in per.values())),
        warehouses=warehouses,
    )


# --- reservations -------------------------------------------------------------------------


def _lines() -> Prefetch:
    return Prefetch(
        "lines",
        queryset=ReservationLine.objects.select_related(
            "stock__warehouse", "stock__batch", "stock__sku", "stock__sku__product__base_unit"
        ).order_by("pk"),
    )


def _outside(actor: Actor, permission: str, mode: str = "read") -> Q | None:
    """Reservations holding stock in a warehouse the actor may not `mode` (None: none is)."""
    q = warehouses_q(actor, permission, mode, prefix="stock__warehouse__")  # type: ignore[arg-type]
    if q is None:
        return None
    inside = ReservationLine.objects.filter(q).values("pk")
    return Q(
        Exists(ReservationLine.objects.filter(reservation=OuterRef("pk")).exclude(pk__in=inside))
    )


def list_reservations(actor: Actor) -> QuerySet[Reservation]:
    """Reservations the actor may read (every warehouse they hold stock in is in scope),
    newest first, with their lines (warehouse, SKU, batch) prefetched."""
    qs = Reservation.objects.prefetch_related(_lines())
    outside = _outside(actor, VIEW_RESERVATION)
    if outside is not None:
        qs = qs.exclude(outside)
    return qs.order_by("-pk")


def get_reservation(actor: Actor, reservation_id: int) -> Reservation:
    row = list_reservations(actor).filter(pk=reservation_id).first()
    if row is None:
        raise NotFound(details={"object": "reservation", "id": reservation_id})
    return row


def reservation_of(reservation_id: int) -> Reservation:
    """A reservation a service has just acted on, with its lines (no permission asked: the
    service checked it; its caller may lack the view permission)."""
    return Reservation.objects.prefetch_related(_lines()).get(pk=reservation_id)


def reservation_actions(actor: Actor, reservation: Reservation) -> list[str]:
    """What the actor may do to this reservation now ("release", "issue"): it is open, they
    hold the permission and may change stock in every warehouse it touches; so no button
    leads to a refusal."""
    if reservation.status != ReservationStatus.RESERVED:
        return []
    allowed = []
    for action, permission in (("release", RELEASE), ("issue", ISSUE)):
        if not actor.can(permission):
            continue
        outside = _outside(actor, permission, "write")
        if outside is None or not Reservation.objects.filter(outside, pk=reservation.pk).exists():
            allowed.append(action)
    return allowed


# --- transfers ----------------------------------------------------------------------------

RECEIVE = "inventory.stock.receive"
COUNT = "inventory.stock.count"
ADJUST = "inventory.stock.adjust"


def _either(actor: Actor, permission: str, *prefixes: str) -> Q | None:
    """Rows whose warehouse at any of `prefixes` the actor may read (None: every row)."""
    q = Q()
    for prefix in prefixes:
        one = warehouses_q(actor, permission, "read", prefix=prefix)
        if one is None:
            return None
        q |= one
    return q


def list_transfers(actor: Actor) -> QuerySet[Transfer]:
    """Transfers (调拨) whose source or target warehouse the actor may read, newest first,
    with their lines (SKU, batch) prefetched."""
    qs = Transfer.objects.select_related("source", "target").prefetch_related(
        Prefetch(
            "lines",
            queryset=TransferLine.objects.select_related(*_SKU, "batch").order_by("pk"),
        )
    )
    q = _either(actor, VIEW_STOCK, "source__", "target__")
    return (qs if q is None else qs.filter(q)).order_by("-pk")


def get_transfer(actor: Actor, transfer_id: int) -> Transfer:
    row = list_transfers(actor).filter(pk=transfer_id).first()
    if row is None:
        raise NotFound(details={"object": "transfer", "id": transfer_id})
    return row


def transfer_of(transfer_id: int) -> Transfer:
    """A transfer a service has just acted on, with its lines (no permission asked: the
    service checked it; its caller may lack the view permission)."""
    return list_transfers(Actor.system("inventory")).get(pk=transfer_id)


def transfer_actions(actor: Actor, transfer: Transfer) -> list[str]:
    """What the actor may do to the transfer now ("receive", "close"): it is open and they
    may receive at its target (what `receive_transfer` and `close_short` ask)."""
    if transfer.status not in (TransferStatus.IN_TRANSIT, TransferStatus.PARTLY_RECEIVED):
        return []
    if not actor.can(RECEIVE):
        return []
    q = warehouses_q(actor, RECEIVE, "write")
    if q is not None and not Warehouse.objects.filter(q, pk=transfer.target_id).exists():
        return []
    return ["receive", "close"]


# --- stock counts -------------------------------------------------------------------------


def _count_permission(actor: Actor) -> str:
    """The lead (adjust) or a counter (count): the permission a count is read with."""
    return ADJUST if actor.can(ADJUST) else COUNT


def list_counts(actor: Actor) -> QuerySet[StockCount]:
    """Stock counts (盘点) of the warehouses the actor counts in or leads, newest first."""
    qs = StockCount.objects.select_related("warehouse")
    return _scoped(qs, actor, _count_permission(actor), "warehouse__").order_by("-pk")


def get_count(actor: Actor, count_id: int) -> StockCount:
    row = list_counts(actor).filter(pk=count_id).first()
    if row is None:
        raise NotFound(details={"object": "stock_count", "id": count_id})
    return row


@dataclass(frozen=True, slots=True)
class CountEntryView:
    counter: str
    round: int
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class CountLineView:
    """A count line as the actor may see it: `book`, `variance` and the other counters'
    `entries` only for a lead (who holds inventory.stock.adjust); a counter sees what they
    entered in the current round (`mine`) and whether the line is agreed (blind counting)."""

    id: int
    sku_id: int
    sku_code: str
    sku_name: str
    unit: str
    batch: str
    round: int
    mine: Decimal | None
    agreed: bool
    counted: Decimal | None
    book: Decimal | None
    variance: Decimal | None
    entries: list[CountEntryView]
    recount: bool  # counters disagree in the current round


@dataclass(frozen=True, slots=True)
class CountView:
    count: StockCount
    blind: bool
    lines: list[CountLineView]
    actions: list[str]  # "enter", "recount", "approve", "cancel"


def count_view(actor: Actor, count_id: int) -> CountView:
    """A count with its lines as the actor may see them, and what they may do now: a
    counter enters figures (blind: no book, no variance, no one else's figures); the lead
    sees book against counted, asks a recount of lines whose counters disagree, approves
    (not having counted: four eyes) or cancels."""
    count = get_count(actor, count_id)
    blind = not actor.can(ADJUST)
    lines = list(
        CountLine.objects.filter(count=count)
        .select_related("stock__batch", "stock__sku", "stock__sku__product__base_unit")
        .prefetch_related(Prefetch("entries", queryset=CountEntry.objects.order_by("round", "pk")))
        .order_by("stock__sku__code", "pk")
    )
    me = actor.name[:150]
    out = []
    counted_any = False
    for line in lines:
        sku = line.stock.sku
        places = 3 if sku.product.base_unit.allows_fraction else 0
        entries = list(line.entries.all())
        counted_any = counted_any or any(e.counter == me for e in entries)
        current = [e for e in entries if e.round == line.round]
        mine = next((e.quantity for e in current if e.counter == me), None)
        disagree = line.counted is None and len({e.quantity for e in current}) > 1

        def units(n: int | None, places: int = places) -> Decimal | None:
            return None if n is None else from_units(n, places)

        out.append(
            CountLineView(
                id=line.pk,
                sku_id=sku.pk,
                sku_code=sku.code,
                sku_name=sku.name,
                unit=sku.product.base_unit.name,
                batch=line.stock.batch.code if line.stock.batch_id else "",
                round=line.round,
                mine=units(mine),
                agreed=line.counted is not None,
                counted=None if blind else units(line.counted),
                book=None if blind else units(line.book),
                variance=(
                    None
                    if blind or line.counted is None
                    else from_units(line.counted - line.book, places)
                ),
                entries=(
                    []
                    if blind
                    else [
                        CountEntryView(e.counter, e.round, from_units(e.quantity, places))
                        for e in entries
                    ]
                ),
                recount=disagree,
            )
        )
    actions: list[str] = []
    if count.status == CountStatus.COUNTING:
        open_lines = any(x.mine is None and not x.agreed for x in out)
        if open_lines and actor.can(COUNT) and _writable(actor, COUNT, count.warehouse_id):
            actions.append("enter")
        if actor.can(ADJUST) and _writable(actor, ADJUST, count.warehouse_id):
            if any(x.recount for x in out):
                actions.append("recount")
            if out and all(x.agreed for x in out) and not counted_any:
                actions.append("approve")
            actions.append("cancel")
    return CountView(count=count, blind=blind, lines=out, actions=actions)


def _writable(actor: Actor, permission: str, warehouse_id: int) -> bool:
    q = warehouses_q(actor, permission, "write")
    return q is None or Warehouse.objects.filter(q, pk=warehouse_id).exists()


# --- reorder rules ------------------------------------------------------------------------


def list_reorder_rules(actor: Actor, *, warehouse_id: int | None = None) -> QuerySet[ReorderRule]:
    """Safety stock and reorder points (安全库存 / 补货点) of the warehouses the actor may
    read, by warehouse and SKU."""
    qs = ReorderRule.objects.select_related("warehouse", *_SKU)
    qs = _scoped(qs, actor, VIEW_STOCK, "warehouse__")
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    return qs.order_by("warehouse__code", "sku__code", "pk")


def low_stock(actor: Actor) -> list:
    """The low-stock list of the actor's warehouses (below safety stock first)."""
    from .services.replenishment import low_stock as rows

    actor.require(VIEW_STOCK)
    return rows(actor)


# flash sales (秒杀): their own module, read from here as from every other selector
from .flash_selectors import (  # noqa: E402
    flash_buckets,
    flash_sale_of,
    get_flash_reservation,
    get_flash_sale,
    list_flash_reservations,
    list_flash_sales,
)

__all__ = [
    "flash_buckets",
    "flash_sale_of",
    "get_flash_reservation",
    "get_flash_sale",
    "list_flash_reservations",
    "list_flash_sales",
]
