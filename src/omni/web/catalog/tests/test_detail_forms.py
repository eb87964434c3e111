"""Product detail forms: barcodes, unit conversions, bundle items, SKU status. Each goes
through the catalog services; a service error is shown on its field (in Chinese) with the
tab kept open and nothing written; without catalog.product.edit every POST is a 404."""

from decimal import Decimal

import pytest

from omni.catalog.models import Barcode, BundleItem, Sku, UnitConversion
from omni.catalog.tests.factories import ean13, make_org, make_product
from omni.kernel.models import AuditEntry

from .conftest import html
from .test_reference_forms import field_errors

pytestmark = pytest.mark.django_db


def url(product) -> str:
    return f"/catalog/products/{product.pk}/"


def skus(product) -> list[Sku]:
    return list(product.skus.order_by("id"))


def snapshot() -> tuple[int, ...]:
    return (
        Barcode.objects.count(),
        UnitConversion.objects.count(),
        BundleItem.objects.count(),
        AuditEntry.objects.count(),
    )


# --- barcodes -----------------------------------------------------------------------------


def test_the_detail_page_shows_the_forms_to_an_editor(admin, data):
    page = html(admin.get(url(data["water"])))
    for test_id in ("barcode-form", "conversion-form", "barcode-remove", "sku-status-form"):
        assert f'data-test="{test_id}"' in page, test_id
    assert 'data-test="bundle-form"' not in page  # not a bundle
    assert 'data-test="bundle-form"' in html(admin.get(url(data["box"])))


def test_add_a_barcode(admin, data):
    sku2 = skus(data["water"])[1]
    res = admin.post(
        url(data["water"]),
        {
            "op": "barcode",
            "barcode-sku": sku2.pk,
            "barcode-code": ean13(7),
            "barcode-unit": data["bottle"].pk,
        },
    )
    assert res.status_code == 302 and res["Location"] == f"{url(data['water'])}#barcodes"
    barcode = Barcode.objects.get(code=ean13(7))
    assert barcode.sku_id == sku2.pk and barcode.is_primary
    page = html(admin.get(url(data["water"])))
    assert f"条码 {ean13(7)} 已添加到 {sku2.code}" in page


