"""Property test: any sequence of receipts, issues, adjustments, reservations, releases and
issues of reservations keeps on hand equal to the sum of moves, available >= 0, and the
stock what a plain model of it says."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omni.catalog.tests.factories import make_product
from omni.inventory.models import Stock
from omni.inventory.services.reservations import ReserveLine, issue_reserved, release, reserve
from omni.inventory.services.stock import StockLine, adjust, issue, receive
from omni.inventory.services.warehouses import create_warehouse
from omni.kernel.errors import DomainError
from omni.kernel.integrity import run_checks
from omni.party.tests.factories import SYSTEM, make_world

pytestmark = pytest.mark.django_db

qty = st.integers(min_value=1, max_value=40)
operation = st.one_of(
    st.tuples(st.just("receive"), qty),
    st.tuples(st.just("issue"), qty),
    st.tuples(st.just("adjust"), st.integers(-30, 30).filter(bool)),
    st.tuples(st.just("reserve"), qty),
    st.tuples(st.just("release"), st.integers(0, 20)),
    st.tuples(st.just("ship"), st.integers(0, 20)),
)


@pytest.fixture(scope="module")
def counter():
    return {"n": 0}


@pytest.fixture
def place():
    world = make_world()
    wh = create_warehouse(
        actor=SYSTEM, org_id=world.east.pk, code="P-01", name="属性测试仓", kind="central"
    )
    return wh, make_product(world.group, "PROP").skus.get()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, max_size=25))
def test_any_sequence_keeps_stock_equal_to_its_moves(place, counter, ops):
    wh, sku = place
    row = Stock.objects.filter(warehouse=wh, sku=sku).first()
    on_hand, reserved = (row.on_hand, row.reserved) if row else (0, 0)
    open_ones: list[tuple[int, int]] = []
    for op in ops:
        counter["n"] += 1
        kind, n = op
        try:
            if kind == "receive":
                receive(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, n)])
                on_hand += n
            elif kind == "issue":
                issue(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, n)])
                on_hand -= n
            elif kind == "adjust":
                adjust(actor=SYSTEM, warehouse_id=wh.pk, line=StockLine(sku.pk, n), reason="盘点")
                on_hand += n
            elif kind == "reserve":
                r = reserve(
                    actor=SYSTEM,
                    source_type="prop",
                    source_id=str(counter["n"]),
                    lines=[ReserveLine(wh.pk, sku.pk, n)],
                )
                reserved += n
                open_ones.append((r.pk, n))
            elif kind == "release" and open_ones:
                pk, held = open_ones.pop(n % len(open_ones))
                release(actor=SYSTEM, reservation_id=pk)
                reserved -= held
            elif kind == "ship" and open_ones:
                pk, held = open_ones.pop(n % len(open_ones))
                issue_reserved(actor=SYSTEM, reservation_id=pk)
                reserved -= held
                on_hand -= held
        except DomainError as exc:
            assert exc.code == "insufficient_stock", exc
        now = Stock.objects.filter(warehouse=wh, sku=sku).values_list("on_hand", "reserved")
        assert (tuple(now.first() or (0, 0))) == (on_hand, reserved)
        assert on_hand - reserved >= 0
    assert not [f for f in run_checks() if f.check.startswith("inventory.")]
