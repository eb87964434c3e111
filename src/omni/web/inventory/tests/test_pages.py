"""Inventory pages as a warehouse keeper of the east sales organisation: the lists open with
their filters and export, the receipt and adjustment forms move stock (a bad one shows its
error on the form and moves nothing), the reservation's page offers only the buttons the
user may press; a dealer without inventory rights gets 404 everywhere."""

from __future__ import annotations

import pytest

from omni.catalog.tests.factories import make_product
from omni.inventory.models import Move, Reservation, Stock
from omni.inventory.services.reservations import ReserveLine, reserve
from omni.inventory.services.stock import StockLine, receive
from omni.inventory.services.warehouses import create_warehouse
from omni.party.tests.factories import SYSTEM, client_for, make_world, user_with

pytestmark = pytest.mark.django_db

KEEPER = [
    "inventory.warehouse.view",
    "inventory.warehouse.export",
    "inventory.stock.view",
    "inventory.stock.receive",
    "inventory.stock.issue",
    "inventory.stock.adjust",
    "inventory.stock.export",
    "inventory.reservation.view",
    "inventory.reservation.release",
    "catalog.product.view",
]
PAGES = [
    "/inventory/stock/",
    "/inventory/moves/",
    "/inventory/warehouses/",
    "/inventory/reservations/",
    "/inventory/receipts/new/",
    "/inventory/adjustments/new/",
]


@pytest.fixture
def world():
    w = make_world()
    w.sh = create_warehouse(
        actor=SYSTEM, org_id=w.east_sales.pk, code="SH-01", name="华东中心仓", kind="central"
    )
    w.gz = create_warehouse(
        actor=SYSTEM, org_id=w.south_sales.pk, code="GZ-01", name="华南中心仓", kind="central"
    )
    w.water = make_product(w.group, "WATER", name="天然矿泉水").skus.get()
    w.juice = make_product(
        w.group, "JUICE", name="橙汁", track_batch=True, track_expiry=True, shelf_life_days=90
    ).skus.get()
    receive(actor=SYSTEM, warehouse_id=w.sh.pk, lines=[StockLine(w.water.pk, 1200)])
    receive(actor=SYSTEM, warehouse_id=w.gz.pk, lines=[StockLine(w.water.pk, 77)])
    return w


@pytest.fixture
def keeper(world):
    return client_for(user_with("keeper", KEEPER, "org", org=world.east_sales))


def test_every_page_opens_for_the_keeper(world, keeper):
    for url in ["/inventory/", *PAGES, f"/inventory/warehouses/{world.sh.pk}/"]:
        res = keeper.get(url, follow=True)
        assert res.status_code == 200, url
    html = keeper.get("/inventory/stock/").content.decode()
    assert "WATER-1" in html and "1,200 瓶" in html
    assert "华南中心仓" not in html  # the south's warehouse is not the keeper's
    assert 'href="/inventory/stock/export/' in html
    assert keeper.get(f"/inventory/warehouses/{world.gz.pk}/").status_code == 404
    home = keeper.get("/").content.decode()
    assert 'href="/inventory/"' in home  # the navigation offers the area


def test_stock_filters_and_export(world, keeper):
    held = reserve(
        actor=SYSTEM,
        source_type="order",
        source_id="SO-1",
        lines=[ReserveLine(world.sh.pk, world.water.pk, 1200)],
    )
    assert held.pk
    html = keeper.get("/inventory/stock/", {"low_only": "on"}).content.decode()
    assert 'data-sku="WATER-1"' in html and 'data-test="short"' in html
    html = keeper.get("/inventory/stock/", {"search": "nothing-like-it"}).content.decode()
    assert 'data-sku="WATER-1"' not in html
    res = keeper.get("/inventory/stock/export/")
    assert res.status_code == 200
    assert res["Content-Type"].startswith("application/vnd.openxmlformats")
    res = keeper.get("/inventory/moves/export/", {"kind": "receipt"})
    assert res.status_code == 200
    assert keeper.get("/inventory/warehouses/export/").status_code == 200


def test_the_receipt_form_receives_and_a_bad_one_moves_nothing(world, keeper):
    res = keeper.post(
        "/inventory/receipts/new/",
        {
            "warehouse": str(world.sh.pk),
            "sku": "juice-1",
            "quantity": "48",
            "batch": "20260301",
            "produced_on": "2026-03-01",
            "expires_on": "2026-05-30",
            "source_id": "PO-9",
        },
    )
    assert res.status_code == 302, res.content.decode()[:3000]
    assert res.url == f"/inventory/moves/?warehouse={world.sh.pk}"
    row = Stock.objects.get(warehouse=world.sh, sku=world.juice)
    assert row.on_hand == 48 and row.batch.code == "20260301"
    html = keeper.get(res.url).content.decode()
    assert "PO-9" in html and "+48 瓶" in html
    before = Move.objects.count()
    for bad, field_error in (
        ({"sku": "JUICE-1", "quantity": "5"}, "batch"),  # batch-managed: give one
        ({"sku": "WATER-1", "quantity": "1.5"}, "quantity"),  # a fraction of a bottle
        ({"sku": "NO-SUCH", "quantity": "5"}, "sku"),
    ):
        res = keeper.post("/inventory/receipts/new/", {"warehouse": str(world.sh.pk), **bad})
        assert res.status_code == 200
        form = res.context["form"]
        assert form.errors.get(field_error), (bad, form.errors)
    res = keeper.post(
        "/inventory/receipts/new/",
        {"warehouse": str(world.gz.pk), "sku": "WATER-1", "quantity": "5"},
    )
    assert res.status_code == 200 and res.context["form"].errors.get("warehouse")
    assert Move.objects.count() == before


