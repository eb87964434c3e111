"""Flash-sale reads (秒杀), taking the actor: staff with `inventory.flash.view` see the sales
of the warehouses they read; a bound buyer (dealer, store) with `inventory.flash.reserve`
the sales of its organisation and the ones above it, the rule `reserve_flash` applies."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound

from .models import FlashBucket, FlashReservation, FlashSale
from .scoping import warehouses_q

VIEW_FLASH = "inventory.flash.view"
RESERVE_FLASH = "inventory.flash.reserve"
_SKU = ("sku", "sku__product__base_unit")


def _buyer_orgs(actor: Actor) -> list[int] | None:
    """A portal buyer's (dealer, store) organisation and its ancestors: the sales it may
    reserve in (a sale is for the customers of its organisation's subtree). None when the
    actor is no bound buyer."""
    from omni.tenancy import directory
    from omni.tenancy.scope import path_ids

    bound = actor.scope.bound_customer_id
    if bound is None or not actor.can(RESERVE_FLASH):
        return None
    path = directory.customers(actor).filter(pk=bound).values_list("org__path", flat=True).first()
    return path_ids(path) if path else []


def _sales_q(actor: Actor) -> Q | None:
    """Sales the actor may read: staff with flash.view through the sale's warehouse, a
    bound buyer with flash.reserve the sales of its organisation and above."""
    parts: list[Q] = []
    if actor.can(VIEW_FLASH):
        q = warehouses_q(actor, VIEW_FLASH, "read", prefix="warehouse__")
        if q is None:
            return None
        parts.append(q)
    orgs = _buyer_orgs(actor)
    if orgs is not None:
        parts.append(Q(org_id__in=orgs))
    if not parts:
        actor.require(VIEW_FLASH)  # PermissionDenied
    q = Q(pk__in=[])
    for part in parts:
        q |= part
    return q


def list_flash_sales(actor: Actor, *, live: bool = False) -> QuerySet[FlashSale]:
    """Flash sales (秒杀) the actor may read, newest first, with `left` (the pool: the sum
    of its buckets) and `sold` (paid units) annotated; `live`: started and not ended."""
    pool = (
        FlashBucket.objects.filter(sale=OuterRef("pk"))
        .values("sale")
        .annotate(total=Sum("remaining"))
        .values("total")
    )
    qs = FlashSale.objects.select_related("warehouse", *_SKU).annotate(
        left=Coalesce(Subquery(pool), 0)
    )
    q = _sales_q(actor)
    if q is not None:
        qs = qs.filter(q)
    if live:
        now = clock.now()
        qs = qs.filter(starts_at__lte=now, ends_at__gt=now)
    return qs.order_by("-pk")


def get_flash_sale(actor: Actor, sale_id: int) -> FlashSale:
    row = list_flash_sales(actor).filter(pk=sale_id).first()
    if row is None:
        raise NotFound(details={"object": "flash_sale", "id": sale_id})
    return row


def flash_sale_of(sale_id: int) -> FlashSale:
    """A sale a service has just made (no permission asked: the service checked it)."""
    return list_flash_sales(Actor.system("inventory")).get(pk=sale_id)


def flash_buckets(sale: FlashSale) -> list[tuple[int, int]]:
    """(bucket index, units left) of a sale the caller has read."""
    return list(
        FlashBucket.objects.filter(sale=sale).order_by("index").values_list("index", "remaining")
    )


def list_flash_reservations(
    actor: Actor, *, sale_id: int | None = None
) -> QuerySet[FlashReservation]:
    """Flash-sale reservations the actor may read, newest first: staff with flash.view those
    of the sales they read; buyers (flash.reserve) those of the customers in their scope
    (a dealer: its own and its lower-level customers')."""
    from omni.tenancy import directory

    qs = FlashReservation.objects.select_related("sale", "customer")
    parts: list[Q] = []
    if actor.can(VIEW_FLASH):
        q = warehouses_q(actor, VIEW_FLASH, "read", prefix="sale__warehouse__")
        parts.append(Q() if q is None else q)
    if actor.can(RESERVE_FLASH):
        parts.append(Q(customer_id__in=directory.customers(actor).values("pk")))
    if not parts:
        actor.require(VIEW_FLASH)
    if not any(p == Q() for p in parts):
        q = Q(pk__in=[])
        for part in parts:
            q |= part
        qs = qs.filter(q)
    if sale_id is not None:
        qs = qs.filter(sale_id=sale_id)
    return qs.order_by("-pk")


def get_flash_reservation(actor: Actor, reservation_id: int) -> FlashReservation:
    row = list_flash_reservations(actor).filter(pk=reservation_id).first()
    if row is None:
        raise NotFound(details={"object": "flash_reservation", "id": reservation_id})
    return row
