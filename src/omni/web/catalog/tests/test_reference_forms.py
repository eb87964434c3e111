"""Brands, categories and units: create / edit forms on their list pages. Every service
error is shown on its field in Chinese and writes nothing; without the permission, 404."""

import pytest

from omni.catalog.models import Brand, Category, Unit
from omni.catalog.tests.factories import BrandFactory, CategoryFactory, make_org
from omni.kernel.models import AuditEntry

from .conftest import html

pytestmark = pytest.mark.django_db

DUPLICATE = "该编码已被使用"
BAD_CODE = "编码只能由字母"
REQUIRED = "这个字段是必填项"


def field_errors(page: str, field: str) -> str:
    """The HTML of the <div class="field …"> holding the input named `field`."""
    marker = f'name="{field}"'
    at = page.index(marker)
    start = page.rindex('<div class="field', 0, at)
    return page[start : page.index("</div>", at)]


# --- brands -------------------------------------------------------------------------------


def test_brand_list_shows_the_create_form_and_creating_a_brand_redirects(admin, data):
    page = html(admin.get("/catalog/brands/"))
    assert 'data-test="create-form"' in page and "新建品牌" in page
    res = admin.post("/catalog/brands/new/", {"org": data["org"].pk, "code": "CY", "name": "茶语"})
    assert res.status_code == 302 and res["Location"] == "/catalog/brands/"
    brand = Brand.objects.get(code="CY")
    assert brand.name == "茶语" and brand.org_id == data["org"].pk
    page = html(admin.get("/catalog/brands/"))
    assert "品牌 CY 已创建" in page and 'data-code="CY"' in page


@pytest.mark.parametrize(
    ("post", "field", "message"),
    [
        ({"code": "QQ", "name": "重复"}, "code", DUPLICATE),
        ({"code": "bad code!", "name": "空格"}, "code", BAD_CODE),
        ({"code": "", "name": "无编码"}, "code", REQUIRED),
        ({"code": "NEW", "name": ""}, "name", REQUIRED),
        ({"code": "NEW", "name": "x", "org": "999999"}, "org", "选择一个有效的选项"),
    ],
)
def test_brand_create_errors_are_on_their_field_and_nothing_is_written(
    admin, data, post, field, message
):
    before = (Brand.objects.count(), AuditEntry.objects.count())
    page = html(admin.post("/catalog/brands/new/", {"org": data["org"].pk, **post}))
    assert message in field_errors(page, field)
    assert (Brand.objects.count(), AuditEntry.objects.count()) == before


def test_edit_a_brand(admin, data):
    brand = data["brand"]
    page = html(admin.get(f"/catalog/brands/{brand.pk}/edit/"))
    assert 'data-test="edit-form"' in page and 'value="清泉"' in page and "编辑品牌 QQ" in page
    res = admin.post(f"/catalog/brands/{brand.pk}/edit/", {"code": "QQ2", "name": "清泉山"})
    assert res.status_code == 302
    brand.refresh_from_db()
    assert (brand.code, brand.name) == ("QQ2", "清泉山")


def test_brand_edit_errors_write_nothing(admin, data):
    other = BrandFactory(org=data["org"], code="GY", name="果园")
    url = f"/catalog/brands/{other.pk}/edit/"
    page = html(admin.post(url, {"code": "QQ", "name": "改名"}))
    assert DUPLICATE in field_errors(page, "code")
    page = html(admin.post(url, {"code": "a/b", "name": "改名"}))
    assert BAD_CODE in field_errors(page, "code")
    other.refresh_from_db()
    assert (other.code, other.name) == ("GY", "果园")


def test_brand_forms_are_404_without_permission_or_outside_the_scope(data, client_with):
    brand = data["brand"]
    viewer = client_with("catalog.brand.view")
    assert viewer.get("/catalog/brands/").status_code == 200
    assert 'data-test="create-form"' not in html(viewer.get("/catalog/brands/"))
    assert viewer.post("/catalog/brands/new/", {"code": "X", "name": "X"}).status_code == 404
    assert viewer.post(f"/catalog/brands/{brand.pk}/edit/", {"code": "X"}).status_code == 404
    nobody = client_with("party.customer.view")
    assert nobody.get("/catalog/brands/").status_code == 404
    # an editor of another organisation does not see the brand at all
    other_org = make_org("OTHER")
    outsider = client_with(
        "catalog.brand.view",
        "catalog.brand.edit",
        "catalog.brand.create",
        scope="org",
        org=other_org,
    )
    assert outsider.get(f"/catalog/brands/{brand.pk}/edit/").status_code == 404
    assert (
        outsider.post(f"/catalog/brands/{brand.pk}/edit/", {"code": "Z", "name": "Z"}).status_code
        == 404
    )
    assert outsider.get("/catalog/brands/999999/edit/").status_code == 404
    brand.refresh_from_db()
    assert brand.code == "QQ"


# --- categories ---------------------------------------------------------------------------


def test_create_a_subcategory(admin, data):
    page = html(admin.get("/catalog/categories/new/", {"parent": data["drink"].pk}))
    assert f'<option value="{data["drink"].pk}" selected' in page
    res = admin.post(
        "/catalog/categories/new/",
        {"org": data["org"].pk, "code": "JUICE", "name": "果汁", "parent": data["drink"].pk},
    )
    assert res.status_code == 302 and res["Location"] == "/catalog/categories/"
    juice = Category.objects.get(code="JUICE")
    assert juice.parent_id == data["drink"].pk and juice.path.startswith(data["drink"].path)
    page = html(admin.get("/catalog/categories/"))
    assert page.index("饮料") < page.index("果汁")


