"""Stock: receipts, issues, adjustments and reservations keep on hand equal to the sum of
moves and availability never negative; short lines are named and nothing changes; batches
issue first-expiring-first and an expired batch is refused; moves are append-only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from omni.catalog.tests.factories import UnitFactory, make_product
from omni.inventory.models import Move, Reservation, Stock
from omni.inventory.services.reservations import (
    ReserveLine,
    expire_reservations,
    issue_reserved,
    release,
    reserve,
)
from omni.inventory.services.stock import StockLine, adjust, issue, receive
from omni.inventory.services.warehouses import create_warehouse
from omni.kernel import clock
from omni.kernel.errors import DomainError
from omni.kernel.integrity import run_checks
from omni.party.tests.factories import SYSTEM, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def wh(world):
    return create_warehouse(
        actor=SYSTEM, org_id=world.east.pk, code="SH-01", name="上海中心仓", kind="central"
    )


@pytest.fixture
def sku(world):
    return make_product(world.group, "WATER").skus.get()


@pytest.fixture
def batch_sku(world):
    return make_product(
        world.group, "JUICE", track_batch=True, track_expiry=True, shelf_life_days=180
    ).skus.get()


def stock_of(wh, sku):
    rows = Stock.objects.filter(warehouse=wh, sku=sku)
    return sum(r.on_hand for r in rows), sum(r.reserved for r in rows)


def code_of(call):
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value


def clean():
    findings = [f for f in run_checks() if f.check.startswith("inventory.")]
    assert not findings, findings


def test_receive_issue_adjust_keep_on_hand_equal_to_moves(wh, sku):
    receive(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, "120")])
    issue(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, 20)], source_id="SO-1")
    adjust(actor=SYSTEM, warehouse_id=wh.pk, line=StockLine(sku.pk, "-5"), reason="破损")
    assert stock_of(wh, sku) == (95, 0)
    assert list(Move.objects.order_by("id").values_list("kind", "quantity", "on_hand_after")) == [
        ("receipt", 120, 120),
        ("issue", -20, 100),
        ("adjustment", -5, 95),
    ]
    clean()


def test_a_short_line_is_named_and_nothing_changes(wh, sku, world):
    other = make_product(world.group, "TEA").skus.get()
    receive(
        actor=SYSTEM,
        warehouse_id=wh.pk,
        lines=[StockLine(sku.pk, 10), StockLine(other.pk, 3)],
    )
    moves = Move.objects.count()
    err = code_of(
        lambda: issue(
            actor=SYSTEM,
            warehouse_id=wh.pk,
            lines=[StockLine(sku.pk, 5), StockLine(other.pk, 4)],
        )
    )
    assert err.code == "insufficient_stock"
    assert err.details["lines"] == [
        {"line": 1, "sku_id": other.pk, "sku": other.code, "wanted": "4", "available": "3"}
    ]
    assert stock_of(wh, sku) == (10, 0) and Move.objects.count() == moves


@pytest.mark.parametrize("quantity", ["0", "-1", "1.5", "abc", "1e20"])
def test_bad_quantities_are_refused(wh, sku, quantity):
    err = code_of(
        lambda: receive(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, quantity)])
    )
    assert err.code == "invalid_quantity"
    assert not Move.objects.exists()


def test_fractional_units_keep_thousandths(wh, world):
    kg = UnitFactory(code="kg", name="千克", allows_fraction=True)
    tea = make_product(world.group, "LOOSE-TEA", unit=kg).skus.get()
    receive(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(tea.pk, "2.5")])
    issue(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(tea.pk, "0.125")])
    assert stock_of(wh, tea) == (2375, 0)
    assert (
        code_of(
            lambda: issue(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(tea.pk, "0.0001")])
        ).code
        == "invalid_quantity"
    )


def test_batches_issue_first_expiring_first_and_expired_ones_are_refused(wh, batch_sku):
    today = clock.today()
    assert (
        code_of(
            lambda: receive(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(batch_sku.pk, 5)])
        ).code
        == "batch_required"
    )
    receive(
        actor=SYSTEM,
        warehouse_id=wh.pk,
        lines=[
            StockLine(batch_sku.pk, 10, "B-LATE", expires_on=today + dt.timedelta(days=90)),
            StockLine(batch_sku.pk, 10, "B-SOON", expires_on=today + dt.timedelta(days=10)),
            StockLine(batch_sku.pk, 10, "B-OLD", expires_on=today - dt.timedelta(days=1)),
        ],
    )
    moves = issue(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(batch_sku.pk, 15)])
    taken = {m.stock.batch.code: m.quantity for m in moves}
    assert taken == {"B-SOON": -10, "B-LATE": -5}
    assert (
        code_of(
            lambda: issue(
                actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(batch_sku.pk, 1, "B-OLD")]
            )
        ).code
        == "batch_expired"
    )
    # the expired batch does not count as available
    assert (
        code_of(
            lambda: issue(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(batch_sku.pk, 6)])
        ).code
        == "insufficient_stock"
    )
    clean()


def test_reserve_release_issue_and_expire(wh, sku):
    receive(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, 10)])
    first = reserve(
        actor=SYSTEM, source_type="order", source_id="SO-1", lines=[ReserveLine(wh.pk, sku.pk, 6)]
    )
    assert stock_of(wh, sku) == (10, 6)
    # the same order asking again gets the same reservation; another amount is refused
    again = reserve(
        actor=SYSTEM, source_type="order", source_id="SO-1", lines=[ReserveLine(wh.pk, sku.pk, 6)]
    )
    assert again.pk == first.pk
    assert (
        code_of(
            lambda: reserve(
                actor=SYSTEM,
                source_type="order",
                source_id="SO-1",
                lines=[ReserveLine(wh.pk, sku.pk, 5)],
            )
        ).code
        == "already_reserved"
    )
    # reserved stock is not available to a plain issue, nor to another order
    assert (
        code_of(lambda: issue(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, 5)])).code
        == "insufficient_stock"
    )
    assert (
        code_of(
            lambda: reserve(
                actor=SYSTEM,
                source_type="order",
                source_id="SO-2",
                lines=[ReserveLine(wh.pk, sku.pk, 5)],
            )
        ).code
        == "insufficient_stock"
    )
    issue_reserved(actor=SYSTEM, reservation_id=first.pk)
    assert stock_of(wh, sku) == (4, 0)
    assert code_of(lambda: release(actor=SYSTEM, reservation_id=first.pk)).code == (
        "reservation_closed"
    )
    second = reserve(
        actor=SYSTEM, source_type="order", source_id="SO-2", lines=[ReserveLine(wh.pk, sku.pk, 4)]
    )
    release(actor=SYSTEM, reservation_id=second.pk)
    assert stock_of(wh, sku) == (4, 0)
    third = reserve(
        actor=SYSTEM,
        source_type="order",
        source_id="SO-3",
        lines=[ReserveLine(wh.pk, sku.pk, 3)],
        expires_at=clock.now() + dt.timedelta(minutes=15),
    )
    assert expire_reservations() == 0
    assert expire_reservations(now=clock.now() + dt.timedelta(minutes=16)) == 1
    assert Reservation.objects.get(pk=third.pk).status == "expired"
    assert stock_of(wh, sku) == (4, 0)
    clean()


def test_moves_are_append_only(wh, sku):
    receive(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, 1)])
    move = Move.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        Move.objects.filter(pk=move.pk).update(quantity=100)
    with pytest.raises(DatabaseError), transaction.atomic():
        Move.objects.filter(pk=move.pk).delete()
    assert Move.objects.get().quantity == 1


def test_another_organisations_warehouse_is_unknown(world, wh, sku):
    from omni.catalog.tests.factories import actor

    south = actor(
        "inventory.stock.receive", "inventory.reservation.create", org_ids=(world.south.pk,)
    )
    assert (
        code_of(lambda: receive(actor=south, warehouse_id=wh.pk, lines=[StockLine(sku.pk, 1)])).code
        == "unknown_warehouse"
    )
    assert (
        code_of(
            lambda: reserve(
                actor=south,
                source_type="order",
                source_id="X",
                lines=[ReserveLine(wh.pk, sku.pk, 1)],
            )
        ).code
        == "unknown_warehouse"
    )
    assert not Move.objects.exists()


def test_unknown_sku_and_decimal_strings(wh):
    assert (
        code_of(
            lambda: receive(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(999_999, 1)])
        ).code
        == "unknown_sku"
    )
    assert Decimal("1") == Decimal(1)


def test_a_transfer_ships_then_arrives_in_parts_and_closes_short(world, wh, sku):
    from omni.inventory.models import Transfer
    from omni.inventory.services.transfers import (
        close_short,
        in_transit,
        receive_transfer,
        ship_transfer,
    )

    hz = create_warehouse(
        actor=SYSTEM, org_id=world.east.pk, code="HZ-01", name="杭州分仓", kind="regional"
    )
    receive(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, 100)])
    assert (
        code_of(
            lambda: ship_transfer(
                actor=SYSTEM, source_id=wh.pk, target_id=wh.pk, lines=[StockLine(sku.pk, 1)]
            )
        ).code
        == "same_warehouse"
    )
    transfer = ship_transfer(
        actor=SYSTEM, source_id=wh.pk, target_id=hz.pk, lines=[StockLine(sku.pk, 60)]
    )
    assert stock_of(wh, sku) == (40, 0) and stock_of(hz, sku) == (0, 0)
    assert in_transit([hz.pk]) == {(hz.pk, sku.pk): 60}
    line = transfer.lines.get()
    assert (
        code_of(
            lambda: receive_transfer(actor=SYSTEM, transfer_id=transfer.pk, received={line.pk: 61})
        ).code
        == "over_receipt"
    )
    receive_transfer(actor=SYSTEM, transfer_id=transfer.pk, received={line.pk: 50})
    assert Transfer.objects.get(pk=transfer.pk).status == "partly_received"
    assert stock_of(hz, sku) == (50, 0) and in_transit([hz.pk]) == {(hz.pk, sku.pk): 10}
    assert code_of(lambda: close_short(actor=SYSTEM, transfer_id=transfer.pk, reason=" ")).code == (
        "reason_required"
    )
    close_short(actor=SYSTEM, transfer_id=transfer.pk, reason="运输破损 10 箱")
    assert in_transit([hz.pk]) == {}
    assert code_of(lambda: receive_transfer(actor=SYSTEM, transfer_id=transfer.pk)).code == (
        "transfer_closed"
    )
    kinds = list(
        Move.objects.filter(source_type="inventory.transfer").values_list("kind", flat=True)
    )
    assert sorted(kinds) == ["transfer_in", "transfer_out"]
    clean()
