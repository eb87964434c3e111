"""Transfer, count, reorder-point, low-stock and flash-sale pages as the demo roles would use
them: the east keeper (warehouse role: counts too) ships and receives a transfer, starts a
count; a counter counts blind; a lead who did not count approves; a sales admin creates a
flash sale; a dealer grabs it on its portal page; outsiders get 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from omni.catalog.tests.factories import make_product
from omni.inventory.models import FlashReservation, Stock, StockCount, Transfer
from omni.inventory.services.counts import start_count
from omni.inventory.services.flash import create_flash_sale
from omni.inventory.services.stock import StockLine, receive
from omni.inventory.services.warehouses import create_warehouse
from omni.kernel import clock
from omni.party.tests.factories import SYSTEM, client_for, make_world, user_with

pytestmark = pytest.mark.django_db

KEEPER = [
    "inventory.warehouse.view",
    "inventory.stock.view",
    "inventory.stock.receive",
    "inventory.stock.issue",
    "inventory.stock.adjust",
    "inventory.stock.count",
    "inventory.reservation.view",
    "catalog.product.view",
]
PAGES = [
    "/inventory/transfers/",
    "/inventory/transfers/new/",
    "/inventory/counts/",
    "/inventory/counts/new/",
    "/inventory/reorder-rules/",
    "/inventory/reorder-rules/set/",
    "/inventory/low-stock/",
]


@pytest.fixture
def world():
    w = make_world()
    w.sh = create_warehouse(
        actor=SYSTEM, org_id=w.east_sales.pk, code="SH-01", name="华东中心仓", kind="central"
    )
    w.sh2 = create_warehouse(
        actor=SYSTEM, org_id=w.east_sales.pk, code="SH-02", name="上海门店仓", kind="store"
    )
    w.gz = create_warehouse(
        actor=SYSTEM, org_id=w.south_sales.pk, code="GZ-01", name="华南中心仓", kind="central"
    )
    w.water = make_product(w.group, "WATER", name="天然矿泉水").skus.get()
    receive(actor=SYSTEM, warehouse_id=w.sh.pk, lines=[StockLine(w.water.pk, 1200)])
    receive(actor=SYSTEM, warehouse_id=w.gz.pk, lines=[StockLine(w.water.pk, 77)])
    return w


@pytest.fixture
def keeper(world):
    return client_for(user_with("keeper", KEEPER, "org", org=world.east_sales))


def test_every_page_opens_and_the_subnav_links_them(world, keeper):
    for url in PAGES:
        assert keeper.get(url).status_code == 200, url
    html = keeper.get("/inventory/stock/").content.decode()
    for url in ("/inventory/transfers/", "/inventory/counts/", "/inventory/low-stock/"):
        assert f'href="{url}"' in html
    assert 'href="/inventory/flash-sales/"' not in html  # no flash.view: no link
    assert keeper.get("/inventory/flash-sales/").status_code == 404


def test_ship_receive_in_part_and_close_short(world, keeper):
    res = keeper.post(
        "/inventory/transfers/new/",
        {"warehouse": world.sh.pk, "target": world.sh2.pk, "sku": "water-1", "quantity": "24"},
    )
    transfer = Transfer.objects.get()
    assert res.status_code == 302 and res.url == f"/inventory/transfers/{transfer.pk}/"
    html = keeper.get(res.url).content.decode()
    assert 'data-test="receive-line"' in html and 'data-test="close-short"' in html
    line = transfer.lines.get()
    keeper.post(res.url, {"action": "receive", "line": line.pk, "quantity": "20"})
    line.refresh_from_db()
    assert line.received == 20
    keeper.post(res.url, {"action": "receive", "line": line.pk, "quantity": "9"})  # too much
    line.refresh_from_db()
    assert line.received == 20
    keeper.post(res.url, {"action": "close", "reason": "途中破损"})
    transfer.refresh_from_db()
    assert transfer.status == "closed_short" and transfer.discrepancy_reason == "途中破损"
    html = keeper.get(res.url).content.decode()
    assert 'data-test="decide"' not in html and "途中破损" in html
    # the same warehouse: the form shows the error, nothing shipped
    res = keeper.post(
        "/inventory/transfers/new/",
        {"warehouse": world.sh.pk, "target": world.sh.pk, "sku": "WATER-1", "quantity": "1"},
    )
    assert res.status_code == 200 and Transfer.objects.count() == 1


def test_a_counter_counts_blind_and_a_lead_approves(world, keeper):
    res = keeper.post(
        "/inventory/counts/new/",
        {"warehouse": world.sh.pk, "kind": "partial", "skus": "WATER-1", "note": "月末抽盘"},
    )
    count = StockCount.objects.get()
    assert res.status_code == 302 and res.url == f"/inventory/counts/{count.pk}/"
    counter = client_for(
        user_with("counter", ["inventory.stock.count"], "org", org=world.east_sales)
    )
    html = counter.get(res.url).content.decode()
    assert 'data-test="blind"' in html and 'data-test="book"' not in html
    assert "1,200" not in html and 'data-test="approve"' not in html
    line = count.lines.get()
    counter.post(res.url, {"action": "enter", f"line-{line.pk}": "1190"})
    assert counter.get("/inventory/counts/").status_code == 200
    assert counter.get("/inventory/stock/").status_code == 404
    # a quick count is agreed by one counter; this partial count needs a second
    second = client_for(
        user_with("counter-2", ["inventory.stock.count"], "org", org=world.east_sales)
    )
    second.post(res.url, {"action": "enter", f"line-{line.pk}": "1190"})
    html = keeper.get(res.url).content.decode()
    assert 'data-test="book"' in html and "-10" in html and 'data-test="approve"' in html
    keeper.post(res.url, {"action": "approve"})
    count.refresh_from_db()
    assert count.status == "approved"
    assert Stock.objects.get(warehouse=world.sh, sku=world.water).on_hand == 1190


def test_a_lead_who_counted_gets_no_approve_button(world, keeper):
    count = start_count(
        actor=SYSTEM, warehouse_id=world.sh.pk, kind="quick", sku_ids=[world.water.pk]
    )
    url = f"/inventory/counts/{count.pk}/"
    keeper.post(url, {"action": "enter", f"line-{count.lines.get().pk}": "1200"})
    html = keeper.get(url).content.decode()
    assert 'data-test="approve"' not in html and 'data-test="cancel"' in html
    keeper.post(url, {"action": "approve"})  # no button, no approval
    count.refresh_from_db()
    assert count.status == "counting"


def test_reorder_rule_form_and_low_stock_page(world, keeper):
    res = keeper.post(
        "/inventory/reorder-rules/set/",
        {
            "warehouse": world.sh.pk,
            "sku": "WATER-1",
            "safety_stock": "1300",
            "reorder_point": "1500",
        },
    )
    assert res.status_code == 302
    html = keeper.get("/inventory/low-stock/").content.decode()
    assert 'data-sku="WATER-1"' in html and 'data-test="below-safety"' in html
    res = keeper.post(
        "/inventory/reorder-rules/set/",
        {"warehouse": world.sh.pk, "sku": "WATER-1", "safety_stock": "10", "reorder_point": "5"},
    )
    assert res.status_code == 200  # the reorder point below the safety stock: on the form
    assert 'data-sku="WATER-1"' in keeper.get("/inventory/reorder-rules/").content.decode()


def test_flash_sale_pages_and_the_dealer_grabs_one(world):
    admin = client_for(
        user_with(
            "sales-admin",
            ["inventory.flash.view", "inventory.flash.edit", "inventory.stock.view"],
            "org",
            org=world.east_sales,
        )
    )
    now = timezone.localtime(clock.now())  # the form's times are local
    res = admin.post(
        "/inventory/flash-sales/new/",
        {
            "name": "夏日秒杀",
            "warehouse": world.sh.pk,
            "sku": "WATER-1",
            "quantity": "10",
            "per_customer_limit": "2",
            "starts_at": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "pay_within_minutes": "15",
            "buckets": "2",
        },
    )
    assert res.status_code == 302, res.content.decode()[-2000:]
    html = admin.get(res.url).content.decode()
    assert 'data-bucket="1"' in html and 'data-test="no-reservations"' in html
    assert "夏日秒杀" in admin.get("/inventory/flash-sales/").content.decode()
    dealer = client_for(
        user_with("dealer", ["inventory.flash.reserve"], "own", customer=world.sh_dealer)
    )
    html = dealer.get("/inventory/flash/").content.decode()
    assert 'data-test="grab"' in html
    assert 'href="/inventory/flash/"' in dealer.get("/").content.decode()
    sale_id = html.split('name="sale" value="')[1].split('"')[0]
    dealer.post("/inventory/flash/", {"sale": sale_id, "quantity": "2"})
    assert FlashReservation.objects.get().customer_id == world.sh_dealer.pk
    res = dealer.post("/inventory/flash/", {"sale": sale_id, "quantity": "1"}, follow=True)
    assert FlashReservation.objects.count() == 1  # over its limit: refused, said so
    assert 'data-test="my-reservations"' in res.content.decode()
    assert dealer.get(f"/inventory/flash-sales/{sale_id}/").status_code == 404
    html = admin.get(f"/inventory/flash-sales/{sale_id}/").content.decode()
    assert f'data-reservation="{FlashReservation.objects.get().pk}"' in html


def test_a_dealer_without_rights_and_a_south_keeper_get_404(world):
    sale = create_flash_sale(
        actor=SYSTEM,
        name="秒杀",
        warehouse_id=world.sh.pk,
        sku_id=world.water.pk,
        quantity=5,
        per_customer_limit=1,
        starts_at=clock.now() - dt.timedelta(hours=1),
        ends_at=clock.now() + dt.timedelta(hours=1),
    )
    plain = client_for(user_with("plain", ["party.customer.view"], "own", customer=world.sh_dealer))
    for url in [*PAGES, "/inventory/flash/", f"/inventory/flash-sales/{sale.pk}/"]:
        assert plain.get(url).status_code == 404, url
    south = client_for(user_with("south", KEEPER, "org", org=world.south_sales))
    count = start_count(actor=SYSTEM, warehouse_id=world.sh.pk, kind="full")
    assert south.get(f"/inventory/counts/{count.pk}/").status_code == 404
