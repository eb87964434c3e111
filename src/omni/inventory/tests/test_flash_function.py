"""Flash-sale reservations on PostgreSQL go through `inventory_flash_reserve(...)` (one
round trip), elsewhere through Python: both leave the same rows and answer the same codes,
and the customer scope (dealer for itself, staff in scope, the sale's organisation
subtree) holds on either path."""

from __future__ import annotations

import datetime as dt

import pytest

from omni.inventory.models import FlashBucket, FlashClaim, FlashReservation, FlashSale
from omni.inventory.services import flash
from omni.inventory.services.flash import (
    cancel_flash,
    create_flash_sale,
    expire_flash_reservations,
    reserve_flash,
)
from omni.kernel import clock
from omni.kernel.actors import Actor, ActorKind
from omni.kernel.errors import DomainError
from omni.kernel.scope import DataScope
from omni.party.models import Customer
from omni.party.tests.factories import SYSTEM

from .test_flash import POSTGRES, clean, setup_sale

PATHS = ["function", "python"] if POSTGRES else ["python"]


@pytest.fixture(params=PATHS)
def path(request, monkeypatch):
    if request.param == "python":
        monkeypatch.setattr(flash, "_use_function", lambda: False)
    else:
        flash._scopes.clear()
    return request.param


def outcome(call) -> str:
    try:
        call()
    except DomainError as exc:
        return exc.code
    return "ok"


def rows(sale_id: int) -> dict:
    return {
        "pool": list(
            FlashBucket.objects.filter(sale_id=sale_id)
            .order_by("index")
            .values_list("index", "remaining")
        ),
        "claims": sorted(
            FlashClaim.objects.filter(sale_id=sale_id).values_list("customer_id", "quantity")
        ),
        "reservations": [
            (r.customer_id, r.parts, r.quantity, r.status)
            for r in FlashReservation.objects.filter(sale_id=sale_id).order_by("pk")
        ],
    }


def scenario(sale: FlashSale, by_residue: dict[int, list[int]], monkeypatch, path: str):
    """Pool 7 in buckets [3, 2, 2], limit 4: own bucket, the next one, units gathered over
    buckets, limit by the sum and by one call, sold out (all rolled back), cancel, expiry."""
    if path == "python":
        monkeypatch.setattr(flash, "_use_function", lambda: False)
    else:
        monkeypatch.setattr(flash, "_use_function", lambda: True)
    r0, r0b = by_residue[0][:2]
    r1, r1b = by_residue[1][:2]
    r2 = by_residue[2][0]
    got: list[str] = []
    made: list[FlashReservation] = []

    def buy(customer: int, quantity: int) -> None:
        made.append(
            reserve_flash(actor=SYSTEM, sale_id=sale.pk, customer_id=customer, quantity=quantity)
        )

    for customer, quantity in [(r1, 2), (r1b, 1), (r2, 2), (r0, 2), (r0b, 1), (r2, 3), (r0b, 5)]:
        got.append(outcome(lambda c=customer, q=quantity: buy(c, q)))
    cancel_flash(actor=SYSTEM, reservation_id=made[0].pk)
    for customer, quantity in [(r0b, 3), (r0b, 2)]:
        got.append(outcome(lambda c=customer, q=quantity: buy(c, q)))
    for returned in made:  # what the service returned is what was written
        stored = FlashReservation.objects.get(pk=returned.pk)
        assert returned.parts == stored.parts and returned.quantity == stored.quantity
        assert (returned.sale_id, returned.customer_id) == (stored.sale_id, stored.customer_id)
        assert returned.status == "reserved"
        assert stored.status == ("cancelled" if returned is made[0] else "reserved")
        assert returned.expires_at == stored.expires_at
        assert abs(returned.created_at - stored.created_at) < dt.timedelta(seconds=1)
        window = stored.expires_at - stored.created_at
        assert abs(window - dt.timedelta(seconds=sale.pay_within_seconds)) < dt.timedelta(seconds=5)
    before_expiry = rows(sale.pk)
    later = clock.now() + dt.timedelta(seconds=sale.pay_within_seconds + 1)
    expire_flash_reservations(now=later)
    return got, before_expiry, rows(sale.pk)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_function_and_python_leave_the_same_rows(monkeypatch):
    """Autocommit (transaction=True): the function runs as its own statement."""
    world, wh, sku, first, _ = setup_sale(quantity=7, limit=4, buckets=3, customers=9)
    now = clock.now()
    second = create_flash_sale(
        actor=SYSTEM,
        name="同款秒杀",
        warehouse_id=wh.pk,
        sku_id=sku.pk,
        quantity=7,
        per_customer_limit=4,
        starts_at=now - dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(hours=1),
        buckets=3,
    )
    by_residue: dict[int, list[int]] = {0: [], 1: [], 2: []}
    for pk in Customer.objects.filter(code__startswith="FS").values_list("pk", flat=True):
        by_residue[pk % 3].append(pk)
    assert all(len(v) >= 2 for v in by_residue.values())
    sql = scenario(first, by_residue, monkeypatch, "function")
    py = scenario(second, by_residue, monkeypatch, "python")
    assert sql == py
    codes, before, after = sql
    assert codes == [
        "ok",  # own bucket 1
        "ok",  # bucket 1 empty: the next one
        "ok",  # bucket 2 short of 2: bucket 0
        "ok",  # no bucket holds 2: gathered from buckets 0 and 2
        "sold_out",
        "limit_reached",  # 2 + 3 > 4
        "limit_reached",  # 5 > 4 in one call
        "sold_out",  # 3 wanted after the cancel, 2 left: nothing kept
        "ok",
    ]
    parts = [r[1] for r in before["reservations"]]
    assert parts[3] == {"0": 1, "2": 1}
    assert before["pool"] == [(0, 0), (1, 0), (2, 0)]
    assert after["pool"] == [(0, 3), (1, 2), (2, 2)]
    assert all(q == 0 for _, q in after["claims"])
    assert world is not None
    clean()


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_function_inside_a_callers_transaction_keeps_it_usable():
    """Inside a transaction the call runs under a savepoint: a refusal rolls back its own
    writes only, and the caller's transaction goes on."""
    world, _wh, _sku, sale, _ = setup_sale(quantity=1, limit=1, buckets=1)
    reserve_flash(actor=SYSTEM, sale_id=sale.pk, customer_id=world.sh_dealer.pk)
    assert (
        outcome(lambda: reserve_flash(actor=SYSTEM, sale_id=sale.pk, customer_id=world.sh_store.pk))
        == "sold_out"
    )
    assert FlashClaim.objects.filter(sale=sale, customer=world.sh_store).count() == 0
    assert FlashReservation.objects.filter(sale=sale).count() == 1
    clean()


