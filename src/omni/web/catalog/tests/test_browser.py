"""Browser tests of the catalog pages (headless chromium through Playwright)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from omni.catalog.models import AuthorisationRule, Barcode, Brand
from omni.catalog.tests.factories import (
    BrandFactory,
    CategoryFactory,
    UnitFactory,
    ean13,
    make_product,
)
from omni.party.tests.factories import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456789"


@pytest.fixture
def shop():
    w = make_world()
    bottle = UnitFactory(code="bottle", name="瓶")
    UnitFactory(code="case", name="箱")
    qq = BrandFactory(org=w.group, code="QQ", name="清泉")
    drink = CategoryFactory(org=w.group, code="DRINK", name="饮料")
    CategoryFactory(org=w.group, code="WATER", name="饮用水", parent=drink)
    water = make_product(
        w.group,
        "QQ-W",
        name="清泉矿泉水",
        spec={"规格": ["500ml", "1.5L"]},
        brand=qq,
        category=drink,
        unit=bottle,
    )
    make_product(w.group, "GY-J", name="果园鲜橙汁", unit=bottle)
    get_user_model().objects.create_superuser("admin", password=PASSWORD)
    return {"world": w, "water": water}


def _wrong_check_digit(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def test_brand_barcode_and_authorisation_rule_with_preview(page, browser_login, shop):
    from playwright.sync_api import expect

    w = shop["world"]
    browser_login("admin", PASSWORD)

    # a brand, created on the brand list page
    page.goto("/catalog/brands/")
    expect(page.locator("h1")).to_have_text("品牌")
    form = page.locator("[data-test=create-form]")
    form.locator("#id_org").select_option(str(w.group.pk))
    form.locator("#id_code").fill("CY")
    form.locator("#id_name").fill("茶语")
    with page.expect_navigation():
        form.locator("[data-test=save]").click()
    expect(page.locator(".messages")).to_contain_text("品牌 CY 已创建")
    expect(page.locator("tr[data-code='CY']")).to_contain_text("茶语")
    assert Brand.objects.filter(code="CY", org=w.group).exists()

    # a barcode: a wrong check digit is refused in Chinese, the right one is added
    page.goto(f"/catalog/products/{shop['water'].pk}/")
    page.get_by_role("tab", name="条码").click()
    form = page.locator("[data-test=barcode-form]")
    good = ean13(42)
    form.locator("#id_barcode-code").fill(_wrong_check_digit(good))
    with page.expect_navigation():
        form.locator("[data-test=add-barcode]").click()
    form = page.locator("[data-test=barcode-form]")
    expect(form).to_be_visible()  # the tab stays open
    expect(form.locator(".field-error")).to_contain_text("条码无效：应为 8、12、13 或 14 位")
    assert not Barcode.objects.exists()
    form.locator("#id_barcode-code").fill(good)
    with page.expect_navigation():
        form.locator("[data-test=add-barcode]").click()
    expect(page.locator(".messages")).to_contain_text(f"条码 {good} 已添加到 QQ-W-1")
    expect(page.locator(f"[data-test=barcodes] tr[data-barcode='{good}']")).to_be_visible()

    # an authorisation rule, and its effect on what the customer may order
    page.goto("/catalog/authorisation/")
    expect(page.locator("h1")).to_have_text("商品授权")
    page.locator("#id_preview-customer").fill("C-SH-001")
    with page.expect_navigation():
        page.locator("[data-test=preview-button]").click()
    expect(page.locator("[data-test=preview-count]")).to_have_text("0")

    form = page.locator("[data-test=rule-form]")
    expect(form.locator("#id_rule-subject_code")).to_be_hidden()  # "all customers" needs none
    form.locator("#id_rule-org").select_option(str(w.group.pk))
    form.locator("#id_rule-effect").select_option("include")
    form.locator("#id_rule-subject_kind").select_option("customer")
    expect(form.locator("#id_rule-subject_code")).to_be_visible()
    expect(form.locator("#id_rule-subject_code")).to_have_attribute("list", "picker-customer")
    form.locator("#id_rule-subject_code").fill("C-SH-001")
    form.locator("#id_rule-target_kind").select_option("brand")
    form.locator("#id_rule-target_code").fill("QQ")
    with page.expect_navigation():
        form.locator("[data-test=create-rule]").click()
    expect(page.locator(".messages")).to_contain_text("授权规则已创建")
    expect(page.locator("[data-test=preview-count]")).to_have_text("2")  # the preview is kept
    expect(page.locator("[data-test=preview-skus] tr[data-sku='QQ-W-2']")).to_be_visible()
    expect(page.locator("table.data-table tbody tr")).to_have_count(1)
    rule = AuthorisationRule.objects.get()
    assert (rule.customer_id, rule.brand.code) == (w.sh_dealer.pk, "QQ")


def test_saved_product_filter_category_move_and_units(page, browser_login, shop):
    from playwright.sync_api import expect

    browser_login("admin", PASSWORD)

    # products: filter, save the filter, reset, reuse it
    page.goto("/catalog/")
    page.locator("#id_search").fill("清泉")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    expect(page.locator("table.data-table tbody tr")).to_have_count(1)
    page.locator("[data-test=saved-filter-name]").fill("清泉商品")
    page.locator("[data-test=save-filter]").click()
    expect(page.locator("[data-test=saved-filter]")).to_have_text(["清泉商品"])
    with page.expect_navigation():
        page.get_by_role("link", name="重置").click()
    expect(page.locator("table.data-table tbody tr")).to_have_count(2)
    with page.expect_navigation():
        page.locator("[data-test=saved-filter]", has_text="清泉商品").click()
    expect(page.locator("table.data-table tbody tr")).to_have_count(1)
    expect(page.locator("#id_search")).to_have_value("清泉")

    # categories: moving a category under its own subcategory is refused on the field
    page.goto("/catalog/categories/")
    with page.expect_navigation():
        page.locator("tr[data-code='DRINK'] [data-test=edit]").click()
    form = page.locator("[data-test=edit-form]")
    form.locator("#id_parent").select_option(label="　饮用水 (WATER)")
    with page.expect_navigation():
        form.locator("[data-test=save]").click()
    expect(page.locator("[data-test=edit-form] .field-error")).to_have_text(
        "分类不能移到自身或其下级分类之下。"
    )

    # units: create one
    page.goto("/catalog/units/")
    form = page.locator("[data-test=create-form]")
    form.locator("#id_code").fill("kg")
    form.locator("#id_name").fill("千克")
    form.locator("#id_allows_fraction").check()
    with page.expect_navigation():
        form.locator("[data-test=save]").click()
    expect(page.locator(".messages")).to_contain_text("单位 kg 已创建")
    expect(page.locator("tr[data-code='kg']")).to_contain_text("千克")