def test_the_adjustment_form_writes_off_and_names_a_shortfall(world, keeper):
    res = keeper.post(
        "/inventory/adjustments/new/",
        {"warehouse": str(world.sh.pk), "sku": "WATER-1", "quantity": "-6", "reason": "破损"},
    )
    assert res.status_code == 302, res.content.decode()[:3000]
    assert Stock.objects.get(warehouse=world.sh, sku=world.water).on_hand == 1194
    res = keeper.post(
        "/inventory/adjustments/new/",
        {"warehouse": str(world.sh.pk), "sku": "WATER-1", "quantity": "-5000", "reason": "盘亏"},
    )
    assert res.status_code == 200 and res.context["form"].errors.get("quantity")
    res = keeper.post(
        "/inventory/adjustments/new/",
        {"warehouse": str(world.sh.pk), "sku": "WATER-1", "quantity": "0", "reason": "x"},
    )
    assert res.status_code == 200 and res.context["form"].errors.get("quantity")
    assert Stock.objects.get(warehouse=world.sh, sku=world.water).on_hand == 1194


def test_reservation_page_buttons_follow_the_rights(world, keeper):
    held = reserve(
        actor=SYSTEM,
        source_type="order",
        source_id="SO-7",
        lines=[ReserveLine(world.sh.pk, world.water.pk, 24)],
    )
    url = f"/inventory/reservations/{held.pk}/"
    html = keeper.get(url).content.decode()
    assert 'data-test="release"' in html and 'data-test="issue"' in html
    assert "24 瓶" in html
    reader = client_for(
        user_with("reader", ["inventory.reservation.view"], "org", org=world.east_sales)
    )
    html = reader.get(url).content.decode()
    assert 'data-test="release"' not in html and 'data-test="issue"' not in html
    res = reader.post(url, {"action": "release"})  # no button, no effect
    assert res.status_code == 302
    held.refresh_from_db()
    assert held.status == "reserved"
    res = keeper.post(url, {"action": "issue", "memo": "已发货"})
    assert res.status_code == 302
    held.refresh_from_db()
    assert held.status == "issued"
    assert Stock.objects.get(warehouse=world.sh, sku=world.water).on_hand == 1176
    html = keeper.get(url).content.decode()
    assert 'data-test="decide"' not in html
    listed = keeper.get("/inventory/reservations/", {"status": "issued"}).content.decode()
    assert f'data-reservation="{held.pk}"' in listed
    south = reserve(
        actor=SYSTEM,
        source_type="order",
        source_id="SO-8",
        lines=[ReserveLine(world.gz.pk, world.water.pk, 1)],
    )
    assert keeper.get(f"/inventory/reservations/{south.pk}/").status_code == 404
    assert Reservation.objects.get(pk=south.pk).status == "reserved"


def test_a_dealer_without_inventory_rights_gets_404(world):
    dealer = client_for(
        user_with(
            "dealer",
            ["party.customer.view", "catalog.product.view"],
            "own",
            customer=world.sh_dealer,
        )
    )
    for url in ["/inventory/", *PAGES, f"/inventory/warehouses/{world.sh.pk}/"]:
        assert dealer.get(url).status_code == 404, url
    assert "/inventory/" not in dealer.get("/").content.decode()


def test_a_warehouse_is_created_from_the_form(world):
    builder = client_for(
        user_with(
            "builder",
            ["inventory.warehouse.view", "inventory.warehouse.create"],
            "org",
            org=world.east_sales,
        )
    )
    html = builder.get("/inventory/warehouses/").content.decode()
    assert 'data-test="new-warehouse"' in html
    res = builder.post(
        "/inventory/warehouses/new/",
        {
            "org": str(world.east_sales.pk),
            "code": "sh-02",
            "name": "上海二号仓",
            "kind": "regional",
            "district_code": "310115",
            "coverage": "310000, 320000",
        },
    )
    assert res.status_code == 302, res.content.decode()[:3000]
    html = builder.get(res.url).content.decode()
    assert "SH-02" in html and "310000, 320000" in html
    res = builder.post(
        "/inventory/warehouses/new/",
        {"org": str(world.east_sales.pk), "code": "SH-02", "name": "重复", "kind": "central"},
    )
    assert res.status_code == 200 and res.context["form"].errors.get("code")
