"""Organisations, sales regions, classes and levels: pages and forms."""

import pytest
from django.test import Client

from omni.party.models import CustomerClass, CustomerLevel
from omni.party.tests.factories import make_world, user_with
from omni.tenancy.models import Organization, SalesRegion

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def admin(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


def test_create_and_move_an_organisation(admin, world):
    res = admin.post(
        "/party/organizations/",
        {
            "form": "create",
            "parent": world.east.pk,
            "kind": "department",
            "code": "E-OPS",
            "name": "华东运营部",
        },
    )
    assert res.status_code == 302
    ops = Organization.objects.get(code="E-OPS")
    assert ops.path == f"{world.east.path}{ops.pk}/"
    res = admin.post(
        "/party/organizations/", {"form": "move", "org": ops.pk, "parent": world.south.pk}
    )
    assert res.status_code == 302
    ops.refresh_from_db()
    assert ops.parent_id == world.south.pk
    assert "E-OPS" in admin.get("/party/organizations/").content.decode()


def test_organisation_errors_are_shown_and_nothing_changes(admin, world):
    res = admin.post(
        "/party/organizations/",
        {"form": "move", "org": world.east.pk, "parent": world.east_sales.pk},
    )
    assert res.status_code == 200
    assert "不能" in res.content.decode() or "cannot" in res.content.decode()
    world.east.refresh_from_db()
    assert world.east.parent_id == world.group.pk
    res = admin.post(
        "/party/organizations/",
        {
            "form": "create",
            "parent": world.east.pk,
            "kind": "department",
            "code": "G",
            "name": "重复",
        },
    )
    assert res.status_code == 200
    assert Organization.objects.filter(code="G").count() == 1


def test_sales_region_page_creates_a_district_with_provinces(admin, world):
    page = admin.get("/party/sales-regions/").content.decode()
    assert "华东大区" in page and "上海片区" in page
    res = admin.post(
        "/party/sales-regions/",
        {
            "org": world.south.pk,
            "kind": "district",
            "parent": world.area_south.pk,
            "code": "DIST-GD",
            "name": "广东片区",
            "provinces": ["440000"],
        },
    )
    assert res.status_code == 302
    gd = SalesRegion.objects.get(code="DIST-GD")
    assert gd.parent_id == world.area_south.pk and list(
        gd.regions.values_list("code", flat=True)
    ) == ["440000"]
    dup = admin.post(
        "/party/sales-regions/",
        {"org": world.south.pk, "kind": "area", "code": "DIST-GD", "name": "x"},
    )
    assert dup.status_code == 200 and SalesRegion.objects.filter(code="DIST-GD").count() == 1


def test_classes_and_levels(admin, world):
    res = admin.post(
        "/party/classification/", {"form": "class", "class-code": "KA", "class-name": "大客户"}
    )
    assert res.status_code == 302 and CustomerClass.objects.filter(code="KA").exists()
    res = admin.post(
        "/party/classification/",
        {"form": "level", "level-code": "S", "level-name": "S级", "level-rank": "0"},
    )
    assert res.status_code == 200 and not CustomerLevel.objects.filter(code="S").exists()
    res = admin.post(
        "/party/classification/", {"form": "class", "class-code": "L1", "class-name": "重复"}
    )
    assert res.status_code == 200 and CustomerClass.objects.get(code="L1").name == "一级经销商"


def test_a_viewer_cannot_change_structure_and_sees_only_its_scope(world):
    viewer = user_with(
        "viewer",
        ["party.organization.view", "party.region.view", "party.customer.view"],
        "org",
        org=world.east,
    )
    client = Client()
    client.force_login(viewer)
    page = client.get("/party/organizations/").content.decode()
    assert "华东子公司" in page and "华南子公司" not in page and "org-create-form" not in page
    assert client.post("/party/organizations/", {"form": "create"}).status_code == 404
    assert "华南大区" not in client.get("/party/sales-regions/").content.decode()
    assert (
        client.post(
            "/party/classification/", {"form": "class", "class-code": "X", "class-name": "X"}
        ).status_code
        == 404
    )


def test_api_creates_classes_and_levels(staff_api):
    res = staff_api.post(
        "/api/v1/party/customer-levels",
        {"code": "S", "name": "S级", "rank": 1},
        content_type="application/json",
    )
    assert res.status_code == 201 and res.json()["rank"] == 1
    again = staff_api.post(
        "/api/v1/party/customer-levels",
        {"code": "S", "name": "S级", "rank": 1},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "duplicate_code"
