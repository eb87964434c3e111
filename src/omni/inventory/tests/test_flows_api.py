"""Transfers, stock counts, reorder points and flash sales through the selectors and the API,
as scoped roles (never an administrator): an east keeper ships and receives between east
warehouses, a south user sees none of it; counters count blind and the lead (not a counter)
approves; a dealer reserves in a sale of its organisation and is refused with a stable code
when sold out, over its limit, before the start or after the end."""

from __future__ import annotations

import datetime as dt

import pytest

from omni.catalog.tests.factories import make_product
from omni.inventory import selectors
from omni.inventory.models import FlashReservation, Move, Stock
from omni.inventory.services.counts import start_count
from omni.inventory.services.flash import create_flash_sale
from omni.inventory.services.stock import StockLine, receive
from omni.inventory.services.transfers import ship_transfer
from omni.inventory.services.warehouses import create_warehouse
from omni.kernel import clock
from omni.kernel.errors import NotFound
from omni.party.tests.factories import SYSTEM, client_for, make_world, user_with

pytestmark = pytest.mark.django_db

KEEPER = [
    "inventory.warehouse.view",
    "inventory.stock.view",
    "inventory.stock.receive",
    "inventory.stock.issue",
    "inventory.stock.adjust",
    "catalog.product.view",
]
COUNTER = ["inventory.stock.count"]
FLASH_ADMIN = ["inventory.flash.view", "inventory.flash.edit", "inventory.stock.view"]
API = "/api/v1/inventory"


class World:
    def __init__(self):
        self.w = w = make_world()
        self.east = create_warehouse(
            actor=SYSTEM, org_id=w.east_sales.pk, code="SH-01", name="华东中心仓", kind="central"
        )
        self.east2 = create_warehouse(
            actor=SYSTEM, org_id=w.east_sales.pk, code="SH-02", name="上海门店仓", kind="store"
        )
        self.south = create_warehouse(
            actor=SYSTEM, org_id=w.south_sales.pk, code="GZ-01", name="华南中心仓", kind="central"
        )
        self.water = make_product(w.group, "WATER").skus.get()
        self.tea = make_product(w.group, "TEA").skus.get()
        for warehouse in (self.east, self.south):
            receive(
                actor=SYSTEM,
                warehouse_id=warehouse.pk,
                lines=[StockLine(self.water.pk, 240), StockLine(self.tea.pk, 24)],
            )


@pytest.fixture
def world():
    return World()


def actor_of(user):
    from omni.access.services.actors import build_actor

    return build_actor(user)


def post(client, path, body=None, prefix=API):
    return client.post(f"{prefix}{path}", body or {}, content_type="application/json")


# --- transfers ----------------------------------------------------------------------------


def test_a_transfer_is_shipped_received_in_part_and_closed_short(world):
    keeper = client_for(user_with("keeper", KEEPER, "org", org=world.w.east_sales))
    res = post(
        keeper,
        "/transfers",
        {
            "source_id": world.east.pk,
            "target_id": world.east2.pk,
            "lines": [{"sku_id": world.water.pk, "quantity": "24"}],
            "memo": "门店补货",
        },
    )
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["status"] == "in_transit" and body["lines"][0]["in_transit"] == "24"
    transfer_id, line_id = body["id"], body["lines"][0]["id"]
    res = post(keeper, f"/transfers/{transfer_id}/receive", {"lines": {str(line_id): "20"}})
    assert res.status_code == 200 and res.json()["status"] == "partly_received"
    res = post(keeper, f"/transfers/{transfer_id}/receive", {"lines": {str(line_id): "5"}})
    assert res.status_code == 409 and res.json()["code"] == "over_receipt"
    res = post(keeper, f"/transfers/{transfer_id}/close", {"reason": "途中破损 4 瓶"})
    assert res.status_code == 200 and res.json()["status"] == "closed_short"
    res = post(keeper, f"/transfers/{transfer_id}/close", {"reason": "again"})
    assert res.status_code == 409 and res.json()["code"] == "transfer_closed"
    on_hand = Stock.objects.get(warehouse=world.east2, sku=world.water).on_hand
    assert on_hand == 20
    listed = keeper.get(f"{API}/transfers").json()
    assert [t["id"] for t in listed["items"]] == [transfer_id]
    # the same warehouse: a 409 with its code, nothing moved
    before = Move.objects.count()
    res = post(
        keeper,
        "/transfers",
        {
            "source_id": world.east.pk,
            "target_id": world.east.pk,
            "lines": [{"sku_id": world.water.pk, "quantity": "1"}],
        },
    )
    assert res.status_code == 409 and res.json()["code"] == "same_warehouse"
    assert Move.objects.count() == before


