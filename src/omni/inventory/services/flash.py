"""Flash sales (秒杀) that never oversell.

Creating a sale sets its quantity aside from a warehouse (an inventory reservation of the
SKU for the sale) and splits it into `buckets` pool rows. `reserve_flash` is one short
transaction per buyer: (1) the customer's claim row grows by the quantity only while it
stays within the per-customer limit (a guarded upsert), (2) the reservation row is
written, then (3) the quantity is taken from the pool by guarded updates of bucket rows,
starting at the customer's own bucket and moving on to the next ones when it is empty;
nothing left in any bucket: `sold_out` and the claim and reservation are rolled back with
it. No row is read and then written, so no lock is held across a round trip, and the sum
of the buckets can never go below zero. With one bucket every buyer updates the same row
(the hot-row limit); with N buckets they spread over N rows. On PostgreSQL the whole
reservation, scope check included, is one call of the SQL function
`inventory_flash_reserve` (migration 0007): one round trip, one autocommitted statement;
SQLite runs the same steps from Python. A reservation not paid within the sale's time goes
back to the pool (`expire_flash_reservations`, the worker's sweep)."""

from __future__ import annotations

import datetime as dt
import json
import time

from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, IntegrityError, connection, transaction

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
    customer in their scope; the sale must be for the customer's organisation subtree.

    On PostgreSQL this is one call of `inventory_flash_reserve(...)` (migration
    `inventory.0007`) with the actor's customer scope as an argument: outside a
    transaction one autocommitted statement (one round trip, the pool row's lock ends
    with it), inside a caller's transaction the same call under a savepoint. SQLite: the
    same steps in Python (`_reserve_python`); both leave the same rows."""
    actor.require("inventory.flash.reserve")
    customer = actor.scope.bound_customer_id or customer_id
    if customer is None:
        raise errors.UnknownCustomer(details={"customer_id": customer_id})
    try:
        units = to_units(quantity, 0, index=0)
    except errors.InvalidQuantity:
        _buyer_and_sale(actor, sale_id, customer, customer_id)  # 404 before bad input
        raise
    if _use_function():
        return _reserve_function(actor, sale_id, customer, customer_id, units)
    return _reserve_python(actor, sale_id, customer, customer_id, units)


def _use_function() -> bool:
    return connection.vendor == "postgresql"


def _buyer_and_sale(
    actor: Actor, sale_id: int, customer: int, customer_id: int | None
) -> FlashSale:
    """The sale if `customer` is in the actor's scope and the sale is for its organisation
    subtree (else unknown_customer / not found): two reads."""
    buyer_path = (
        directory.customers(actor).filter(pk=customer).values_list("org__path", flat=True).first()
    )
    if buyer_path is None:
        raise errors.UnknownCustomer(details={"customer_id": customer_id})
    sale = FlashSale.objects.filter(pk=sale_id).select_related("org").first()
    if sale is None or not buyer_path.startswith(sale.org.path):
        # a sale is for the customers of its organisation's subtree
        raise NotFound(details={"object": "flash_sale", "id": sale_id})
    return sale


def _reserve_python(
    actor: Actor, sale_id: int, customer: int, customer_id: int | None, units: int
) -> FlashReservation:
    sale = _buyer_and_sale(actor, sale_id, customer, customer_id)
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


_RESERVE = (
    "SELECT outcome, reservation_id, parts::text, at, amount FROM inventory_flash_reserve("
    "%s::bigint, %s::bigint, {in_scope}, %s::bigint, %s::timestamptz, %s::timestamptz, "
    "%s::boolean)"
)
SOLD_OUT_SQLSTATE = "FS409"  # raised by inventory_flash_reserve when the pool is empty
SCOPE_SECONDS = 10.0  # how long a process reuses an actor's compiled customer scope
_scopes: dict[tuple, tuple[float, str, tuple, bool]] = {}


def _reserve_sql(actor: Actor, customer: int) -> tuple[str, list]:
    """The call, with "is the customer in the actor's scope" as its argument: the scope
    rule (`directory.customers`, the one rule) compiled into an EXISTS subquery, `true`
    for a scope that reaches every customer (nothing for the server to plan), `false` for
    one that reaches none. Compiled once per actor and scope for `SCOPE_SECONDS` (the rule
    may read the scope's organisation paths: a moved organisation counts after that long);
    the customer rows themselves are read fresh in the call."""
    key = (actor.kind, actor.id, actor.superuser, actor.org_id, actor.scope)
    now = time.monotonic()
    hit = _scopes.get(key)
    if hit is None or hit[0] <= now:
        qs = directory.customers(actor).values("pk")
        params: tuple = ()
        if not qs.query.where:
            in_scope = "true"
        else:
            try:
                inner, params = qs.query.get_compiler(using=qs.db).as_sql()
            except EmptyResultSet:  # a scope that reaches no customer
                in_scope = "false"
            else:
                in_scope = f"EXISTS (SELECT 1 FROM ({inner}) AS s(id) WHERE s.id = %s)"  # noqa: S608
        sql = _RESERVE.format(in_scope=in_scope)  # Django's own SQL, every value a parameter
        hit = (now + SCOPE_SECONDS, sql, tuple(params), "%s" in in_scope)
        if len(_scopes) > 1000:
            _scopes.clear()
        _scopes[key] = hit
    _, sql, params, with_customer = hit
    return sql, [*params, customer] if with_customer else list(params)


def _reserve_function(
    actor: Actor, sale_id: int, customer: int, customer_id: int | None, units: int
) -> FlashReservation:
    sql, scope_params = _reserve_sql(actor, customer)
    now, created = clock.now(), clock.wall_now()  # business time; created_at as auto_now_add
    alone = connection.get_autocommit() and not connection.in_atomic_block
    args = [sale_id, customer, *scope_params, units, now, created, alone]
    try:
        if alone:  # one autocommitted statement: as atomic as a block, one round trip
            with connection.cursor() as cur:
                cur.execute(sql, args)
                row = cur.fetchone()
        else:  # inside a caller's transaction: a refusal rolls back to a savepoint only
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql, args)
                row = cur.fetchone()
    except DatabaseError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == SOLD_OUT_SQLSTATE:
            raise errors.SoldOut(details={"sale_id": sale_id}) from None
        raise
    outcome, reservation_id, parts, at, amount = row
    if outcome == "reserved":
        reservation = FlashReservation(
            pk=reservation_id,
            sale_id=sale_id,
            customer_id=customer,
            parts=json.loads(parts),
            quantity=units,
            status=FlashStatus.RESERVED,
            expires_at=at,
            created_at=created,
            paid_at=None,
        )
        reservation._state.adding = False
        reservation._state.db = connection.alias
        return reservation
    if outcome == "unknown_customer":
        raise errors.UnknownCustomer(details={"customer_id": customer_id})
    if outcome == "not_found":
        raise NotFound(details={"object": "flash_sale", "id": sale_id})
    if outcome == "not_started":
        raise errors.NotStarted(details={"starts_at": at.isoformat()})
    if outcome == "ended":
        raise errors.Ended(details={"ends_at": at.isoformat()})
    if outcome == "limit_reached":
        raise errors.LimitReached(details={"limit": amount})
    raise RuntimeError(f"inventory_flash_reserve: unexpected outcome {outcome!r}")


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
