"""Organisation tree and suppliers."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from omni.kernel.models import AuditEntry
from omni.party.models import Supplier
from omni.party.tests.factories import make_world, user_with

from .test_customers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def test_organisation_tree_is_indented_with_kind_badges(world):
    boss = client_for(user_with("boss", ["party.organization.view", "party.customer.view"], "all"))
    res = boss.get("/party/organizations/")
    assert res.status_code == 200
    rows = res.context["rows"]
    assert [(r["org"].code, r["depth"]) for r in rows] == [
        ("G", 0),
        ("E", 1),
        ("E-SO", 2),
        ("S", 1),
        ("S-SO", 2),
    ]
    html = res.content.decode()
    for label in ("组织架构", "集团", "子公司", "销售组织", "华东销售部"):
        assert label in html
    assert "客户：2" in html and "客户：1" in html


def test_organisation_tree_shows_only_the_scoped_subtree(world):
    east = client_for(user_with("east", ["party.organization.view"], "org", org=world.east))
    res = east.get("/party/organizations/")
    assert [(r["org"].code, r["depth"]) for r in res.context["rows"]] == [("E", 0), ("E-SO", 1)]
    assert "华南" not in res.content.decode()
    nobody = client_for(user_with("nobody", ["party.customer.view"], "all"))
    assert nobody.get("/party/organizations/").status_code == 404


def test_suppliers_list_create_and_export(world):
    boss = client_for(
        user_with(
            "boss",
            ["party.supplier.view", "party.supplier.create", "party.supplier.export"],
            "org",
            org=world.east,
        )
    )
    assert boss.get("/party/suppliers/").status_code == 200
    assert "新建供应商" in boss.get("/party/suppliers/new/").content.decode()
    # the organisation choice is limited to the scope
    bad = boss.post(
        "/party/suppliers/new/", {"org": world.south.pk, "code": "SUP-1", "name": "包材厂"}
    )
    assert bad.status_code == 200 and "org" in bad.context["form"].errors
    bad = boss.post(
        "/party/suppliers/new/",
        {"org": world.east.pk, "code": "SUP-1", "name": "包材厂", "phone": "123"},
    )
    assert "电话号码无效。" in bad.content.decode()
    assert (
        not Supplier.objects.exists()
        and not AuditEntry.objects.filter(object_type="party.supplier").exists()
    )
    res = boss.post(
        "/party/suppliers/new/",
        {"org": world.east.pk, "code": "SUP-1", "name": "包材厂", "phone": "021-61234567"},
    )
    assert res.status_code == 302
    Supplier.objects.create(org=world.south, code="SUP-S", name="华南原料厂")
    html = boss.get("/party/suppliers/").content.decode()
    assert "SUP-1" in html and "SUP-S" not in html
    dup = boss.post(
        "/party/suppliers/new/", {"org": world.east.pk, "code": "SUP-1", "name": "又一个"}
    )
    assert "该编码已被使用。" in dup.context["form"].errors["code"]
    ws = load_workbook(
        io.BytesIO(b"".join(boss.get("/party/suppliers/export/?search=SUP").streaming_content))
    ).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("供应商编码", "供应商名称", "组织") and [r[0] for r in rows[1:]] == [
        "SUP-1"
    ]
    viewer = client_for(user_with("viewer", ["party.supplier.view"], "all"))
    assert viewer.get("/party/suppliers/new/").status_code == 404
    assert viewer.get("/party/suppliers/export/").status_code == 404


def test_edit_a_supplier_with_history_and_validation(staff_user):
    from django.test import Client

    from omni.kernel.actors import Actor
    from omni.party.models import Supplier
    from omni.party.services.suppliers import create_supplier
    from omni.party.tests.factories import make_world

    world = make_world()
    supplier = create_supplier(
        actor=Actor.system("t"), org_id=world.east.pk, code="SUP-1", name="上海包材厂"
    )
    client = Client()
    client.force_login(staff_user)
    url = f"/party/suppliers/{supplier.pk}/edit/"
    assert "上海包材厂" in client.get(url).content.decode()
    bad = client.post(url, {"name": "上海包材厂", "phone": "123", "is_active": "on"})
    assert bad.status_code == 200
    supplier.refresh_from_db()
    assert supplier.phone == ""
    ok = client.post(
        url, {"name": "上海新包材厂", "phone": "021-61234567", "code": "HACK", "is_active": ""}
    )
    assert ok.status_code == 302 and ok["Location"] == f"/party/suppliers/{supplier.pk}/"
    supplier.refresh_from_db()
    assert (supplier.name, supplier.code, supplier.is_active) == ("上海新包材厂", "SUP-1", False)
    detail = client.get(ok["Location"]).content.decode()
    history = detail[detail.index('data-test="history"') :]
    assert "上海包材厂" in history and "上海新包材厂" in history  # before and after
    assert 'data-test="edit-supplier"' in detail
    assert Supplier.objects.count() == 1


def test_supplier_detail_shows_key_facts_to_viewers_and_nothing_outside_the_scope(world):
    # given: a supplier in the east and one in the south
    east = Supplier.objects.create(org=world.east, code="SUP-E", name="华东包材厂")
    south = Supplier.objects.create(org=world.south, code="SUP-S", name="华南原料厂")
    viewer = client_for(user_with("east-viewer", ["party.supplier.view"], "org", org=world.east))
    # when: a viewer of the east opens them
    page = viewer.get(f"/party/suppliers/{east.pk}/")
    # then: the east one with its key facts, no edit button; the south one does not exist
    html = page.content.decode()
    assert page.status_code == 200 and "SUP-E" in html and 'data-test="history"' not in html
    assert 'data-test="edit-supplier"' not in html
    assert f'href="/party/suppliers/{east.pk}/"' in viewer.get("/party/suppliers/").content.decode()
    assert viewer.get(f"/party/suppliers/{south.pk}/").status_code == 404
    assert viewer.get(f"/party/suppliers/{east.pk}/edit/").status_code == 404
