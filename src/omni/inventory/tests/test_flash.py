"""Flash sales: the pool never oversells, a customer's limit holds across buckets, the
sale's window is kept, an unpaid reservation goes back to the pool once. Races on real
threads: PostgreSQL the full size, SQLite the same invariants, smaller."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from omni.catalog.tests.factories import make_product
from omni.inventory.models import FlashBucket, FlashReservation, Stock
from omni.inventory.services.flash import (
    cancel_flash,
    create_flash_sale,
    expire_flash_reservations,
    pay_flash,
    reserve_flash,
)
from omni.inventory.services.stock import StockLine, receive
from omni.inventory.services.warehouses import create_warehouse
from omni.kernel import clock
from omni.kernel.errors import DomainError
from omni.kernel.integrity import run_checks
from omni.kernel.testing import race
from omni.party.models import Customer
from omni.party.tests.factories import SYSTEM, make_world

POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
THREADS = 40 if POSTGRES else 8


def setup_sale(quantity=100, limit=2, buckets=1, customers=0):
    world = make_world()
    wh = create_warehouse(
        actor=SYSTEM, org_id=world.east.pk, code="SH-01", name="上海中心仓", kind="central"
    )
    sku = make_product(world.group, "GIFT-BOX").skus.get()
    receive(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, 500)])
    now = clock.now()
    sale = create_flash_sale(
        actor=SYSTEM,
        name="双十一礼盒秒杀",
        warehouse_id=wh.pk,
        sku_id=sku.pk,
        quantity=quantity,
        per_customer_limit=limit,
        starts_at=now - dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(hours=1),
        buckets=buckets,
    )
    buyers = [
        Customer.objects.create(
            code=f"FS{i:03d}",
            name=f"秒杀客户{i}",
            kind="store",
            org=world.east_sales,
            status="active",
            region_id=world.sh_dealer.region_id,
        ).pk
        for i in range(customers)
    ]
    return world, wh, sku, sale, buyers


def clean():
    assert not [f for f in run_checks() if f.check.startswith("inventory.")]


def code(call):
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code


@pytest.mark.django_db
def test_limits_window_expiry_and_payment():
    world, wh, sku, sale, _ = setup_sale(quantity=5, limit=2, buckets=2)
    assert Stock.objects.get(warehouse=wh, sku=sku).reserved == 5  # set aside for the sale
    dealer = world.sh_dealer.pk
    first = reserve_flash(actor=SYSTEM, sale_id=sale.pk, customer_id=dealer)
    reserve_flash(actor=SYSTEM, sale_id=sale.pk, customer_id=dealer)
    assert code(lambda: reserve_flash(actor=SYSTEM, sale_id=sale.pk, customer_id=dealer)) == (
        "limit_reached"
    )
    store = world.sh_store.pk
    reserve_flash(actor=SYSTEM, sale_id=sale.pk, customer_id=store, quantity=2)
    # one left in the pool
    assert sum(FlashBucket.objects.filter(sale=sale).values_list("remaining", flat=True)) == 1
    pay_flash(actor=SYSTEM, reservation_id=first.pk)
    assert code(lambda: cancel_flash(actor=SYSTEM, reservation_id=first.pk)) == (
        "reservation_closed"
    )
    later = clock.now() + dt.timedelta(seconds=sale.pay_within_seconds + 1)
    assert expire_flash_reservations(now=later) == 2  # the unpaid ones, once
    assert expire_flash_reservations(now=later) == 0
    assert sum(FlashBucket.objects.filter(sale=sale).values_list("remaining", flat=True)) == 4
    # the dealer's expired unit frees one of its limit again
    reserve_flash(actor=SYSTEM, sale_id=sale.pk, customer_id=dealer)
    clean()


@pytest.mark.django_db
def test_window_and_bad_input():
    world, _wh, _sku, sale, _ = setup_sale()
    dealer = world.sh_dealer.pk
    sale.starts_at = clock.now() + dt.timedelta(minutes=5)
    sale.save()
    assert code(lambda: reserve_flash(actor=SYSTEM, sale_id=sale.pk, customer_id=dealer)) == (
        "not_started"
    )
    sale.starts_at, sale.ends_at = clock.now() - dt.timedelta(hours=2), clock.now()
    sale.save()
    assert code(lambda: reserve_flash(actor=SYSTEM, sale_id=sale.pk, customer_id=dealer)) == "ended"
    assert (
        code(lambda: reserve_flash(actor=SYSTEM, sale_id=sale.pk, customer_id=dealer, quantity=0))
        == "invalid_quantity"
    )
    assert not FlashReservation.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("buckets", [1, 8])
def test_many_buyers_never_oversell_and_limits_hold_across_buckets(buckets):
    _world, _wh, _sku, sale, buyers = setup_sale(
        quantity=100, limit=3, buckets=buckets, customers=THREADS
    )
    attempts = 60 if POSTGRES else 20

    def buyer(customer):
        def run():
            got = 0
            for _ in range(attempts):
                try:
                    reserve_flash(actor=SYSTEM, sale_id=sale.pk, customer_id=customer)
                    got += 1
                except DomainError as exc:
                    assert exc.code in ("sold_out", "limit_reached"), exc.code
            return got

        return run

    result = race([buyer(c) for c in buyers])
    assert not result.errors, result.errors[:3]
    assert all(n <= 3 for n in result.results)  # the limit, whatever bucket served them
    assert sum(result.results) == min(100, 3 * len(buyers))
    assert FlashReservation.objects.filter(sale=sale).count() == sum(result.results)
    assert all(
        r >= 0 for r in FlashBucket.objects.filter(sale=sale).values_list("remaining", flat=True)
    )
    clean()
