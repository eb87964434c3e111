"""Reorder points: a SKU at or below its reorder point is on the low-stock list and its
warehouse's keepers get one notice per episode; back above, the next drop tells them again."""

from __future__ import annotations

import pytest

from omni.catalog.tests.factories import make_product
from omni.inventory.services.replenishment import (
    low_stock,
    send_low_stock_alerts,
    set_reorder_rule,
)
from omni.inventory.services.stock import StockLine, issue, receive
from omni.inventory.services.warehouses import create_warehouse
from omni.kernel import notices
from omni.kernel.errors import DomainError
from omni.party.tests.factories import SYSTEM, make_world, user_with

pytestmark = pytest.mark.django_db


def test_low_stock_list_and_one_notice_per_episode():
    world = make_world()
    wh = create_warehouse(
        actor=SYSTEM, org_id=world.east.pk, code="SH-01", name="上海中心仓", kind="central"
    )
    sku = make_product(world.group, "WATER").skus.get()
    keeper = user_with("keeper", ["inventory.stock.receive"], "org", org=world.east)
    south_keeper = user_with("sk", ["inventory.stock.receive"], "org", org=world.south)
    with pytest.raises(DomainError) as exc:
        set_reorder_rule(
            actor=SYSTEM, warehouse_id=wh.pk, sku_id=sku.pk, safety_stock=20, reorder_point=10
        )
    assert exc.value.code == "invalid_quantity"
    set_reorder_rule(
        actor=SYSTEM, warehouse_id=wh.pk, sku_id=sku.pk, safety_stock=10, reorder_point=30
    )
    receive(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, 100)])
    assert low_stock() == [] and send_low_stock_alerts() == 0
    issue(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, 75)])
    [item] = low_stock()
    assert (item.available, item.below_safety) == (25, False)
    assert send_low_stock_alerts() == 1 and send_low_stock_alerts() == 0
    assert notices.for_user(keeper.pk).get().kind == "inventory.low_stock"
    assert not notices.for_user(south_keeper.pk).exists()
    receive(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, 50)])
    assert send_low_stock_alerts() == 0  # back above: re-armed
    issue(actor=SYSTEM, warehouse_id=wh.pk, lines=[StockLine(sku.pk, 70)])
    assert low_stock()[0].below_safety
    assert send_low_stock_alerts() == 1
    assert notices.for_user(keeper.pk).count() == 2