def test_a_south_user_sees_no_east_transfer(world):
    transfer = ship_transfer(
        actor=SYSTEM,
        source_id=world.east.pk,
        target_id=world.east2.pk,
        lines=[StockLine(world.water.pk, 12)],
    )
    south_user = user_with("south", KEEPER, "org", org=world.w.south_sales)
    south = actor_of(south_user)
    assert not selectors.list_transfers(south).exists()
    with pytest.raises(NotFound):
        selectors.get_transfer(south, transfer.pk)
    client = client_for(south_user)
    assert client.get(f"{API}/transfers/{transfer.pk}").status_code == 404
    res = post(client, f"/transfers/{transfer.pk}/receive")
    assert res.status_code == 404
    # a transfer from the south into the east is seen from both ends; received in the east
    inbound = ship_transfer(
        actor=SYSTEM,
        source_id=world.south.pk,
        target_id=world.east.pk,
        lines=[StockLine(world.tea.pk, 6)],
    )
    east = actor_of(user_with("east", KEEPER, "org", org=world.w.east_sales))
    assert selectors.get_transfer(east, inbound.pk) and selectors.get_transfer(south, inbound.pk)
    assert selectors.transfer_actions(east, inbound) == ["receive", "close"]
    assert selectors.transfer_actions(south, inbound) == []


# --- stock counts -------------------------------------------------------------------------


def test_counters_count_blind_and_the_lead_approves(world):
    org = world.w.east_sales
    lead_user = user_with("lead", KEEPER, "org", org=org)
    lead = client_for(lead_user)
    one = client_for(user_with("counter-1", COUNTER, "org", org=org))
    two = client_for(user_with("counter-2", COUNTER, "org", org=org))
    res = post(
        lead,
        "/counts",
        {"warehouse_id": world.east.pk, "kind": "partial", "sku_ids": [world.water.pk]},
    )
    assert res.status_code == 201, res.content
    count_id = res.json()["id"]
    seen = one.get(f"{API}/counts/{count_id}").json()
    assert seen["blind"] and seen["actions"] == ["enter"]
    line = seen["lines"][0]
    assert line["book"] is None and line["variance"] is None and line["entries"] == []
    assert "240" not in one.get(f"{API}/counts/{count_id}").content.decode()
    # the SKU is locked: no second count takes it
    res = post(
        lead,
        "/counts",
        {"warehouse_id": world.east.pk, "kind": "quick", "sku_ids": [world.water.pk]},
    )
    assert res.status_code == 409 and res.json()["code"] == "sku_locked"
    post(one, f"/counts/{count_id}/entries", {"quantities": {str(line["id"]): "238"}})
    res = post(two, f"/counts/{count_id}/entries", {"quantities": {str(line["id"]): "237"}})
    assert res.status_code == 200 and res.json()["lines"][0]["mine"] == "237"
    res = post(two, f"/counts/{count_id}/entries", {"quantities": {str(line["id"]): "237"}})
    assert res.status_code == 409 and res.json()["code"] == "already_counted"
    seen = lead.get(f"{API}/counts/{count_id}").json()
    assert seen["lines"][0]["book"] == "240" and seen["lines"][0]["recount"]
    assert "recount" in seen["actions"] and "approve" not in seen["actions"]
    res = post(lead, f"/counts/{count_id}/approve")
    assert res.status_code == 409 and res.json()["code"] == "count_incomplete"
    assert post(lead, f"/counts/{count_id}/recount").json() == {"line_ids": [line["id"]]}
    for client in (one, two):
        post(client, f"/counts/{count_id}/entries", {"quantities": {str(line["id"]): "238"}})
    seen = lead.get(f"{API}/counts/{count_id}").json()
    assert seen["lines"][0]["variance"] == "-2" and "approve" in seen["actions"]
    assert post(one, f"/counts/{count_id}/approve").status_code == 403
    res = post(lead, f"/counts/{count_id}/approve")
    assert res.status_code == 200 and res.json()["status"] == "approved"
    assert Stock.objects.get(warehouse=world.east, sku=world.water).on_hand == 238
    # a south user sees no east count
    south = client_for(user_with("south", KEEPER, "org", org=world.w.south_sales))
    assert south.get(f"{API}/counts/{count_id}").status_code == 404
    assert south.get(f"{API}/counts").json()["items"] == []