def _wrong_check_digit(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


@pytest.mark.parametrize(
    ("code", "unit", "field", "message"),
    [
        ("wrong", "bottle", "barcode-code", "条码无效：应为 8、12、13 或 14 位"),
        ("abc", "bottle", "barcode-code", "条码无效"),  # too short
        (ean13(1), "bottle", "barcode-code", "该条码已被使用"),
        ("", "bottle", "barcode-code", "这个字段是必填项"),
        (ean13(8), "case", "barcode-unit", "单位不存在"),  # SKU 2 has no case conversion
    ],
)
def test_barcode_errors_are_on_their_field_and_nothing_is_written(
    admin, data, code, unit, field, message
):
    water = data["water"]
    code = _wrong_check_digit(ean13(9)) if code == "wrong" else code
    before = snapshot()
    page = html(
        admin.post(
            url(water),
            {
                "op": "barcode",
                "barcode-sku": skus(water)[1].pk,
                "barcode-code": code,
                "barcode-unit": data[unit].pk,
            },
        )
    )
    assert message in field_errors(page, field)
    assert 'history.replaceState(null, "", "#barcodes")' in page  # the tab stays open
    assert snapshot() == before


def test_remove_a_barcode_and_the_next_one_becomes_primary(admin, data):
    water = data["water"]
    sku = skus(water)[0]
    extra = ean13(5)
    admin.post(
        url(water),
        {
            "op": "barcode",
            "barcode-sku": sku.pk,
            "barcode-code": extra,
            "barcode-unit": data["bottle"].pk,
        },
    )
    first = Barcode.objects.get(code=ean13(1))
    res = admin.post(url(water), {"op": "barcode-remove", "barcode": first.pk})
    assert res.status_code == 302 and res["Location"].endswith("#barcodes")
    assert not Barcode.objects.filter(pk=first.pk).exists()
    assert Barcode.objects.get(code=extra).is_primary
    assert f"条码 {ean13(1)} 已删除" in html(admin.get(url(water)))


def test_a_barcode_of_another_product_cannot_be_removed_through_this_page(admin, data):
    juice = data["juice"]
    first = Barcode.objects.get(code=ean13(1))  # a water barcode
    assert admin.post(url(juice), {"op": "barcode-remove", "barcode": first.pk}).status_code == 404
    assert admin.post(url(juice), {"op": "barcode-remove", "barcode": "x"}).status_code == 404
    assert Barcode.objects.filter(pk=first.pk).exists()


# --- unit conversions ---------------------------------------------------------------------


def test_set_and_change_a_unit_conversion(admin, data):
    water = data["water"]
    sku2 = skus(water)[1]
    post = {"op": "conversion", "conversion-sku": sku2.pk, "conversion-unit": data["case"].pk}
    res = admin.post(url(water), {**post, "conversion-factor": "24"})
    assert res.status_code == 302 and res["Location"].endswith("#units")
    conv = UnitConversion.objects.get(sku=sku2, unit=data["case"])
    assert conv.factor == Decimal("24")
    page = html(admin.get(url(water)))
    assert f"{sku2.code}：1 箱 = 24 个基本单位" in page
    assert f'data-conversion="{sku2.code}/case"' in page and "1 箱 = 24 瓶" in page
    admin.post(url(water), {**post, "conversion-factor": "12.5"})
    conv.refresh_from_db()
    assert conv.factor == Decimal("12.5")


@pytest.mark.parametrize(
    ("factor", "unit", "field", "message"),
    [
        ("0", "case", "conversion-factor", "换算系数必须大于零"),
        ("-3", "case", "conversion-factor", "换算系数必须大于零"),
        ("abc", "case", "conversion-factor", "换算系数必须大于零"),
        ("1.1234567", "case", "conversion-factor", "换算系数必须大于零"),  # > 6 decimals
        ("", "case", "conversion-factor", "这个字段是必填项"),
        ("24", "bottle", "conversion-unit", "选择一个有效的选项"),  # the base unit
    ],
)
def test_conversion_errors_write_nothing(admin, data, factor, unit, field, message):
    water = data["water"]
    before = snapshot()
    page = html(
        admin.post(
            url(water),
            {
                "op": "conversion",
                "conversion-sku": skus(water)[1].pk,
                "conversion-unit": data[unit].pk,
                "conversion-factor": factor,
            },
        )
    )
    assert message in field_errors(page, field)
    assert 'history.replaceState(null, "", "#units")' in page
    assert snapshot() == before


def test_remove_a_conversion_refused_while_barcodes_label_the_unit(admin, data):
    water = data["water"]
    sku = skus(water)[0]
    post = {"op": "conversion-remove", "sku": sku.pk, "unit": data["case"].pk}
    before = snapshot()
    res = admin.post(url(water), post, follow=True)
    assert "仍有条码使用此单位，请先删除这些条码" in html(res)
    assert snapshot() == before
    case_barcode = Barcode.objects.get(code=ean13(2))
    admin.post(url(water), {"op": "barcode-remove", "barcode": case_barcode.pk})
    res = admin.post(url(water), post)
    assert res.status_code == 302 and res["Location"].endswith("#units")
    assert not UnitConversion.objects.filter(sku=sku, unit=data["case"]).exists()
    assert f"{sku.code}：箱 的换算已删除" in html(admin.get(url(water)))
    # gone now: a second removal names nothing
    assert admin.post(url(water), post).status_code == 404


# --- bundle items -------------------------------------------------------------------------


def test_add_and_remove_bundle_items(admin, data):
    box = data["box"]
    bundle_sku = box.skus.get()
    juice_sku = data["juice"].skus.get()
    res = admin.post(
        url(box),
        {
            "op": "bundle",
            "bundle-bundle": bundle_sku.pk,
            "bundle-component": juice_sku.code,
            "bundle-quantity": "2",
        },
    )
    assert res.status_code == 302 and res["Location"].endswith("#bundle")
    items = dict(
        BundleItem.objects.filter(bundle=bundle_sku).values_list("component__code", "quantity")
    )
    assert items == {"QQ-W-1": Decimal("6"), juice_sku.code: Decimal("2")}
    page = html(admin.get(url(box)))
    assert "已为 BOX-1 添加组件" in page and f'data-component="{juice_sku.code}"' in page
    res = admin.post(
        url(box), {"op": "bundle-remove", "bundle": bundle_sku.pk, "component": juice_sku.pk}
    )
    assert res.status_code == 302
    assert list(
        BundleItem.objects.filter(bundle=bundle_sku).values_list("component__code", flat=True)
    ) == ["QQ-W-1"]
    # a component that is not in the bundle
    assert (
        admin.post(
            url(box), {"op": "bundle-remove", "bundle": bundle_sku.pk, "component": juice_sku.pk}
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("component", "quantity", "field", "message"),
    [
        ("QQ-W-1", "1", "bundle-component", "组合商品中每个组件只能出现一次"),
        ("BOX-1", "1", "bundle-component", "组合商品不能包含自身"),
        ("NOPE", "1", "bundle-component", "SKU 不存在"),
        ("GY-J-1", "0", "bundle-quantity", "数量必须大于零"),
        ("GY-J-1", "1.23456", "bundle-quantity", "数量必须大于零"),  # > 4 decimals
        ("GY-J-1", "", "bundle-quantity", "这个字段是必填项"),
    ],
)
def test_bundle_item_errors_write_nothing(admin, data, component, quantity, field, message):
    box = data["box"]
    before = snapshot()
    page = html(
        admin.post(
            url(box),
            {
                "op": "bundle",
                "bundle-bundle": box.skus.get().pk,
                "bundle-component": component,
                "bundle-quantity": quantity,
            },
        )
    )
    assert message in field_errors(page, field)
    assert 'history.replaceState(null, "", "#bundle")' in page
    assert snapshot() == before


def test_a_nested_bundle_cycle_is_refused(admin, data):
    org = data["org"]
    outer = make_product(org, "OUTER", unit=data["bottle"], is_bundle=True)
    admin.post(
        url(outer),
        {
            "op": "bundle",
            "bundle-bundle": outer.skus.get().pk,
            "bundle-component": "BOX-1",
            "bundle-quantity": "1",
        },
    )
    before = snapshot()
    page = html(
        admin.post(
            url(data["box"]),
            {
                "op": "bundle",
                "bundle-bundle": data["box"].skus.get().pk,
                "bundle-component": "OUTER-1",
                "bundle-quantity": "1",
            },
        )
    )
    assert "组合商品不能包含自身" in field_errors(page, "bundle-component")
    assert snapshot() == before


def test_bundle_items_on_a_product_that_is_not_a_bundle(admin, data):
    water = data["water"]
    before = snapshot()
    page = html(
        admin.post(
            url(water),
            {
                "op": "bundle",
                "bundle-bundle": skus(water)[0].pk,
                "bundle-component": "GY-J-1",
                "bundle-quantity": "1",
            },
        )
    )
    assert "只有组合商品才能包含组件" in page and 'data-tab="bundle"' in page
    assert snapshot() == before


# --- SKU status ---------------------------------------------------------------------------


def test_take_a_sku_off_sale_and_back(admin, data):
    water = data["water"]
    sku = skus(water)[1]
    res = admin.post(url(water), {"op": "sku-status", "sku": sku.pk, "status": "inactive"})
    assert res.status_code == 302 and res["Location"].endswith("#skus")
    sku.refresh_from_db()
    assert sku.status == "inactive"
    page = html(admin.get(url(water)))
    assert f"{sku.code}：状态已变更" in page
    # the same status again: refused with a message, nothing changes
    before = AuditEntry.objects.count()
    res = admin.post(
        url(water), {"op": "sku-status", "sku": sku.pk, "status": "inactive"}, follow=True
    )
    assert "当前状态下不允许此操作" in html(res)
    assert AuditEntry.objects.count() == before
    res = admin.post(
        url(water), {"op": "sku-status", "sku": sku.pk, "status": "nonsense"}, follow=True
    )
    assert 'class="message message-error"' in html(res)
    admin.post(url(water), {"op": "sku-status", "sku": sku.pk, "status": "active"})
    sku.refresh_from_db()
    assert sku.status == "active"


def test_a_sku_of_another_product_is_404(admin, data):
    other = data["juice"].skus.get()
    res = admin.post(
        url(data["water"]), {"op": "sku-status", "sku": other.pk, "status": "inactive"}
    )
    assert res.status_code == 404
    other.refresh_from_db()
    assert other.status == "active"


def test_unknown_op_just_redirects(admin, data):
    res = admin.post(url(data["water"]), {"op": "what"})
    assert res.status_code == 302 and res["Location"] == url(data["water"])


# --- permissions --------------------------------------------------------------------------


def test_detail_posts_are_404_without_edit_permission_or_outside_the_scope(data, client_with):
    water = data["water"]
    sku = skus(water)[0]
    first = Barcode.objects.get(code=ean13(1))
    posts = [
        {
            "op": "barcode",
            "barcode-sku": sku.pk,
            "barcode-code": ean13(7),
            "barcode-unit": data["bottle"].pk,
        },
        {"op": "barcode-remove", "barcode": first.pk},
        {
            "op": "conversion",
            "conversion-sku": sku.pk,
            "conversion-unit": data["case"].pk,
            "conversion-factor": "6",
        },
        {"op": "conversion-remove", "sku": sku.pk, "unit": data["case"].pk},
        {"op": "sku-status", "sku": sku.pk, "status": "inactive"},
    ]
    viewer = client_with("catalog.product.view")
    page = html(viewer.get(url(water)))
    assert 'data-test="barcode-form"' not in page and 'data-test="barcode-remove"' not in page
    outsider = client_with(
        "catalog.product.view", "catalog.product.edit", scope="org", org=make_org("ELSE")
    )
    before = snapshot()
    for post in posts:
        assert viewer.post(url(water), post).status_code == 404, post
        assert outsider.post(url(water), post).status_code == 404, post
    box = data["box"]
    bundle_post = {"op": "bundle-remove", "bundle": box.skus.get().pk, "component": sku.pk}
    assert viewer.post(url(box), bundle_post).status_code == 404
    assert outsider.post(url(box), bundle_post).status_code == 404
    assert snapshot() == before
    sku.refresh_from_db()
    assert sku.status == "active"
