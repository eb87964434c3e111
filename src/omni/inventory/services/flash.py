"""Flash sales (秒杀) that never oversell.

Creating a sale sets its quantity aside from a warehouse (an inventory reservation of the
SKU for the sale) and splits it into `buckets` pool rows. `reserve_flash` is one short
transaction per buyer: (1) the customer's claim row grows by the quantity only while it
stays within the per-customer limit (a guarded update, or the first insert), then (2) the
quantity is taken from the pool by guarded updates of bucket rows, starting at the
customer's own bucket and moving on to the next ones when it is empty; nothing left in any
bucket: `sold_out` and the claim is rolled back with it. No row is read and then written,
so no lock is held across a round trip, and the sum of the buckets can never go below zero.
With one bucket every buyer updates the same row (the hot-row limit); with N buckets they
spread over N rows. A reservation not paid within the sale's time goes back to the pool
(`expire_flash_reservations`, the worker's sweep)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction

from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.tenancy import directory

from .. import errors
from ..models import FlashBucket, FlashClaim, FlashReservation, FlashSale
from ..types import FlashStatus
from .reservations import ReserveLine, reserve
from .stock import StockLine, facts_for, to_units, warehouse_for

_B = FlashBucket._meta.db_table
_C = FlashClaim._meta.db_table
_TAKE = (
    f"UPDATE {_B} SET remaining = remaining - %s"  # noqa: S608
    ' WHERE sale_id = %s AND "index" = %s AND remaining >= %s RETURNING remaining'
)
_READ = f'SELECT "index", remaining FROM {_B} WHERE sale_id = %s ORDER BY "index"'  # noqa: S608
_GIVE = f'UPDATE {_B} SET remaining = remaining + %s WHERE sale_id = %s AND "index" = %s'  # noqa: S608
_CLAIM = (
    f"UPDATE {_C} SET quantity = quantity + %s"  # noqa: S608
    " WHERE sale_id = %s AND customer_id = %s AND quantity + %s <= %s"
)
_UNCLAIM = (
    f"UPDATE {_C} SET quantity = quantity - %s"  # noqa: S608
    " WHERE sale_id = %s AND customer_id = %s AND quantity >= %s"
)


@transaction.atomic
def create_flash_sale(
    *,
    actor: Actor,
    name: str,
    warehouse_id: int,
    sku_id: int,
    quantity: object,
    per_customer_limit: object,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    pay_within_seconds: int = 900,
    buckets: int = 1,
) -> FlashSale:
    actor.require("inventory.flash.edit")
    warehouse = warehouse_for(actor, warehouse_id, "inventory.flash.edit")
    fact = facts_for([StockLine(sku_id, 1)])[sku_id]
    if fact.places:  # sold by the piece, never by weight
        raise errors.InvalidSale(details={"sku_id": sku_id, "reason": "fractional_unit"})
    total = to_units(quantity, 0, index=0)
    limit = to_units(per_customer_limit, 0, index=1)
    title = (name or "").strip()[:100]
    if not title or ends_at <= starts_at or not 1 <= buckets <= 64 or pay_within_seconds < 60:
        raise errors.InvalidSale(details={"buckets": buckets})
    sale = FlashSale.objects.create(
        org_id=warehouse.org_id,
        name=title,
        warehouse=warehouse,
        sku_id=sku_id,
        quantity=total,
        per_customer_limit=limit,
        starts_at=starts_at,
        ends_at=ends_at,
        pay_within_seconds=pay_within_seconds,
        buckets=buckets,
        created_by=actor.name[:150],
    )
    held = reserve(
        actor=Actor.system("flash sale"),
        source_type="inventory.flash_sale",
        source_id=str(sale.pk),
        lines=[ReserveLine(warehouse.pk, sku_id, quantity)],
    )
    FlashSale.objects.filter(pk=sale.pk).update(reservation=held)
    base, extra = divmod(total, buckets)
    FlashBucket.objects.bulk_create(
        FlashBucket(sale=sale, index=i, remaining=base + (1 if i < extra else 0))
        for i in range(buckets)
    )
    audit.record_created(actor, "inventory.flash_sale_created", sale, ("name", "quantity"))
    sale.refresh_from_db()
    return sale


def _claim(sale: FlashSale, customer_id: int, quantity: int) -> None:
    with connection.cursor() as cur:
        cur.execute(_CLAIM, [quantity, sale.pk, customer_id, quantity, sale.per_customer_limit])
        if cur.rowcount == 1:
            return
    if quantity > sale.per_customer_limit:
        raise errors.LimitReached(details={"limit": sale.per_customer_limit})
    try:
        with transaction.atomic():
            FlashClaim.objects.create(sale=sale, customer_id=customer_id, quantity=quantity)
            return
    except IntegrityError:
        pass  # the row exists (or a concurrent first claim made it): the guard decides
    with connection.cursor() as cur:
        cur.execute(_CLAIM, [quantity, sale.pk, customer_id, quantity, sale.per_customer_limit])
        if cur.rowcount != 1:
            raise errors.LimitReached(details={"limit": sale.per_customer_limit})


def _take(sale: FlashSale, customer_id: int, quantity: int) -> dict[str, int]:
    """Take `quantity` from the pool, from the bucket after the customer's own (found
    short) onwards; {} when it cannot be had in full (whatever was taken is rolled
    back with the transaction)."""
    n = sale.buckets
    start = customer_id % n
    with connection.cursor() as cur:
        for step in range(1, n):  # the usual case: one bucket holds it all
            index = (start + step) % n
            cur.execute(_TAKE, [quantity, sale.pk, index, quantity])
            if cur.fetchone() is not None:
                return {str(index): quantity}
        if quantity == 1:
            return {}
        parts: dict[str, int] = {}  # several units, no bucket has them all: gather them
        left = quantity
        cur.execute(_READ, [sale.pk])
        for index, remaining in cur.fetchall():
            part = min(int(remaining), left)
            if part <= 0:
                continue
            cur.execute(_TAKE, [part, sale.pk, index, part])
            if cur.fetchone() is not None:
                parts[str(index)] = part
                left -= part
            if not left:
                return parts
    return {}


def reserve_flash(
    *, actor: Actor, sale_id: int, customer_id: int | None = None, quantity: object = 1
) -> FlashReservation:
    """One buyer's reservation: all of it or a coded refusal (sold_out, limit_reached,
    not_started, ended), nothing changed. A dealer reserves for itself; staff for a
    customer in their scope."""
    actor.require("inventory.flash.reserve")
    customer = actor.scope.bound_customer_id or customer_id
    buyer_path = (
        directory.customers(actor).filter(pk=customer).values_list("org__path", flat=True).first()
        if customer is not None
        else None
    )
    if buyer_path is None:
        raise errors.UnknownCustomer(details={"customer_id": customer_id})
    sale = FlashSale.objects.filter(pk=sale_id).select_related("org").first()
    if sale is None or not buyer_path.startswith(sale.org.path):
        # a sale is for the customers of its organisation's subtree
        raise NotFound(details={"object": "flash_sale", "id": sale_id})
    units = to_units(quantity, 0, index=0)
    now = clock.now()
    if now < sale.starts_at:
        raise errors.NotStarted(details={"starts_at": sale.starts_at.isoformat()})
    if now >= sale.ends_at:
        raise errors.Ended(details={"ends_at": sale.ends_at.isoformat()})
    with transaction.atomic():
        _claim(sale, customer, units)
        first = customer % sale.buckets
        # the reservation row first and the pool row last: the hot row's lock is held only
        # from its update to the commit, as in a bare conditional update
        reservation = FlashReservation.objects.create(
            sale=sale,
            customer_id=customer,
            parts={str(first): units},
            quantity=units,
            expires_at=now + dt.timedelta(seconds=sale.pay_within_seconds),
        )
        if _take_from(sale.pk, first, units):
            return reservation
        parts = _take(sale, customer, units)
        if not parts:
            raise errors.SoldOut(details={"sale_id": sale.pk})
        FlashReservation.objects.filter(pk=reservation.pk).update(parts=parts)
        reservation.parts = parts
        return reservation


def _take_from(sale_id: int, index: int, quantity: int) -> bool:
    with connection.cursor() as cur:
        cur.execute(_TAKE, [quantity, sale_id, index, quantity])
        return cur.fetchone() is not None


def _give_back(reservation: FlashReservation) -> None:
    with connection.cursor() as cur:
        for index, part in sorted(reservation.parts.items(), key=lambda x: int(x[0])):
            cur.execute(_GIVE, [part, reservation.sale_id, int(index)])
        cur.execute(
            _UNCLAIM,
            [
                reservation.quantity,
                reservation.sale_id,
                reservation.customer_id,
                reservation.quantity,
            ],
        )


def _end(reservation_id: int, status: str, **extra: object) -> FlashReservation | None:
    """Compare-and-set reserved → `status`; the reservation, or None if it had moved on."""
    changed = FlashReservation.objects.filter(
        pk=reservation_id, status=FlashStatus.RESERVED
    ).update(status=status, **extra)
    return FlashReservation.objects.get(pk=reservation_id) if changed else None


@transaction.atomic
def pay_flash(*, actor: Actor, reservation_id: int) -> FlashReservation:
    """The order made from the reservation was paid in time: the units stay sold."""
    actor.require("inventory.flash.reserve")
    reservation = FlashReservation.objects.filter(pk=reservation_id).first()
    if reservation is None:
        raise NotFound(details={"object": "flash_reservation", "id": reservation_id})
    if reservation.expires_at <= clock.now():
        raise errors.ReservationClosed(details={"status": "expired"})
    done = _end(reservation_id, FlashStatus.PAID, paid_at=clock.now())
    if done is None:
        raise errors.ReservationClosed(details={"status": reservation.status})
    return done


def cancel_flash(*, actor: Actor, reservation_id: int) -> FlashReservation:
    actor.require("inventory.flash.reserve")
    with transaction.atomic():
        done = _end(reservation_id, FlashStatus.CANCELLED)
        if done is None:
            raise errors.ReservationClosed(details={"id": reservation_id})
        _give_back(done)
        return done


def expire_flash_reservations(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Unpaid reservations past their time go back to the pool (each once)."""
    at = now or clock.now()
    count = 0
    for pk in FlashReservation.objects.filter(
        status=FlashStatus.RESERVED, expires_at__lt=at
    ).values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            done = _end(pk, FlashStatus.EXPIRED)
            if done is not None:
                _give_back(done)
                count += 1
    return count