def test_a_lead_who_counted_may_not_approve(world):
    lead_user = user_with("lead", [*KEEPER, *COUNTER], "org", org=world.w.east_sales)
    lead = client_for(lead_user)
    count = start_count(
        actor=SYSTEM, warehouse_id=world.east.pk, kind="quick", sku_ids=[world.tea.pk]
    )
    line_id = count.lines.get().pk
    post(lead, f"/counts/{count.pk}/entries", {"quantities": {str(line_id): "0"}})
    seen = lead.get(f"{API}/counts/{count.pk}").json()
    assert "approve" not in seen["actions"] and seen["lines"][0]["variance"] == "-24"
    res = post(lead, f"/counts/{count.pk}/approve")
    assert res.status_code == 409 and res.json()["code"] == "own_count"
    assert post(lead, f"/counts/{count.pk}/cancel").json()["status"] == "cancelled"


# --- reorder points -----------------------------------------------------------------------


def test_reorder_rules_and_the_low_stock_list(world):
    keeper = client_for(user_with("keeper", KEEPER, "org", org=world.w.east_sales))
    res = keeper.put(
        f"{API}/reorder-rules",
        {
            "warehouse_id": world.east.pk,
            "sku_id": world.tea.pk,
            "safety_stock": "30",
            "reorder_point": "48",
        },
        content_type="application/json",
    )
    assert res.status_code == 200 and res.json()["reorder_point"] == "48"
    keeper.put(
        f"{API}/reorder-rules",
        {
            "warehouse_id": world.east.pk,
            "sku_id": world.water.pk,
            "safety_stock": "0",
            "reorder_point": "240",
        },
        content_type="application/json",
    )
    res = keeper.put(
        f"{API}/reorder-rules",
        {
            "warehouse_id": world.south.pk,
            "sku_id": world.tea.pk,
            "safety_stock": "1",
            "reorder_point": "2",
        },
        content_type="application/json",
    )
    assert res.status_code == 404 and res.json()["code"] == "unknown_warehouse"
    assert len(keeper.get(f"{API}/reorder-rules").json()["items"]) == 2
    low = keeper.get(f"{API}/low-stock").json()
    assert [(x["sku_code"], x["below_safety"]) for x in low] == [
        (world.tea.code, True),
        (world.water.code, False),
    ]
    south = client_for(user_with("south", KEEPER, "org", org=world.w.south_sales))
    assert south.get(f"{API}/low-stock").json() == []
    assert south.get(f"{API}/reorder-rules").json()["items"] == []


# --- flash sales --------------------------------------------------------------------------


def _iso(moment):
    return moment.replace(microsecond=0).isoformat()