@pytest.mark.parametrize(
    ("post", "field", "message"),
    [
        ({"code": "WATER", "name": "重复"}, "code", DUPLICATE),
        ({"code": "水 水", "name": "空格"}, "code", BAD_CODE),
        ({"code": "NEW", "name": ""}, "name", REQUIRED),
        ({"code": "NEW", "name": "新", "parent": "999999"}, "parent", "选择一个有效的选项"),
    ],
)
def test_category_create_errors(admin, data, post, field, message):
    before = Category.objects.count()
    page = html(admin.post("/catalog/categories/new/", {"org": data["org"].pk, **post}))
    assert message in field_errors(page, field)
    assert Category.objects.count() == before


def test_rename_and_move_a_category(admin, data):
    tea = CategoryFactory(org=data["org"], code="TEA", name="茶")
    res = admin.post(
        f"/catalog/categories/{tea.pk}/edit/",
        {"code": "TEA", "name": "茶饮料", "parent": data["drink"].pk},
    )
    assert res.status_code == 302
    tea.refresh_from_db()
    assert tea.name == "茶饮料" and tea.parent_id == data["drink"].pk
    assert tea.path == f"{data['drink'].path}{tea.pk}/"
    # back to the top level
    res = admin.post(
        f"/catalog/categories/{tea.pk}/edit/", {"code": "TEA", "name": "茶", "parent": ""}
    )
    tea.refresh_from_db()
    assert tea.parent_id is None and tea.path == f"/{tea.pk}/"


def test_moving_a_category_under_its_own_subcategory_is_refused_on_the_parent_field(admin, data):
    drink, water = data["drink"], data["water_cat"]
    url = f"/catalog/categories/{drink.pk}/edit/"
    page = html(admin.post(url, {"code": "DRINK", "name": "饮料（改）", "parent": water.pk}))
    assert "分类不能移到自身或其下级分类之下" in field_errors(page, "parent")
    page = html(admin.post(url, {"code": "DRINK", "name": "饮料（改）", "parent": drink.pk}))
    assert "分类不能移到自身或其下级分类之下" in field_errors(page, "parent")
    drink.refresh_from_db()
    water.refresh_from_db()
    assert drink.parent_id is None and drink.name == "饮料"  # the rename was not kept either
    assert water.path == f"{drink.path}{water.pk}/"


def test_category_forms_are_404_without_permission(data, client_with):
    viewer = client_with("catalog.category.view")
    assert 'data-test="create-form"' not in html(viewer.get("/catalog/categories/"))
    assert viewer.post("/catalog/categories/new/", {"code": "X"}).status_code == 404
    assert viewer.get(f"/catalog/categories/{data['drink'].pk}/edit/").status_code == 404
    editor = client_with("catalog.category.view", "catalog.category.edit")
    assert editor.get("/catalog/categories/999999/edit/").status_code == 404
    assert client_with("catalog.brand.view").get("/catalog/categories/").status_code == 404


# --- units --------------------------------------------------------------------------------


def test_unit_list_and_create(admin, data):
    page = html(admin.get("/catalog/units/"))
    assert "计量单位" in page and 'data-code="bottle"' in page and 'data-code="case"' in page
    res = admin.post("/catalog/units/new/", {"code": "kg", "name": "千克", "allows_fraction": "on"})
    assert res.status_code == 302 and res["Location"] == "/catalog/units/"
    kg = Unit.objects.get(code="kg")
    assert kg.name == "千克" and kg.allows_fraction
    page = html(admin.get("/catalog/units/", {"search": "千"}))
    assert 'data-code="kg"' in page and 'data-code="bottle"' not in page


@pytest.mark.parametrize(
    ("post", "field", "message"),
    [
        ({"code": "case", "name": "箱子"}, "code", DUPLICATE),
        ({"code": "a b", "name": "空格"}, "code", BAD_CODE),
        ({"code": "x" * 17, "name": "太长"}, "code", "不超过 16 字符"),
        ({"code": "ok", "name": ""}, "name", REQUIRED),
    ],
)
def test_unit_create_errors(admin, data, post, field, message):
    before = Unit.objects.count()
    page = html(admin.post("/catalog/units/new/", post))
    assert message in field_errors(page, field)
    assert Unit.objects.count() == before


def test_edit_a_unit_keeps_its_code(admin, data):
    case = data["case"]
    page = html(admin.get(f"/catalog/units/{case.pk}/edit/"))
    assert "编辑单位 case" in page and "disabled" in field_errors(page, "code")
    res = admin.post(f"/catalog/units/{case.pk}/edit/", {"code": "changed", "name": "大箱"})
    assert res.status_code == 302
    case.refresh_from_db()
    assert (case.code, case.name, case.allows_fraction) == ("case", "大箱", False)
    page = html(admin.post(f"/catalog/units/{case.pk}/edit/", {"name": ""}))
    assert REQUIRED in field_errors(page, "name")
    case.refresh_from_db()
    assert case.name == "大箱"


def test_unit_forms_are_404_without_permission(data, client_with):
    viewer = client_with("catalog.unit.view")
    assert 'data-test="create-form"' not in html(viewer.get("/catalog/units/"))
    assert viewer.post("/catalog/units/new/", {"code": "kg", "name": "千克"}).status_code == 404
    assert viewer.post(f"/catalog/units/{data['case'].pk}/edit/", {"name": "x"}).status_code == 404
    assert client_with("catalog.unit.edit").get("/catalog/units/").status_code == 404
    assert not Unit.objects.filter(code="kg").exists()
