"""Exports in the import templates' layout (/api/v1/exports): scope, filters, permissions, and
an exported file imports again with nothing changed."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from omni.access.services.actors import build_actor
from omni.catalog import importers as catalog_io
from omni.catalog.models import AuthorisationRule, Barcode, Product, Sku, UnitConversion
from omni.catalog.tests.test_importers_more import BARCODES, RULES, build_world
from omni.catalog.tests.test_importers_more import run as run_catalog
from omni.kernel import excel, imports
from omni.kernel.models import AuditEntry, ImportMode, ImportStatus
from omni.party import importers as party_io
from omni.party.models import Address, Contact, Customer
from omni.party.services import customers as customer_services
from omni.party.tests.factories import SYSTEM, make_world, user_with
from omni.party.validation import uscc_check_char

pytestmark = pytest.mark.django_db

API = "/api/v1/exports"
TAX = "91310115MA1K3B2X0" + uscc_check_char("91310115MA1K3B2X0")


def token_client(username: str) -> Client:
    res = Client().post(
        "/api/v1/auth/token",
        {"username": username, "password": "pass-12345678"},
        content_type="application/json",
    )
    assert res.status_code == 200, res.content
    return Client(headers={"Authorization": f"Bearer {res.json()['token']}"})


def download(client: Client, key: str, **params) -> bytes:
    res = client.get(f"{API}/{key}", params)
    assert res.status_code == 200, res.content
    assert res["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert res["Content-Disposition"].startswith("attachment;")
    return b"".join(res.streaming_content)


def sheet(data: bytes, spec) -> list[dict]:
    ws = load_workbook(io.BytesIO(data))[spec.sheet_name]
    lines = [[c.value for c in r] for r in ws.iter_rows()]
    assert lines[0] == spec.headers
    return [dict(zip(spec.headers, line)) for line in lines[1:]]


def reimport(user, key: str, data: bytes):
    job = imports.start_import(
        actor=build_actor(user),
        importer_key=key,
        file_bytes=data,
        filename="导出.xlsx",
        mode=ImportMode.ALL_OR_NOTHING,
    )
    imports.run_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, (job.failure_message, job.error_sample)
    return job


def state(*models):
    return [list(m.objects.order_by("pk").values()) for m in models], AuditEntry.objects.filter(
        action="import.applied"
    ).count()


# --- party ---------------------------------------------------------------------------------------


@pytest.fixture
def party_world(staff_user):
    w = make_world()
    customer_services.update_customer(
        actor=SYSTEM,
        customer_id=w.sh_dealer.pk,
        data=customer_services.CustomerData(
            name=w.sh_dealer.name,
            kind="distributor",
            org_id=w.east_sales.pk,
            short_name="浦江",
            class_id=w.cls_l1.pk,
            level_id=w.level_a.pk,
            sales_region_id=w.district_sh.pk,
            region_code="310115",
            tags=["VIP", "华东"],
            invoice_title="上海浦江商贸有限公司",
            tax_number=TAX,
        ),
    )
    for name, phone, primary in (("李雷", "13812345678", True), ("韩梅梅", "02161234567", False)):
        customer_services.add_contact(
            actor=SYSTEM,
            customer_id=w.sh_dealer.pk,
            name=name,
            phone=phone,
            position="采购" if primary else "",
            is_primary=primary,
        )
    customer_services.add_address(
        actor=SYSTEM,
        customer_id=w.sh_dealer.pk,
        district_code="310115",
        street="张江路 100 号",
        receiver="王仓管",
        phone="13900001111",
        is_default=True,
    )
    customer_services.add_address(
        actor=SYSTEM,
        customer_id=w.gz_dealer.pk,
        district_code="440100",  # a city-level address
        street="天河路 1 号",
        receiver="陈收货",
        phone="13900002222",
    )
    return w


def test_customers_export_imports_again_unchanged(party_world, staff_api, staff_user):
    data = download(staff_api, "party.customers")
    rows = sheet(data, party_io.CUSTOMER_SPEC)
    assert [r["客户编码"] for r in rows] == ["C-GZ-001", "C-SH-001", "C-SH-S01"]
    dealer = rows[1]
    assert (dealer["客户类型"], dealer["所属组织编码"], dealer["客户分类编码"]) == (
        "一级经销商",
        "E-SO",
        "L1",
    )
    assert (dealer["标签"], dealer["所在地区编码"], dealer["税号"], rows[2]["上级客户编码"]) == (
        "VIP,华东",
        "310115",
        TAX,
        "C-SH-001",
    )
    before = state(Customer)
    job = reimport(staff_user, "party.customers", data)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 3)
    assert state(Customer) == before


def test_contacts_and_addresses_export_imports_again_unchanged(party_world, staff_api, staff_user):
    data = download(staff_api, "party.contacts_addresses")
    rows = sheet(data, party_io.CONTACT_SPEC)
    assert [(r["客户编码"], r["类型"], r["姓名/收货人"], r["默认"]) for r in rows] == [
        ("C-SH-001", "联系人", "李雷", "是"),
        ("C-SH-001", "联系人", "韩梅梅", "否"),
        ("C-GZ-001", "收货地址", "陈收货", "否"),
        ("C-SH-001", "收货地址", "王仓管", "是"),
    ]
    assert rows[2]["地区编码"] == "440100"
    before = state(Contact, Address)
    job = reimport(staff_user, "party.contacts_addresses", data)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 4)
    assert state(Contact, Address) == before


def test_customer_exports_follow_the_list_filters(party_world, staff_api):
    w = party_world

    def codes(**params):
        rows = sheet(download(staff_api, "party.customers", **params), party_io.CUSTOMER_SPEC)
        return [r["客户编码"] for r in rows]

    assert codes(org_id=w.south_sales.pk) == ["C-GZ-001"]
    assert codes(search="便利") == ["C-SH-S01"]
    assert codes(kind="store") == ["C-SH-S01"]
    assert codes(status="active") == []
    assert codes(tag="vip") == ["C-SH-001"]
    rows = sheet(
        download(staff_api, "party.contacts_addresses", org_id=w.south_sales.pk),
        party_io.CONTACT_SPEC,
    )
    assert [r["客户编码"] for r in rows] == ["C-GZ-001"]
    res = staff_api.get(f"{API}/party.customers", {"status": "nonsense"})
    assert res.status_code == 422


def test_customer_exports_are_scoped_and_need_the_export_permission(party_world):
    w = party_world
    user_with("east-export", ["party.customer.view", "party.customer.export"], "org", org=w.east)
    east = token_client("east-export")
    rows = sheet(download(east, "party.customers"), party_io.CUSTOMER_SPEC)
    assert [r["客户编码"] for r in rows] == ["C-SH-001", "C-SH-S01"]
    rows = sheet(download(east, "party.contacts_addresses"), party_io.CONTACT_SPEC)
    assert {r["客户编码"] for r in rows} == {"C-SH-001"}
    # another organisation's customers are simply not there, whatever the filter says
    rows = sheet(download(east, "party.customers", org_id=w.south_sales.pk), party_io.CUSTOMER_SPEC)
    assert rows == []
    user_with("east-viewer", ["party.customer.view"], "org", org=w.east)
    viewer = token_client("east-viewer")
    for key in ("party.customers", "party.contacts_addresses"):
        res = viewer.get(f"{API}/{key}")
        assert res.status_code == 403 and res.json()["code"] == "permission_denied"
        assert Client().get(f"{API}/{key}").status_code == 401


# --- catalog -------------------------------------------------------------------------------------


@pytest.fixture
def catalog_world(staff_user):
    world = build_world()
    assert run_catalog("catalog.barcodes", catalog_io.BARCODE_SPEC, BARCODES).status == "done"
    assert run_catalog("catalog.authorisation", catalog_io.AUTHORISATION_SPEC, RULES).status == (
        "done"
    )
    return world


def test_products_export_imports_again_unchanged(catalog_world, staff_api, staff_user):
    data = download(staff_api, "catalog.products")
    rows = sheet(data, catalog_io.SPEC)
    assert [r["SKU编码"] for r in rows] == ["P1-1", "P1-2", "P2-1"]
    assert rows[0] == {
        "商品编码": "P1",
        "商品名称": "商品P1",
        "品牌编码": "B1",
        "分类编码": "C1",
        "基本单位": "bottle",
        "SKU编码": "P1-1",
        "规格": "规格:500ml",
        "条码": Barcode.objects.get(sku__code="P1-1", unit__code="bottle", is_primary=True).code,
        "箱规": 24,
        "状态": "上架",
        "组织编码": "GRP",
    }
    assert rows[2]["规格"] is None and rows[2]["箱规"] is None
    models = (Product, Sku, Barcode, UnitConversion)
    before = state(*models)
    job = reimport(staff_user, "catalog.products", data)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 3)
    assert state(*models) == before


def test_barcodes_export_imports_again_unchanged(catalog_world, staff_api, staff_user):
    data = download(staff_api, "catalog.barcodes")
    rows = sheet(data, catalog_io.BARCODE_SPEC)
    assert len(rows) == 5 and {r["主条码"] for r in rows} == {"是", "否"}
    before = state(Barcode)
    job = reimport(staff_user, "catalog.barcodes", data)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 5)
    assert state(Barcode) == before
    rows = sheet(download(staff_api, "catalog.barcodes", search="P1-2"), catalog_io.BARCODE_SPEC)
    assert {r["SKU编码"] for r in rows} == {"P1-2"}


def test_authorisation_export_imports_again_unchanged(catalog_world, staff_api, staff_user):
    data = download(staff_api, "catalog.authorisation")
    rows = sheet(data, catalog_io.AUTHORISATION_SPEC)
    assert len(rows) == 5
    ban = next(r for r in rows if r["效果"] == "禁止")
    assert (ban["对象类型"], ban["对象编码"], ban["范围类型"], ban["范围编码"]) == (
        "客户分类",
        "L1",
        "分类",
        "C1",
    )
    before = state(AuthorisationRule)
    job = reimport(staff_user, "catalog.authorisation", data)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 5)
    assert state(AuthorisationRule) == before
    rows = sheet(
        download(staff_api, "catalog.authorisation", effect="exclude"),
        catalog_io.AUTHORISATION_SPEC,
    )
    assert [r["效果"] for r in rows] == ["禁止"]


def test_catalog_exports_are_scoped_and_filtered(catalog_world, staff_api):
    w = catalog_world
    rows = sheet(download(staff_api, "catalog.products", brand_id=w["brand"].pk), catalog_io.SPEC)
    assert {r["商品编码"] for r in rows} == {"P1"}
    user = user_with(
        "sub-export",
        [
            "catalog.product.view",
            "catalog.product.export",
            "catalog.authorisation.view",
            "catalog.authorisation.export",
        ],
        "org",
        org=w["sub"],
    )
    user.org_id = w["sub"].pk
    user.save(update_fields=["org"])
    sub = token_client("sub-export")
    # the subsidiary sees the group's products, never another root's
    rows = sheet(download(sub, "catalog.products"), catalog_io.SPEC)
    assert {r["商品编码"] for r in rows} == {"P1"}
    rows = sheet(download(sub, "catalog.barcodes"), catalog_io.BARCODE_SPEC)
    assert {r["SKU编码"] for r in rows} == {"P1-1", "P1-2"}
    rows = sheet(download(sub, "catalog.authorisation"), catalog_io.AUTHORISATION_SPEC)
    assert len(rows) == 5  # the group's and its own rules
    user_with("sub-viewer", ["catalog.product.view", "catalog.authorisation.view"], "all")
    viewer = token_client("sub-viewer")
    for key in ("catalog.products", "catalog.barcodes", "catalog.authorisation"):
        res = viewer.get(f"{API}/{key}")
        assert res.status_code == 403 and res.json()["code"] == "permission_denied"


def test_there_is_no_export_for_unknown_keys(staff_api):
    assert staff_api.get(f"{API}/party.nothing").status_code == 404