def test_a_dealer_reserves_in_a_flash_sale_with_stable_refusals(world):
    w = world.w
    admin = client_for(user_with("sales-admin", FLASH_ADMIN, "org", org=w.east_sales))
    now = clock.now()
    res = post(
        admin,
        "",
        {
            "name": "夏日秒杀",
            "warehouse_id": world.east.pk,
            "sku_id": world.water.pk,
            "quantity": 3,
            "per_customer_limit": 2,
            "starts_at": _iso(now - dt.timedelta(hours=1)),
            "ends_at": _iso(now + dt.timedelta(hours=1)),
            "buckets": 2,
        },
        prefix="/api/v1/flash-sales",
    )
    assert res.status_code == 201, res.content
    sale = res.json()
    assert sale["remaining"] == 3 and [b["remaining"] for b in sale["buckets"]] == [2, 1]
    dealer = client_for(
        user_with("dealer", ["inventory.flash.reserve"], "own", customer=w.sh_dealer)
    )
    store = client_for(user_with("store", ["inventory.flash.reserve"], "own", customer=w.sh_store))
    listed = dealer.get("/api/v1/flash-sales", {"live": "true"}).json()["items"]
    assert [s["id"] for s in listed] == [sale["id"]]
    flash = "/api/v1/flash-sales"
    res = post(dealer, f"/{sale['id']}/reserve", {"quantity": 2}, prefix=flash)
    assert res.status_code == 201 and res.json()["customer_id"] == w.sh_dealer.pk
    mine = res.json()["id"]
    res = post(dealer, f"/{sale['id']}/reserve", {"quantity": 1}, prefix=flash)
    assert res.status_code == 409 and res.json()["code"] == "limit_reached"
    res = post(store, f"/{sale['id']}/reserve", {"quantity": 2}, prefix=flash)
    assert res.status_code == 409 and res.json()["code"] == "sold_out"
    assert post(store, f"/{sale['id']}/reserve", {"quantity": 1}, prefix=flash).status_code == 201
    assert admin.get(f"{flash}/{sale['id']}").json()["remaining"] == 0
    # the dealer pays its own reservation; the store may not touch it
    assert post(store, f"/reservations/{mine}/pay", prefix=flash).status_code == 404
    res = post(dealer, f"/reservations/{mine}/pay", prefix=flash)
    assert res.status_code == 200 and res.json()["status"] == "paid"
    assert post(dealer, f"/reservations/{mine}/cancel", prefix=flash).json()["code"] == (
        "reservation_closed"
    )
    theirs = FlashReservation.objects.get(customer=w.sh_store).pk
    assert post(store, f"/reservations/{theirs}/cancel", prefix=flash).status_code == 200
    assert admin.get(f"{flash}/{sale['id']}").json()["remaining"] == 1
    seen = admin.get(f"{flash}/reservations", {"sale_id": sale["id"]}).json()["items"]
    assert {r["status"] for r in seen} == {"paid", "cancelled"}
    # the store sees its own; its dealer (the store's upper customer) sees both
    assert [r["id"] for r in store.get(f"{flash}/reservations").json()["items"]] == [theirs]
    assert [r["id"] for r in dealer.get(f"{flash}/reservations").json()["items"]] == [theirs, mine]
    # a south dealer: the sale is not for it
    south_dealer = client_for(
        user_with("gz", ["inventory.flash.reserve"], "own", customer=w.gz_dealer)
    )
    assert south_dealer.get(f"{flash}/{sale['id']}").status_code == 404
    res = post(south_dealer, f"/{sale['id']}/reserve", {"quantity": 1}, prefix=flash)
    assert res.status_code == 404


def test_not_started_and_ended(world):
    now = clock.now()
    sales = {}
    for key, start, end in (
        ("later", now + dt.timedelta(hours=1), now + dt.timedelta(hours=2)),
        ("over", now - dt.timedelta(hours=2), now - dt.timedelta(hours=1)),
    ):
        sales[key] = create_flash_sale(
            actor=SYSTEM,
            name=key,
            warehouse_id=world.east.pk,
            sku_id=world.tea.pk,
            quantity=2,
            per_customer_limit=1,
            starts_at=start,
            ends_at=end,
        )
    dealer = client_for(
        user_with("dealer", ["inventory.flash.reserve"], "own", customer=world.w.sh_dealer)
    )
    flash = "/api/v1/flash-sales"
    assert post(dealer, f"/{sales['later'].pk}/reserve", prefix=flash).json()["code"] == (
        "not_started"
    )
    assert post(dealer, f"/{sales['over'].pk}/reserve", prefix=flash).json()["code"] == "ended"
    assert dealer.get(flash, {"live": "true"}).json()["items"] == []
    assert len(dealer.get(flash).json()["items"]) == 2
