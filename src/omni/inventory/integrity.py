"""Stock checks for `omni check`: on hand equals the sum of moves, reserved equals the open
reservations, and no availability is negative."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Sum

from omni.kernel.integrity import Finding, integrity_check

from .models import (
    FlashBucket,
    FlashClaim,
    FlashReservation,
    FlashSale,
    Move,
    ReservationLine,
    Stock,
)
from .types import FlashStatus, ReservationStatus


@integrity_check("inventory.on_hand_matches_moves")
def on_hand_matches_moves() -> Iterable[Finding]:
    moved = dict(
        Move.objects.values("stock_id").annotate(s=Sum("quantity")).values_list("stock_id", "s")
    )
    reserved = dict(
        ReservationLine.objects.filter(reservation__status=ReservationStatus.RESERVED)
        .values("stock_id")
        .annotate(s=Sum("quantity"))
        .values_list("stock_id", "s")
    )
    for pk, on_hand, held in Stock.objects.values_list("pk", "on_hand", "reserved").order_by("pk"):
        if on_hand != (moved.get(pk) or 0):
            yield Finding(
                "inventory.on_hand_matches_moves",
                f"inventory.stock:{pk}",
                f"on hand {on_hand} but moves sum to {moved.get(pk) or 0}",
            )
        if held != (reserved.get(pk) or 0):
            yield Finding(
                "inventory.on_hand_matches_moves",
                f"inventory.stock:{pk}",
                f"reserved {held} but open reservations sum to {reserved.get(pk) or 0}",
            )


@integrity_check("inventory.available_not_negative")
def available_not_negative() -> Iterable[Finding]:
    for pk, on_hand, held in Stock.objects.filter(reserved__gt=F("on_hand")).values_list(
        "pk", "on_hand", "reserved"
    ):
        yield Finding(
            "inventory.available_not_negative",
            f"inventory.stock:{pk}",
            f"reserved {held} exceeds on hand {on_hand}",
        )
    for pk, on_hand in Stock.objects.filter(on_hand__lt=0).values_list("pk", "on_hand"):
        yield Finding(
            "inventory.available_not_negative", f"inventory.stock:{pk}", f"on hand {on_hand}"
        )


@integrity_check("inventory.flash_pools_balanced")
def flash_pools_balanced() -> Iterable[Finding]:
    """Each flash sale's pool plus what is reserved or sold is its quantity (never
    oversold), and each customer's claim is what it holds."""
    live = (FlashStatus.RESERVED, FlashStatus.PAID)
    pools = dict(
        FlashBucket.objects.values("sale_id")
        .annotate(s=Sum("remaining"))
        .values_list("sale_id", "s")
    )
    held = dict(
        FlashReservation.objects.filter(status__in=live)
        .values("sale_id")
        .annotate(s=Sum("quantity"))
        .values_list("sale_id", "s")
    )
    for pk, quantity in FlashSale.objects.values_list("pk", "quantity"):
        if (pools.get(pk) or 0) + (held.get(pk) or 0) != quantity:
            yield Finding(
                "inventory.flash_pools_balanced",
                f"inventory.flashsale:{pk}",
                f"pool {pools.get(pk) or 0} + held {held.get(pk) or 0} != {quantity}",
            )
    claims = {
        (s, c): q
        for s, c, q in FlashClaim.objects.values_list("sale_id", "customer_id", "quantity")
    }
    holding = {
        (s, c): q
        for s, c, q in FlashReservation.objects.filter(status__in=live)
        .values("sale_id", "customer_id")
        .annotate(q=Sum("quantity"))
        .values_list("sale_id", "customer_id", "q")
    }
    for key in sorted(set(claims) | set(holding)):
        if claims.get(key, 0) != holding.get(key, 0):
            yield Finding(
                "inventory.flash_pools_balanced",
                f"inventory.flashsale:{key[0]}",
                f"customer {key[1]} claims {claims.get(key, 0)} but holds {holding.get(key, 0)}",
            )
