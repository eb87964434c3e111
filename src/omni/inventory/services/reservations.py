"""Reservations (预占): what orders call. `reserve` sets quantities aside for a source
document, all lines or none (a short line is named, nothing is reserved); `release` gives
them back; `issue_reserved` turns them into an issue. Each is a compare-and-set on the
reservation's status plus guarded updates of the stock rows in primary-key order, in one
transaction. A reservation may expire: `expire_reservations` (the worker's sweep) releases
those past their time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound

from .. import errors
from ..models import Move, Reservation, ReservationLine, Stock
from ..scoping import warehouses_q
from ..types import MoveKind, ReservationStatus
from . import _rows
from .stock import (
    StockLine,
    _move,
    facts_for,
    plan_take,
    refuse_locked,
    shortfall,
    to_units,
    warehouse_for,
)

CREATE = "inventory.reservation.create"
RELEASE = "inventory.reservation.release"


@dataclass(frozen=True, slots=True)
class ReserveLine:
    warehouse_id: int
    sku_id: int
    quantity: object
    batch: str = ""


@transaction.atomic
def reserve(
    *,
    actor: Actor,
    source_type: str,
    source_id: str,
    lines: Sequence[ReserveLine],
    expires_at: dt.datetime | None = None,
) -> Reservation:
    actor.require(CREATE)
    source_type, source_id = str(source_type)[:40], str(source_id)[:64]
    if not lines:
        raise errors.InvalidQuantity(details={"lines": 0})
    open_one = Reservation.objects.filter(
        source_type=source_type, source_id=source_id, status=ReservationStatus.RESERVED
    ).first()
    stock_lines = [StockLine(x.sku_id, x.quantity, x.batch) for x in lines]
    facts = facts_for(stock_lines)
    warehouses = {x.warehouse_id: warehouse_for(actor, x.warehouse_id, CREATE) for x in lines}
    for warehouse_id in warehouses:
        refuse_locked(warehouse_id, {x.sku_id for x in lines if x.warehouse_id == warehouse_id})
    wanted = [to_units(x.quantity, facts[x.sku_id].places, index=i) for i, x in enumerate(lines)]
    if open_one is not None:
        demand: dict[tuple[int, int], int] = {}
        for line, units in zip(lines, wanted, strict=True):
            key = (line.warehouse_id, line.sku_id)
            demand[key] = demand.get(key, 0) + units
        if demand == _held(open_one):
            return open_one  # the same document asking again: the same reservation
        raise errors.AlreadyReserved(details={"reservation_id": open_one.pk})
    steps: list[tuple[int, int]] = []
    short = []
    for index, (stock_line, units) in enumerate(zip(stock_lines, wanted, strict=True)):
        fact = facts[stock_line.sku_id]
        plan, left = plan_take(lines[index].warehouse_id, stock_line, fact, index, units)
        if left:
            short.append(shortfall(index, stock_line, fact, units, left))
        steps += plan
    if short:
        raise errors.InsufficientStock(details={"lines": short})
    merged: dict[int, int] = {}
    for stock_id, units in steps:
        merged[stock_id] = merged.get(stock_id, 0) + units
    for stock_id in sorted(merged):
        if _rows.reserve(stock_id, merged[stock_id]) is None:
            # someone took it between the plan and now: nothing of this stays reserved
            raise errors.InsufficientStock(details={"stock_id": stock_id})
    first = warehouses[lines[0].warehouse_id]
    try:
        with transaction.atomic():
            reservation = Reservation.objects.create(
                org_id=first.org_id,
                source_type=source_type,
                source_id=source_id,
                expires_at=expires_at,
                created_by=actor.name[:150],
            )
    except IntegrityError:  # a concurrent reserve for the same document won
        raise errors.AlreadyReserved(details={"source_id": source_id}) from None
    ReservationLine.objects.bulk_create(
        ReservationLine(reservation=reservation, stock_id=s, quantity=q)
        for s, q in sorted(merged.items())
    )
    audit.record_change(
        actor,
        "inventory.reserved",
        reservation,
        after={"lines": sorted(merged.items()), "source": f"{source_type}:{source_id}"},
    )
    return reservation


def _held(reservation: Reservation) -> dict[tuple[int, int], int]:
    out: dict[tuple[int, int], int] = {}
    for warehouse_id, sku_id, quantity in reservation.lines.values_list(
        "stock__warehouse_id", "stock__sku_id", "quantity"
    ):
        out[(warehouse_id, sku_id)] = out.get((warehouse_id, sku_id), 0) + quantity
    return out


def _open(actor: Actor, reservation_id: int, permission: str) -> Reservation:
    """The reservation, locked, if the actor may act on every warehouse it touches."""
    actor.require(permission)
    reservation = Reservation.objects.select_for_update().filter(pk=reservation_id).first()
    if reservation is None:
        raise NotFound(details={"object": "reservation", "id": reservation_id})
    q = warehouses_q(actor, permission, "write", prefix="warehouse__")
    if q is not None:
        stock_ids = reservation.lines.values_list("stock_id", flat=True)
        touched = Stock.objects.filter(pk__in=stock_ids)
        if touched.exclude(pk__in=touched.filter(q).values("pk")).exists():
            raise NotFound(details={"object": "reservation", "id": reservation_id})
    if reservation.status != ReservationStatus.RESERVED:
        raise errors.ReservationClosed(details={"status": reservation.status})
    return reservation


def _close(reservation: Reservation, status: str) -> None:
    changed = Reservation.objects.filter(
        pk=reservation.pk, status=ReservationStatus.RESERVED
    ).update(status=status, ended_at=clock.now())
    if not changed:
        raise errors.ReservationClosed(details={"id": reservation.pk})


def _give_back(reservation: Reservation) -> None:
    for stock_id, quantity in reservation.lines.order_by("stock_id").values_list(
        "stock_id", "quantity"
    ):
        if _rows.unreserve(stock_id, quantity) is None:
            raise RuntimeError(f"stock {stock_id} holds less than reservation {reservation.pk}")


@transaction.atomic
def release(*, actor: Actor, reservation_id: int) -> Reservation:
    reservation = _open(actor, reservation_id, RELEASE)
    _close(reservation, ReservationStatus.RELEASED)
    _give_back(reservation)
    audit.record_change(actor, "inventory.released", reservation)
    reservation.refresh_from_db()
    return reservation


@transaction.atomic
def issue_reserved(*, actor: Actor, reservation_id: int, memo: str = "") -> list[Move]:
    """Ship what the reservation holds: on hand and reserved go down together."""
    reservation = _open(actor, reservation_id, "inventory.stock.issue")
    _close(reservation, ReservationStatus.ISSUED)
    moves = []
    for stock_id, quantity in reservation.lines.order_by("stock_id").values_list(
        "stock_id", "quantity"
    ):
        after = _rows.take_reserved(stock_id, quantity)
        if after is None:
            raise RuntimeError(f"stock {stock_id} holds less than reservation {reservation.pk}")
        moves.append(
            _move(
                actor,
                stock_id,
                MoveKind.ISSUE,
                -quantity,
                after[0],
                reservation.source_type,
                reservation.source_id,
                memo,
            )
        )
    Move.objects.bulk_create(moves)
    audit.record_change(actor, "inventory.issued", reservation)
    return moves


def expire_reservations(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Release the open reservations whose time has passed (each in its own transaction;
    a reservation released or issued meanwhile is left alone)."""
    at = now or clock.now()
    actor = Actor.system("inventory.expiry")
    done = 0
    for pk in Reservation.objects.filter(
        status=ReservationStatus.RESERVED, expires_at__lt=at
    ).values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            reservation = Reservation.objects.select_for_update().get(pk=pk)
            if reservation.status != ReservationStatus.RESERVED:
                continue
            _close(reservation, ReservationStatus.EXPIRED)
            _give_back(reservation)
            audit.record_change(actor, "inventory.expired", reservation)
            done += 1
    return done
