"""Codes as long as their column are kept; one character more is refused before the database
sees it (422, nothing written): by the services (`invalid_code` / `invalid_barcode`) and by
the API. SQLite would store an over-long code and PostgreSQL would refuse it with a
DataError (a 500), so these run in both passes."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from omni.catalog.models import Barcode, Brand, Category, Product, Sku, Unit
from omni.catalog.services import barcodes, brands, categories, products, units
from omni.kernel.errors import InvalidInput
from omni.kernel.models import AuditEntry

from .factories import ADMIN, BrandFactory, CategoryFactory, UnitFactory, make_org, make_product

pytestmark = pytest.mark.django_db

API = "/api/v1/catalog"
MODELS = (Brand, Category, Unit, Product, Sku, Barcode, AuditEntry)


def longest(model) -> int:
    return model._meta.get_field("code").max_length


def code(model, extra: int) -> str:
    """A well-formed code `extra` characters longer than `model.code` allows (a barcode:
    an internal one, capitals then digits)."""
    if model is Barcode:
        return "A" + "1" * (longest(model) + extra - 1)
    return "A" * (longest(model) + extra)


@pytest.fixture
def w():
    org = make_org("GRP")
    unit = UnitFactory(code="bottle", name="瓶")
    product = make_product(org, "W", unit=unit)
    return SimpleNamespace(
        org=org,
        unit=unit,
        brand=BrandFactory(org=org, code="QQ", name="清泉"),
        category=CategoryFactory(org=org, code="DRINK", name="饮料"),
        product=product,
        sku=product.skus.get(),
    )


def state(w) -> tuple:
    """Row counts, and the codes an update could have changed."""
    rows = tuple(m.objects.count() for m in MODELS)
    codes = tuple(
        type(o).objects.values_list("code", flat=True).get(pk=o.pk)
        for o in (w.brand, w.category, w.product, w.sku)
    )
    return rows, codes


SERVICE_CASES = {
    "brand-create": (
        Brand,
        lambda w, c: brands.create_brand(actor=ADMIN, org_id=w.org.pk, code=c, name="果园鲜"),
    ),
    "brand-update": (
        Brand,
        lambda w, c: brands.update_brand(actor=ADMIN, brand_id=w.brand.pk, code=c),
    ),
    "category-create": (
        Category,
        lambda w, c: categories.create_category(actor=ADMIN, org_id=w.org.pk, code=c, name="水"),
    ),
    "category-update": (
        Category,
        lambda w, c: categories.update_category(actor=ADMIN, category_id=w.category.pk, code=c),
    ),
    "unit-create": (
        Unit,
        lambda w, c: units.create_unit(actor=ADMIN, code=c, name="箱"),
    ),
    "product-create": (
        Product,
        lambda w, c: products.create_product(
            actor=ADMIN, org_id=w.org.pk, code=c, name="新品", base_unit_id=w.unit.pk
        ),
    ),
    "product-update": (
        Product,
        lambda w, c: products.update_product(actor=ADMIN, product_id=w.product.pk, code=c),
    ),
    "sku-codes-on-create": (
        Sku,
        lambda w, c: products.create_product(
            actor=ADMIN,
            org_id=w.org.pk,
            code="NEW",
            name="新品",
            base_unit_id=w.unit.pk,
            sku_codes=[c],
        ),
    ),
    "sku-update": (
        Sku,
        lambda w, c: products.update_sku(actor=ADMIN, sku_id=w.sku.pk, code=c),
    ),
    "barcode-add": (
        Barcode,
        lambda w, c: barcodes.add_barcode(actor=ADMIN, sku_id=w.sku.pk, code=c),
    ),
}


@pytest.mark.parametrize("case", SERVICE_CASES)
def test_services_keep_a_code_as_long_as_its_column(w, case):
    model, call = SERVICE_CASES[case]
    call(w, code(model, 0))
    assert model.objects.filter(code=code(model, 0)).exists()


@pytest.mark.parametrize("case", SERVICE_CASES)
def test_services_refuse_a_code_longer_than_its_column_and_write_nothing(w, case):
    model, call = SERVICE_CASES[case]
    before = state(w)
    with pytest.raises(InvalidInput) as info:
        call(w, code(model, 1))
    if model is Barcode:
        assert info.value.code == "invalid_barcode"
    else:
        assert info.value.code == "invalid_code"
        assert info.value.details["max_length"] == longest(model)
    assert state(w) == before


# --- the API -------------------------------------------------------------------------------


@pytest.fixture
def admin_api() -> Client:
    user = get_user_model().objects.create_superuser("catadmin", password="pw-123456789")
    client = Client()
    client.force_login(user)
    return client


# name: (model, method, url, body for a code, status when it fits, error code when too long)
API_CASES = {
    "brand": (
        Brand,
        "post",
        lambda w: f"{API}/brands",
        lambda w, c: {"org_id": w.org.pk, "code": c, "name": "果园鲜"},
        201,
        "invalid_input",
    ),
    "category": (
        Category,
        "post",
        lambda w: f"{API}/categories",
        lambda w, c: {"org_id": w.org.pk, "code": c, "name": "水"},
        201,
        "invalid_input",
    ),
    "unit": (
        Unit,
        "post",
        lambda w: f"{API}/units",
        lambda w, c: {"code": c, "name": "箱"},
        201,
        "invalid_input",
    ),
    "product": (
        Product,
        "post",
        lambda w: f"{API}/products",
        lambda w, c: {"org_id": w.org.pk, "code": c, "name": "新品", "base_unit_id": w.unit.pk},
        201,
        "invalid_input",
    ),
    "sku-codes": (
        Sku,
        "post",
        lambda w: f"{API}/products",
        lambda w, c: {
            "org_id": w.org.pk,
            "code": "NEW",
            "name": "新品",
            "base_unit_id": w.unit.pk,
            "sku_codes": [c],
        },
        201,
        "invalid_input",  # the schema's pattern for SKU codes, as for every other code
    ),
    "sku": (
        Sku,
        "patch",
        lambda w: f"{API}/skus/{w.sku.pk}",
        lambda w, c: {"code": c},
        200,
        "invalid_input",
    ),
    "barcode": (
        Barcode,
        "post",
        lambda w: f"{API}/skus/{w.sku.pk}/barcodes",
        lambda w, c: {"code": c},
        201,
        "invalid_input",
    ),
}


@pytest.mark.parametrize("case", API_CASES)
def test_api_answers_422_for_a_code_longer_than_its_column_and_writes_nothing(admin_api, w, case):
    model, method, url, body, ok, error = API_CASES[case]
    send = getattr(admin_api, method)
    before = state(w)
    res = send(url(w), body(w, code(model, 1)), content_type="application/json")
    assert res.status_code == 422, res.content
    assert res.json()["code"] == error
    assert state(w) == before

    res = send(url(w), body(w, code(model, 0)), content_type="application/json")
    assert res.status_code == ok, res.content
    assert model.objects.filter(code=code(model, 0)).exists()
