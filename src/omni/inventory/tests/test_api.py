"""Inventory reads and API as scoped roles (never an administrator): a south user sees no east
stock; a keeper of the east warehouse receives, issues, adjusts, reserves, releases and
issues a reservation; a short issue answers 409 with the short lines and changes nothing;
bad input is a 4xx with a stable code."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omni.catalog.tests.factories import UnitFactory, make_product
from omni.inventory import selectors
from omni.inventory.models import Move, Reservation, Stock
from omni.inventory.services.reservations import ReserveLine, reserve
from omni.inventory.services.stock import StockLine, receive
from omni.inventory.services.warehouses import create_warehouse
from omni.kernel.errors import NotFound
from omni.kernel.integrity import run_checks
from omni.kernel.models import AuditEntry
from omni.party.tests.factories import SYSTEM, client_for, make_world, user_with

pytestmark = pytest.mark.django_db

KEEPER = [
    "inventory.warehouse.view",
    "inventory.stock.view",
    "inventory.stock.receive",
    "inventory.stock.issue",
    "inventory.stock.adjust",
    "inventory.reservation.view",
    "inventory.reservation.create",
    "inventory.reservation.release",
    "catalog.product.view",
]
API = "/api/v1/inventory"


class Stocked:
    def __init__(self):
        self.world = make_world()
        w = self.world
        self.east = create_warehouse(
            actor=SYSTEM, org_id=w.east_sales.pk, code="SH-01", name="华东中心仓", kind="central"
        )
        self.south = create_warehouse(
            actor=SYSTEM, org_id=w.south_sales.pk, code="GZ-01", name="华南中心仓", kind="central"
        )
        self.water = make_product(w.group, "WATER").skus.get()
        self.tea = make_product(w.group, "TEA").skus.get()
        kg = UnitFactory(code="kg", name="千克", allows_fraction=True)
        self.leaves = make_product(w.group, "LEAVES", unit=kg).skus.get()
        receive(
            actor=SYSTEM,
            warehouse_id=self.east.pk,
            lines=[
                StockLine(self.water.pk, 240),
                StockLine(self.tea.pk, 12),
                StockLine(self.leaves.pk, "2.5"),
            ],
        )
        receive(actor=SYSTEM, warehouse_id=self.south.pk, lines=[StockLine(self.water.pk, 99)])


@pytest.fixture
def stocked():
    return Stocked()


@pytest.fixture
def keeper(stocked):
    user = user_with("keeper", KEEPER, "org", org=stocked.world.east_sales)
    return client_for(user)


def actor_of(user):
    from omni.access.services.actors import build_actor

    return build_actor(user)


def post(client, path, body):
    return client.post(f"{API}{path}", body, content_type="application/json")


def clean():
    findings = [f for f in run_checks() if f.check.startswith("inventory.")]
    assert not findings, findings


# --- selectors ----------------------------------------------------------------------------


def test_a_south_user_sees_no_east_stock(stocked):
    south = actor_of(user_with("south", KEEPER, "org", org=stocked.world.south_sales))
    assert {w.code for w in selectors.list_warehouses(south)} == {"GZ-01"}
    assert {s.warehouse_id for s in selectors.list_stock(south)} == {stocked.south.pk}
    assert {m.stock.warehouse_id for m in selectors.list_moves(south)} == {stocked.south.pk}
    with pytest.raises(NotFound):
        selectors.get_warehouse(south, stocked.east.pk)
    seen = selectors.availability(south, stocked.water.pk)
    assert [w.code for w in seen.warehouses] == ["GZ-01"]
    assert (seen.on_hand, seen.available) == (Decimal(99), Decimal(99))
    # a reservation in the east is not the south's to see
    held = reserve(
        actor=SYSTEM,
        source_type="order",
        source_id="SO-1",
        lines=[ReserveLine(stocked.east.pk, stocked.water.pk, 10)],
    )
    assert not selectors.list_reservations(south).exists()
    with pytest.raises(NotFound):
        selectors.get_reservation(south, held.pk)
    assert selectors.reservation_actions(south, held) == []


def test_a_reservation_across_warehouses_is_seen_only_by_who_sees_both(stocked):
    held = reserve(
        actor=SYSTEM,
        source_type="order",
        source_id="SO-2",
        lines=[
            ReserveLine(stocked.east.pk, stocked.water.pk, 1),
            ReserveLine(stocked.south.pk, stocked.water.pk, 1),
        ],
    )
    east = actor_of(user_with("east", KEEPER, "org", org=stocked.world.east_sales))
    group = actor_of(user_with("group", KEEPER, "org", org=stocked.world.group))
    assert not selectors.list_reservations(east).filter(pk=held.pk).exists()
    assert selectors.get_reservation(group, held.pk).pk == held.pk
    assert selectors.reservation_actions(group, held) == ["release", "issue"]


def test_stock_filters_and_availability(stocked):
    east = actor_of(user_with("east", KEEPER, "org", org=stocked.world.east_sales))
    reserve(
        actor=SYSTEM,
        source_type="order",
        source_id="SO-3",
        lines=[ReserveLine(stocked.east.pk, stocked.tea.pk, 12)],
    )
    low = selectors.list_stock(east, low_only=True)
    assert [s.sku_id for s in low] == [stocked.tea.pk]
    seen = selectors.availability(east, stocked.leaves.pk)
    assert (seen.on_hand, seen.reserved, seen.available) == (
        Decimal("2.500"),
        Decimal("0.000"),
        Decimal("2.500"),
    )
    assert selectors.find_sku_id(east, "water-1") == stocked.water.pk
    assert selectors.find_sku_id(east, str(stocked.tea.pk)) == stocked.tea.pk
    assert selectors.find_sku_id(east, str(stocked.tea.pk), by_id=False) is None


# --- the API ------------------------------------------------------------------------------


def test_a_keeper_receives_issues_adjusts_and_lists(stocked, keeper):
    res = post(
        keeper,
        "/receipts",
        {
            "warehouse_id": stocked.east.pk,
            "lines": [
                {"sku_id": stocked.water.pk, "quantity": "24"},
                {"sku_id": stocked.leaves.pk, "quantity": "0.125"},
            ],
            "source_type": "purchase",
            "source_id": "PO-7",
        },
    )
    assert res.status_code == 201, res.content
    moves = res.json()["moves"]
    assert [(m["sku_id"], m["quantity"], m["on_hand_after"]) for m in moves] == [
        (stocked.water.pk, "24", "264"),
        (stocked.leaves.pk, "0.125", "2.625"),
    ]
    res = post(
        keeper,
        "/issues",
        {
            "warehouse_id": stocked.east.pk,
            "lines": [{"sku_id": stocked.water.pk, "quantity": "64"}],
        },
    )
    assert res.status_code == 201, res.content
    res = post(
        keeper,
        "/adjustments",
        {
            "warehouse_id": stocked.east.pk,
            "sku_id": stocked.water.pk,
            "quantity": "-2",
            "reason": "破损",
        },
    )
    assert res.status_code == 201, res.content
    assert res.json()["moves"][0]["kind"] == "adjustment"
    res = keeper.get(f"{API}/stock", {"warehouse_id": stocked.east.pk})
    items = {i["sku_code"]: i for i in res.json()["items"]}
    assert items["WATER-1"]["on_hand"] == "198" and items["LEAVES-1"]["available"] == "2.625"
    res = keeper.get(f"{API}/moves", {"source_id": "PO-7"})
    assert res.json()["total"] == 2
    res = keeper.get(f"{API}/moves", {"kind": "adjustment"})
    assert [m["quantity"] for m in res.json()["items"]] == ["-2"]
    res = keeper.get(f"{API}/availability", {"sku": "water-1"})
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["available"] == "198"
    assert [w["warehouse_code"] for w in body["warehouses"]] == ["SH-01"]  # not the south's
    assert keeper.get(f"{API}/availability", {"sku_id": stocked.water.pk}).json() == body
    assert keeper.get(f"{API}/availability", {"sku": "NOPE"}).json()["code"] == "unknown_sku"
    res = keeper.get(f"{API}/warehouses")
    assert [w["code"] for w in res.json()["items"]] == ["SH-01"]
    assert keeper.get(f"{API}/warehouses/{stocked.south.pk}").status_code == 404
    clean()


def test_a_short_issue_is_409_with_the_short_lines_and_changes_nothing(stocked, keeper):
    moves, audit = Move.objects.count(), AuditEntry.objects.count()
    res = post(
        keeper,
        "/issues",
        {
            "warehouse_id": stocked.east.pk,
            "lines": [
                {"sku_id": stocked.water.pk, "quantity": "10"},
                {"sku_id": stocked.tea.pk, "quantity": "13"},
            ],
        },
    )
    assert res.status_code == 409, res.content
    body = res.json()
    assert body["code"] == "insufficient_stock"
    assert body["details"]["lines"] == [
        {"line": 1, "sku_id": stocked.tea.pk, "sku": "TEA-1", "wanted": "13", "available": "12"}
    ]
    assert (Move.objects.count(), AuditEntry.objects.count()) == (moves, audit)
    assert Stock.objects.get(warehouse=stocked.east, sku=stocked.water).on_hand == 240


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"quantity": "1.5"}, 422, "invalid_quantity"),  # a fraction of a bottle
        ({"quantity": "0"}, 422, "invalid_input"),
        ({"quantity": "-1"}, 422, "invalid_input"),
        ({"quantity": 5}, 422, "invalid_input"),  # a JSON number
        ({"sku_id": 999999}, 404, "unknown_sku"),
        ({"warehouse_id": "south"}, 404, "unknown_warehouse"),
        ({"batch": "NO-SUCH"}, 404, "unknown_batch"),
    ],
)
def test_bad_issues_are_refused_with_a_stable_code(stocked, keeper, body, status, code):
    line = {"sku_id": stocked.water.pk, "quantity": "1"}
    payload = {"warehouse_id": stocked.east.pk, "lines": [line]}
    if body.get("warehouse_id") == "south":
        payload["warehouse_id"] = stocked.south.pk
    else:
        line.update(body)
    before = Move.objects.count()
    res = post(keeper, "/issues", payload)
    assert (res.status_code, res.json()["code"]) == (status, code), res.content
    assert Move.objects.count() == before


def test_too_many_lines_are_refused_by_the_schema(stocked, keeper):
    line = {"sku_id": stocked.water.pk, "quantity": "1"}
    res = post(keeper, "/issues", {"warehouse_id": stocked.east.pk, "lines": [line] * 501})
    assert res.status_code == 422


def test_reserve_release_and_issue_a_reservation(stocked, keeper):
    body = {
        "source_type": "order",
        "source_id": "SO-100",
        "lines": [{"warehouse_id": stocked.east.pk, "sku_id": stocked.water.pk, "quantity": "40"}],
        "expires_in_minutes": 30,
    }
    res = post(keeper, "/reservations", body)
    assert res.status_code == 201, res.content
    first = res.json()
    assert first["status"] == "reserved" and first["lines"][0]["quantity"] == "40"
    assert first["expires_at"] is not None
    assert post(keeper, "/reservations", body).json()["id"] == first["id"]  # asked again
    short = {**body, "source_id": "SO-101"}
    short["lines"] = [{**body["lines"][0], "quantity": "201"}]
    res = post(keeper, "/reservations", short)
    assert (res.status_code, res.json()["code"]) == (409, "insufficient_stock")
    assert res.json()["details"]["lines"][0]["available"] == "200"
    res = post(keeper, f"/reservations/{first['id']}/release", None)
    assert res.status_code == 200 and res.json()["status"] == "released"
    res = post(keeper, f"/reservations/{first['id']}/release", None)
    assert (res.status_code, res.json()["code"]) == (409, "reservation_closed")
    second = post(keeper, "/reservations", {**body, "source_id": "SO-102"}).json()
    res = post(keeper, f"/reservations/{second['id']}/issue", None)
    assert res.status_code == 200 and res.json()["status"] == "issued"
    listed = keeper.get(f"{API}/reservations", {"status": "issued"}).json()
    assert [r["id"] for r in listed["items"]] == [second["id"]]
    assert keeper.get(f"{API}/reservations/{second['id']}").json()["source_id"] == "SO-102"
    assert Stock.objects.get(warehouse=stocked.east, sku=stocked.water).on_hand == 200
    clean()


def test_a_reservation_in_another_organisations_warehouse_is_404(stocked, keeper):
    res = post(
        keeper,
        "/reservations",
        {
            "source_type": "order",
            "source_id": "SO-200",
            "lines": [
                {"warehouse_id": stocked.south.pk, "sku_id": stocked.water.pk, "quantity": "1"}
            ],
        },
    )
    assert (res.status_code, res.json()["code"]) == (404, "unknown_warehouse")
    assert not Reservation.objects.exists()


def test_a_keeper_creates_a_warehouse_in_its_organisation_only(stocked):
    client = client_for(
        user_with(
            "builder",
            ["inventory.warehouse.view", "inventory.warehouse.create"],
            "org",
            org=stocked.world.east_sales,
        )
    )
    body = {
        "org_id": stocked.world.east_sales.pk,
        "code": "sh-02",
        "name": " 上海二号仓 ",
        "kind": "regional",
        "district_code": "310115",
        "coverage": ["310000"],
    }
    res = post(client, "/warehouses", body)
    assert res.status_code == 201, res.content
    made = res.json()
    assert (made["code"], made["name"], made["coverage"]) == ("SH-02", "上海二号仓", ["310000"])
    res = post(client, "/warehouses", body)
    assert (res.status_code, res.json()["code"]) == (409, "duplicate_code")
    res = post(client, "/warehouses", {**body, "code": "GZ-9", "org_id": stocked.world.south.pk})
    assert (res.status_code, res.json()["code"]) == (404, "unknown_organisation")