def staff(scope: DataScope) -> Actor:
    return Actor(
        kind=ActorKind.USER,
        id=4242,
        name="秒杀专员",
        permissions=frozenset({"inventory.flash.reserve"}),
        scope=scope,
    )


@pytest.mark.django_db
def test_scope_dealer_for_itself_staff_in_scope_sale_in_subtree(path):
    world, _wh, _sku, sale, _ = setup_sale(quantity=10, limit=5, buckets=2)
    dealer = staff(DataScope(bound_customer_id=world.sh_dealer.pk))
    # a dealer reserves for itself, whatever customer it names
    mine = reserve_flash(actor=dealer, sale_id=sale.pk, customer_id=world.sh_store.pk)
    assert mine.customer_id == world.sh_dealer.pk
    east = staff(DataScope(org_ids=frozenset({world.east_sales.pk})))
    assert reserve_flash(actor=east, sale_id=sale.pk, customer_id=world.sh_store.pk).quantity == 1
    # a customer outside the actor's scope does not exist for it, whatever the quantity
    for quantity in (1, 0, "x"):
        assert (
            outcome(
                lambda q=quantity: reserve_flash(
                    actor=east, sale_id=sale.pk, customer_id=world.gz_dealer.pk, quantity=q
                )
            )
            == "unknown_customer"
        )
    assert outcome(lambda: reserve_flash(actor=east, sale_id=sale.pk)) == "unknown_customer"
    # in scope, but the sale is for another organisation's customers: not found
    south = staff(DataScope(org_ids=frozenset({world.south.pk})))
    for quantity in (1, 0):
        assert (
            outcome(
                lambda q=quantity: reserve_flash(
                    actor=south, sale_id=sale.pk, customer_id=world.gz_dealer.pk, quantity=q
                )
            )
            == "not_found"
        )
    assert (
        outcome(lambda: reserve_flash(actor=SYSTEM, sale_id=sale.pk, customer_id=10**12))
        == "unknown_customer"
    )
    assert (
        outcome(
            lambda: reserve_flash(
                actor=SYSTEM, sale_id=sale.pk + 999, customer_id=world.sh_dealer.pk
            )
        )
        == "not_found"
    )
    nobody = staff(DataScope.nothing())
    assert (
        outcome(lambda: reserve_flash(actor=nobody, sale_id=sale.pk, customer_id=world.sh_store.pk))
        == "unknown_customer"
    )
    assert FlashReservation.objects.filter(sale=sale).count() == 2
    clean()


@pytest.mark.django_db
def test_window_refusals_carry_the_sale_times(path):
    world, _wh, _sku, sale, _ = setup_sale()
    start = clock.now() + dt.timedelta(minutes=5)
    FlashSale.objects.filter(pk=sale.pk).update(starts_at=start)
    with pytest.raises(DomainError) as exc:
        reserve_flash(actor=SYSTEM, sale_id=sale.pk, customer_id=world.sh_dealer.pk)
    assert exc.value.code == "not_started"
    assert dt.datetime.fromisoformat(exc.value.details["starts_at"]) == start
    end = clock.now() - dt.timedelta(seconds=1)
    FlashSale.objects.filter(pk=sale.pk).update(starts_at=end - dt.timedelta(hours=1), ends_at=end)
    with pytest.raises(DomainError) as exc:
        reserve_flash(actor=SYSTEM, sale_id=sale.pk, customer_id=world.sh_dealer.pk)
    assert exc.value.code == "ended"
    assert dt.datetime.fromisoformat(exc.value.details["ends_at"]) == end
    assert not FlashReservation.objects.exists() and not FlashClaim.objects.exists()
