"""Stock counts: the counted SKUs are locked (no moves, no second count), counters count
blind and a disagreement is counted again, approval (by someone who did not count) posts the
differences as count moves and lifts the locks."""

from __future__ import annotations

import pytest

from omni.catalog.tests.factories import actor, make_product
from omni.inventory.models import Move, StockCount
from omni.inventory.services.counts import (
    approve_count,
    cancel_count,
    enter_counts,
    lines_to_recount,
    request_recount,
    start_count,
)
from omni.inventory.services.reservations import ReserveLine, reserve
from omni.inventory.services.stock import StockLine, issue, receive
from omni.inventory.services.warehouses import create_warehouse
from omni.kernel.errors import DomainError
from omni.kernel.integrity import run_checks
from omni.party.tests.factories import SYSTEM, make_world

pytestmark = pytest.mark.django_db
COUNT = ("inventory.stock.count",)
LEAD = ("inventory.stock.adjust", "inventory.stock.count")


def code(call):
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code


def test_blind_count_recount_and_approval():
    world = make_world()
    wh = create_warehouse(
        actor=SYSTEM, org_id=world.east.pk, code="SH-01", name="上海中心仓", kind="central"
    )
    water = make_product(world.group, "WATER").skus.get()
    tea = make_product(world.group, "TEA").skus.get()
    receive(
        actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(water.pk, 100), StockLine(tea.pk, 40)]
    )
    lead = actor(*LEAD, org_ids=(world.east.pk,), name="组长")
    a = actor(*COUNT, org_ids=(world.east.pk,), name="盘点员甲")
    b = actor(*COUNT, org_ids=(world.east.pk,), name="盘点员乙")
    count = start_count(actor=lead, warehouse_id=wh.pk, kind="full", note="年终盘点")
    # locked: no move and no second count of these SKUs
    assert (
        code(lambda: issue(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(water.pk, 1)]))
        == "sku_locked"
    )
    assert (
        code(
            lambda: reserve(
                actor=SYSTEM, source_type="o", source_id="1", lines=[ReserveLine(wh.pk, tea.pk, 1)]
            )
        )
        == "sku_locked"
    )
    assert (
        code(lambda: start_count(actor=lead, warehouse_id=wh.pk, kind="partial", sku_ids=[tea.pk]))
        == "sku_locked"
    )
    lines = {line.stock.sku_id: line.pk for line in count.lines.select_related("stock")}
    enter_counts(actor=a, count_id=count.pk, quantities={lines[water.pk]: 98, lines[tea.pk]: 40})
    assert (
        code(lambda: enter_counts(actor=a, count_id=count.pk, quantities={lines[tea.pk]: 41}))
        == "already_counted"
    )
    enter_counts(actor=b, count_id=count.pk, quantities={lines[water.pk]: 97, lines[tea.pk]: 40})
    assert [x.pk for x in lines_to_recount(count)] == [lines[water.pk]]
    assert code(lambda: approve_count(actor=lead, count_id=count.pk)) == "count_incomplete"
    assert request_recount(actor=lead, count_id=count.pk) == [lines[water.pk]]
    enter_counts(actor=a, count_id=count.pk, quantities={lines[water.pk]: 97})
    enter_counts(actor=b, count_id=count.pk, quantities={lines[water.pk]: 97})
    assert code(lambda: approve_count(actor=a, count_id=count.pk)) in (
        "own_count",
        "permission_denied",
    )
    approve_count(actor=lead, count_id=count.pk)
    assert StockCount.objects.get(pk=count.pk).status == "approved"
    [variance] = Move.objects.filter(kind="count")
    assert variance.quantity == -3 and variance.on_hand_after == 97
    # unlocked again
    issue(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(water.pk, 1)])
    assert code(lambda: cancel_count(actor=lead, count_id=count.pk)) == "count_closed"
    assert not [f for f in run_checks() if f.check.startswith("inventory.")]


def test_quick_count_and_cancel():
    world = make_world()
    wh = create_warehouse(
        actor=SYSTEM, org_id=world.east.pk, code="ST-01", name="南京路门店仓", kind="store"
    )
    sku = make_product(world.group, "COLA").skus.get()
    receive(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, 24)])
    lead = actor(*LEAD, org_ids=(world.east.pk,), name="店长")
    clerk = actor(*COUNT, org_ids=(world.east.pk,), name="店员")
    quick = start_count(actor=lead, warehouse_id=wh.pk, kind="quick", sku_ids=[sku.pk])
    line = quick.lines.get()
    enter_counts(actor=clerk, count_id=quick.pk, quantities={line.pk: 26})
    approve_count(actor=lead, count_id=quick.pk)
    assert Move.objects.filter(kind="count").get().quantity == 2
    again = start_count(actor=lead, warehouse_id=wh.pk, kind="partial", sku_ids=[sku.pk])
    cancel_count(actor=lead, count_id=again.pk)
    receive(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, 1)])  # unlocked
    south = actor(*LEAD, org_ids=(world.south.pk,), name="华南")
    assert code(lambda: start_count(actor=south, warehouse_id=wh.pk)) == "unknown_warehouse"
