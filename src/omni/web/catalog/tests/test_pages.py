"""Catalog console pages: list (filters, sort, pages), export, detail with history, forms."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from openpyxl import load_workbook

from omni.catalog.models import Product
from omni.catalog.tests.factories import ean13, make_product

from .conftest import html

pytestmark = pytest.mark.django_db


def test_product_list_filters_and_sorts(admin, data):
    page = html(admin.get("/catalog/"))
    assert "清泉矿泉水" in page and "果园鲜橙汁" in page
    assert "商品" in page  # zh-Hans by default
    page = html(admin.get("/catalog/", {"brand": data["brand"].pk}))
    assert "清泉矿泉水" in page and "果园鲜橙汁" not in page
    page = html(admin.get("/catalog/", {"category": data["drink"].pk}))  # subtree
    assert "清泉矿泉水" in page and "果园鲜橙汁" not in page
    page = html(admin.get("/catalog/", {"search": ean13(2)}))  # the case barcode
    assert "清泉矿泉水" in page and "果园鲜橙汁" not in page
    page = html(admin.get("/catalog/", {"sort": "-code", "per_page": 20}))
    assert page.index("QQ-W") < page.index("GY-J")
    page = html(admin.get("/catalog/", {"brand": "not-a-number", "page": "999"}))
    assert "清泉矿泉水" in page  # a bad filter is reported and left out, never a 500


def test_product_export_has_chinese_headers_and_the_filtered_rows(admin, data):
    res = admin.get("/catalog/products/export/", {"brand": data["brand"].pk})
    assert res.status_code == 200
    assert res["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(res.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    headers = rows[0]
    assert headers[:4] == ("商品编码", "商品名称", "品牌", "分类")
    assert [r[0] for r in rows[1:]] == ["QQ-W"]
    assert rows[1][1] == "清泉矿泉水" and rows[1][6] == 2


def test_product_detail_shows_skus_barcodes_units_bundles_and_history(admin, data):
    page = html(admin.get(f"/catalog/products/{data['water'].pk}/"))
    for text in ("QQ-W-1", "QQ-W-2", ean13(1), ean13(2), "1 箱 = 24 瓶", "清泉"):
        assert text in page, text
    assert 'data-tab="history"' in page and "catalog.product_created" in page
    assert "catalog.barcode_added" in page
    box = html(admin.get(f"/catalog/products/{data['box'].pk}/"))
    assert 'data-test="bundle-items"' in box and "QQ-W-1" in box


def test_product_detail_query_budget(admin, data):
    from omni.kernel.testing import assert_max_queries

    admin.get(f"/catalog/products/{data['water'].pk}/")  # warm the session
    # session, user, product, 4 prefetches, history, and one query per kind of object the
    # history names (organisation, brand, category, unit, the product itself)
    with assert_max_queries(15):
        html(admin.get(f"/catalog/products/{data['water'].pk}/"))


def test_product_list_query_budget_does_not_grow_with_rows(admin, data):
    from omni.kernel.testing import assert_max_queries

    for n in range(25):
        make_product(data["org"], f"N{n:02d}", brand=data["brand"], unit=data["bottle"])
    with assert_max_queries(10) as ctx:
        page = html(admin.get("/catalog/", {"per_page": 50}))
    assert "N24" in page, len(ctx.captured_queries)


def test_create_product_through_the_form(admin, data):
    form = {
        "org": data["org"].pk,
        "code": "CY-T",
        "name": "茶语绿茶",
        "base_unit": data["bottle"].pk,
        "spec": "规格: 500ml, 1L\n口味: 原味，无糖",
    }
    res = admin.post("/catalog/products/new/", form)
    product = Product.objects.get(code="CY-T")
    assert res.status_code == 302 and res["Location"] == f"/catalog/products/{product.pk}/"
    assert product.skus.count() == 4
    assert product.spec_dict == {"规格": ["500ml", "1L"], "口味": ["原味", "无糖"]}


def test_product_form_errors_are_in_chinese_and_nothing_is_written(admin, data):
    before = Product.objects.count()
    page = html(admin.post("/catalog/products/new/", {"org": data["org"].pk}))
    assert "这个字段是必填项" in page
    page = html(
        admin.post(
            "/catalog/products/new/",
            {"org": data["org"].pk, "code": "QQ-W", "name": "重复", "base_unit": data["bottle"].pk},
        )
    )
    assert 'class="field-error"' in page and "该编码已被使用" in page  # on the code field
    page = html(
        admin.post(
            "/catalog/products/new/",
            {
                "org": data["org"].pk,
                "code": "X",
                "name": "X",
                "base_unit": data["bottle"].pk,
                "spec": "no colon here",
            },
        )
    )
    assert "每行填写一个属性" in page  # the spec syntax message, in Chinese
    assert Product.objects.count() == before


def test_edit_product_adds_skus_and_status_toggle(admin, data):
    water = data["water"]
    page = html(admin.get(f"/catalog/products/{water.pk}/edit/"))
    assert "规格: 500ml, 1.5L" in page
    res = admin.post(
        f"/catalog/products/{water.pk}/edit/",
        {"code": "QQ-W", "name": "清泉天然矿泉水", "base_unit": data["bottle"].pk,
         "brand": data["brand"].pk, "category": water.category_id,
         "spec": "规格: 500ml, 1.5L, 5L"},
    )  # fmt: skip
    assert res.status_code == 302
    water.refresh_from_db()
    assert water.name == "清泉天然矿泉水" and water.skus.count() == 3
    res = admin.post(f"/catalog/products/{water.pk}/status/", {"status": "inactive"})
    assert res.status_code == 302
    water.refresh_from_db()
    assert water.status == "inactive"


def test_brand_and_category_lists(admin, data):
    page = html(admin.get("/catalog/brands/"))
    assert "清泉" in page
    page = html(admin.get("/catalog/categories/"))
    assert page.index("饮料") < page.index("饮用水")


def test_pages_are_404_without_permission_and_login_is_required(data):
    user = get_user_model().objects.create_user("nobody", password="pw-123456789")
    client = Client()
    client.force_login(user)
    for url in (
        "/catalog/",
        "/catalog/products/export/",
        f"/catalog/products/{data['water'].pk}/",
        "/catalog/products/new/",
        "/catalog/brands/",
    ):
        assert client.get(url).status_code == 404, url
    res = Client().get("/catalog/")
    assert res.status_code == 302 and "/login/" in res["Location"]


def test_unknown_product_is_404(admin):
    assert admin.get("/catalog/products/999999/").status_code == 404
    assert admin.get("/catalog/products/999999/edit/").status_code == 404
