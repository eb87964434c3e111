"""The catalog API: create / list / filter / detail, bad input, permissions, unknown ids."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from omni.catalog.models import AuthorisationRule, Barcode, Brand, Product, Sku
from omni.kernel.models import AuditEntry
from omni.kernel.testing import assert_max_queries

from .factories import BrandFactory, CategoryFactory, UnitFactory, ean13, make_org, make_product

pytestmark = pytest.mark.django_db

API = "/api/v1/catalog"


@pytest.fixture
def admin_api() -> Client:
    user = get_user_model().objects.create_superuser("catadmin", password="pw-123456789")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def nobody_api() -> Client:
    user = get_user_model().objects.create_user("nobody", password="pw-123456789")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def org():
    return make_org("GRP")


@pytest.fixture
def bottle():
    return UnitFactory(code="bottle", name="瓶")


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def patch(client, url, body):
    return client.patch(url, body, content_type="application/json")


def shape(res) -> dict:
    body = res.json()
    assert set(body) == {"code", "message", "details"}, body
    return body


def test_create_list_filter_and_detail_products(admin_api, org, bottle):
    brand = BrandFactory(org=org, code="QQ", name="清泉")
    drink = CategoryFactory(org=org, code="DRINK", name="饮料")
    water = CategoryFactory(org=org, code="WATER", name="饮用水", parent=drink)
    res = post(
        admin_api,
        f"{API}/products",
        {
            "org_id": org.pk,
            "code": "QQ-W",
            "name": "清泉矿泉水",
            "base_unit_id": bottle.pk,
            "brand_id": brand.pk,
            "category_id": water.pk,
            "spec_attributes": {"规格": ["500ml", "1.5L"], "口味": ["原味", "无糖"]},
            "track_expiry": True,
            "shelf_life_days": 365,
        },
    )
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["sku_count"] == 4
    assert [s["code"] for s in body["skus"]] == ["QQ-W-1", "QQ-W-2", "QQ-W-3", "QQ-W-4"]
    assert list(body["spec_attributes"]) == ["规格", "口味"]  # order kept
    assert body["brand"] == {"id": brand.pk, "code": "QQ", "name": "清泉"}
    product_id = body["id"]
    sku_id = body["skus"][0]["id"]

    make_product(org, "OTHER", name="别的")
    # barcode, conversion, and the detail shows them
    case = UnitFactory(code="case", name="箱")
    res = admin_api.put(
        f"{API}/skus/{sku_id}/conversions/{case.pk}",
        {"factor": "24"},
        content_type="application/json",
    )
    assert res.status_code == 200 and res.json()["factor"] == "24", res.content
    res = post(admin_api, f"{API}/skus/{sku_id}/barcodes", {"code": ean13(1)})
    assert res.status_code == 201 and res.json()["is_primary"]
    res = post(admin_api, f"{API}/skus/{sku_id}/barcodes", {"code": ean13(2), "unit_id": case.pk})
    assert res.status_code == 201
    res = admin_api.get(f"{API}/barcode-lookup", {"code": ean13(2)})
    assert res.json() == {
        "sku_id": sku_id,
        "sku_code": "QQ-W-1",
        "unit_code": "case",
        "factor": "24",
    }

    with assert_max_queries(12):
        detail = admin_api.get(f"{API}/products/{product_id}")
    assert detail.status_code == 200
    sku = detail.json()["skus"][0]
    assert sku["conversions"] == [
        {"unit_id": case.pk, "unit_code": "case", "unit_name": "箱", "factor": "24"}
    ]
    assert {b["code"] for b in sku["barcodes"]} == {ean13(1), ean13(2)}

    def codes(**params):
        res = admin_api.get(f"{API}/products", params)
        assert res.status_code == 200, res.content
        return [p["code"] for p in res.json()["items"]]

    assert codes() == ["OTHER", "QQ-W"]
    assert codes(brand_id=brand.pk) == ["QQ-W"]
    assert codes(category_id=drink.pk) == ["QQ-W"]  # subtree
    assert codes(search="矿泉") == ["QQ-W"]
    assert codes(search=ean13(2)) == ["QQ-W"]  # by barcode
    assert codes(search="QQ-W-3") == ["QQ-W"]  # by SKU code
    assert codes(status="inactive") == []
    assert codes(ordering="-code") == ["QQ-W", "OTHER"]
    with assert_max_queries(6):
        page = admin_api.get(f"{API}/products", {"page_size": 1, "page": 2}).json()
    assert page["total"] == 2 and len(page["items"]) == 1

    res = post(admin_api, f"{API}/products/{product_id}/status", {"status": "inactive"})
    assert res.status_code == 200 and res.json()["status"] == "inactive"
    res = post(admin_api, f"{API}/products/{product_id}/status", {"status": "inactive"})
    assert res.status_code == 409 and shape(res)["code"] == "invalid_transition"


def test_patch_product_adds_skus_and_changes_only_given_fields(admin_api, org, bottle):
    product = make_product(org, "T", spec={"规格": ["500ml"]}, name="茶")
    res = patch(
        admin_api, f"{API}/products/{product.pk}", {"spec_attributes": {"规格": ["500ml", "1L"]}}
    )
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["name"] == "茶" and [s["code"] for s in body["skus"]] == ["T-1", "T-2"]
    res = patch(admin_api, f"{API}/products/{product.pk}", {"brand_id": None, "name": "绿茶"})
    assert res.status_code == 200 and res.json()["name"] == "绿茶"


def test_brands_categories_units(admin_api, org):
    res = post(admin_api, f"{API}/brands", {"org_id": org.pk, "code": "GY", "name": "果园鲜"})
    assert res.status_code == 201
    brand_id = res.json()["id"]
    res = patch(admin_api, f"{API}/brands/{brand_id}", {"name": "果园鲜果汁"})
    assert res.json()["name"] == "果园鲜果汁"
    assert admin_api.get(f"{API}/brands", {"search": "果园"}).json()["total"] == 1
    res = post(admin_api, f"{API}/brands", {"org_id": org.pk, "code": "GY", "name": "again"})
    assert res.status_code == 409 and shape(res)["code"] == "duplicate_code"

    root = post(admin_api, f"{API}/categories", {"org_id": org.pk, "code": "D", "name": "饮料"})
    child = post(
        admin_api,
        f"{API}/categories",
        {"org_id": org.pk, "code": "W", "name": "水", "parent_id": root.json()["id"]},
    )
    assert child.status_code == 201 and child.json()["depth"] == 1
    res = patch(
        admin_api, f"{API}/categories/{root.json()['id']}", {"parent_id": child.json()["id"]}
    )
    assert res.status_code == 422 and shape(res)["code"] == "category_cycle"
    res = patch(admin_api, f"{API}/categories/{child.json()['id']}", {"parent_id": None})
    assert res.status_code == 200 and res.json()["path"] == f"/{child.json()['id']}/"
    listed = admin_api.get(f"{API}/categories").json()
    assert [c["code"] for c in listed["items"]] == ["D", "W"]

    res = post(admin_api, f"{API}/units", {"code": "kg", "name": "千克", "allows_fraction": True})
    assert res.status_code == 201
    assert admin_api.get(f"{API}/units").json()["total"] == 1


def test_authorisation_rules_api(admin_api, org, bottle):
    product = make_product(org, "W")
    res = post(
        admin_api,
        f"{API}/authorisation-rules",
        {
            "org_id": org.pk,
            "effect": "include",
            "subject_kind": "all",
            "target_kind": "product",
            "target_id": product.pk,
            "valid_from": "2026-01-01",
        },
    )
    assert res.status_code == 201, res.content
    rule_id = res.json()["id"]
    assert res.json()["target_id"] == product.pk
    res = patch(admin_api, f"{API}/authorisation-rules/{rule_id}", {"effect": "exclude"})
    assert res.json()["effect"] == "exclude"
    assert admin_api.get(f"{API}/authorisation-rules", {"effect": "exclude"}).json()["total"] == 1
    res = patch(admin_api, f"{API}/authorisation-rules/{rule_id}", {"valid_to": "2025-01-01"})
    assert res.status_code == 422 and shape(res)["code"] == "invalid_date_range"
    assert admin_api.delete(f"{API}/authorisation-rules/{rule_id}").status_code == 204
    assert not AuthorisationRule.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "invalid_input"),
        ({"code": "has space"}, "invalid_input"),
        ({"extra_field": 1}, "invalid_input"),
        ({"spec_attributes": ["not", "a", "dict"]}, "invalid_input"),
        ({"shelf_life_days": 0}, "invalid_input"),
        ({"base_unit_id": "abc"}, "invalid_input"),
        ({"spec_attributes": {"规格": []}}, "invalid_input"),  # the schema: at least one value
        ({"spec_attributes": {"规格": ["1L", "1L"]}}, "invalid_spec"),
        ({"track_expiry": True}, "shelf_life_required"),
        ({"base_unit_id": 999_999}, "unknown_unit"),
        ({"brand_id": 999_999}, "unknown_brand"),
        ({"org_id": 999_999}, "unknown_org"),
    ],
)
def test_bad_product_input_is_422_and_writes_nothing(admin_api, org, bottle, body, code):
    valid = {"org_id": org.pk, "code": "NEW", "name": "新品", "base_unit_id": bottle.pk}
    payload = {**valid, **body} if body else {}
    before = (Product.objects.count(), Sku.objects.count(), AuditEntry.objects.count())
    res = post(admin_api, f"{API}/products", payload)
    # an id that names nothing is a 404 (UnknownReference), a malformed value a 422
    assert res.status_code == (404 if code.startswith("unknown_") else 422), res.content
    assert shape(res)["code"] == code
    assert (Product.objects.count(), Sku.objects.count(), AuditEntry.objects.count()) == before


def test_bad_barcode_and_conversion_input(admin_api, org, bottle):
    sku = make_product(org, "W").skus.get()
    res = post(admin_api, f"{API}/skus/{sku.pk}/barcodes", {"code": "6901234567893"})
    assert res.status_code == 422 and shape(res)["code"] == "invalid_barcode"
    res = post(admin_api, f"{API}/skus/{sku.pk}/barcodes", {"code": ean13(7)})
    res = post(admin_api, f"{API}/skus/{sku.pk}/barcodes", {"code": ean13(7)})
    assert res.status_code == 409 and shape(res)["code"] == "duplicate_barcode"
    assert Barcode.objects.count() == 1
    case = UnitFactory(code="case", name="箱")
    for factor in ("0", "-1", 1.5, "abc"):
        res = sku_put = admin_api.put(
            f"{API}/skus/{sku.pk}/conversions/{case.pk}",
            {"factor": factor},
            content_type="application/json",
        )
        assert sku_put.status_code == 422, factor
    assert res.json()["code"] in ("invalid_input", "invalid_factor")


def test_without_permission_403_and_nothing_written(nobody_api, org, bottle):
    product = make_product(org, "W")
    for method, url, body in [
        ("get", f"{API}/products", None),
        ("get", f"{API}/products/{product.pk}", None),
        ("get", f"{API}/brands", None),
        ("get", f"{API}/authorisation-rules", None),
        ("post", f"{API}/brands", {"org_id": org.pk, "code": "X", "name": "X"}),
        (
            "post",
            f"{API}/products",
            {"org_id": org.pk, "code": "N", "name": "N", "base_unit_id": bottle.pk},
        ),
        ("patch", f"{API}/products/{product.pk}", {"name": "改名"}),
    ]:
        kwargs = {"content_type": "application/json"} if body is not None else {}
        res = getattr(nobody_api, method)(url, body, **kwargs) if body else nobody_api.get(url)
        assert res.status_code == 403, (method, url, res.content)
        assert shape(res)["code"] == "permission_denied"
    assert Brand.objects.count() == 0 and Product.objects.count() == 1
    product.refresh_from_db()
    assert product.name != "改名"


def test_unknown_ids_are_404(admin_api):
    for url in (
        f"{API}/products/999999",
        f"{API}/brands/999999",
        f"{API}/categories/999999",
        f"{API}/units/999999",
        f"{API}/skus/999999",
        f"{API}/authorisation-rules/999999",
    ):
        res = admin_api.get(url)
        assert res.status_code == 404, url
        assert shape(res)["code"] == "not_found"
    assert patch(admin_api, f"{API}/products/999999", {"name": "x"}).status_code == 404
    assert admin_api.delete(f"{API}/barcodes/999999").status_code == 404
    assert admin_api.get(f"{API}/barcode-lookup", {"code": "6901234567892"}).status_code == 404


def test_anonymous_is_401():
    assert Client().get(f"{API}/products").status_code == 401
