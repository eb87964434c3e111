"""Browser tests (headless chromium through Playwright against the live server)."""

from __future__ import annotations

import pytest

from omni.party.models import Customer
from omni.party.tests.factories import make_world, user_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-12345678"  # what user_with() gives every user


def _codes(page) -> list[str]:
    return page.locator("table.data-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.code)"
    )


def test_filter_the_customer_list_by_status_and_search_and_reuse_a_saved_filter(
    page, browser_login
):
    from playwright.sync_api import expect

    w = make_world()
    Customer.objects.filter(pk__in=[w.sh_dealer.pk, w.gz_dealer.pk]).update(status="active")
    user_with("east", ["party.customer.view"], "org", org=w.east)
    browser_login("east", PASSWORD)

    page.goto("/party/customers/")
    expect(page.locator("h1")).to_have_text("客户列表")
    assert _codes(page) == ["C-SH-001", "C-SH-S01"]  # C-GZ-001 is in another organisation

    page.locator("#id_status").select_option("active")
    page.locator("#id_search").fill("浦江")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    assert _codes(page) == ["C-SH-001"]
    expect(page.locator("tr[data-code='C-SH-001'] .status")).to_have_text("启用")

    page.locator("[data-test=saved-filter-name]").fill("上海启用")
    page.locator("[data-test=save-filter]").click()
    expect(page.locator("[data-test=saved-filter]")).to_have_text(["上海启用"])

    with page.expect_navigation():
        page.get_by_role("link", name="重置").click()
    assert _codes(page) == ["C-SH-001", "C-SH-S01"]
    with page.expect_navigation():
        page.locator("[data-test=saved-filter]", has_text="上海启用").click()
    assert _codes(page) == ["C-SH-001"]
    expect(page.locator("#id_search")).to_have_value("浦江")


def test_apply_on_a_phone_then_approve_and_find_the_new_customer(
    browser, live_server, page, browser_login
):
    from playwright.sync_api import expect

    from omni.web.testing import PHONE_VIEWPORT

    w = make_world()
    user_with(
        "reviewer",
        ["party.application.view", "party.application.approve", "party.customer.view"],
        "all",
    )

    phone = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE_VIEWPORT,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    phone.set_default_timeout(10_000)
    p = phone.new_page()
    try:
        p.goto("/party/apply/")
        expect(p.locator("h1")).to_have_text("申请加盟")
        # single column, nothing wider than the screen, finger-sized inputs
        assert p.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
        box = p.locator("#id_company_name").bounding_box()
        assert box["height"] >= 44 and box["width"] > 300
        p.locator("#id_company_name").fill("无锡百味商贸有限公司")
        p.locator("#id_contact_name").fill("周敏")
        p.locator("#id_phone").fill("13700001111")
        p.locator("#id_province").select_option("310000")
        expect(p.locator("#id_city option[value='310100']")).to_have_count(1)
        p.locator("#id_city").select_option("310100")
        expect(p.locator("#id_district option[value='310104']")).to_have_count(1)
        p.locator("#id_district").select_option("310104")
        p.locator("#id_business_scope").fill("饮料、零食批发")
        with p.expect_navigation():
            p.locator("[data-test=submit-application]").click()
        expect(p.locator("h1")).to_have_text("申请已提交")
        number = p.locator("[data-test=application-number]").inner_text()
        assert number.startswith("SQ")
    finally:
        phone.close()

    browser_login("reviewer", PASSWORD)
    page.goto("/party/applications/?status=submitted")
    expect(page.locator("tr[data-company='无锡百味商贸有限公司'] code")).to_have_text(number)
    with page.expect_navigation():
        page.get_by_role("link", name="无锡百味商贸有限公司").first.click()
    form = page.locator("[data-test=approve-form]")
    form.locator("#id_code").fill("C-WX-001")
    form.locator("#id_org").select_option(str(w.east_sales.pk))
    form.locator("#id_kind").select_option("dealer")
    form.locator("#id_customer_class").select_option(str(w.cls_l1.pk))
    form.locator("#id_upper").fill("C-SH-001")
    with page.expect_navigation():
        form.locator("[data-test=approve]").click()
    expect(page.locator("[data-test=application-status]")).to_have_text("已通过")
    expect(page.locator(".messages")).to_contain_text("C-WX-001")

    page.goto("/party/customers/?search=C-WX")
    assert _codes(page) == ["C-WX-001"]
    expect(page.locator("tr[data-code='C-WX-001'] .status")).to_have_text("启用")
    expect(page.locator("tr[data-code='C-WX-001']")).to_contain_text("上海浦江商贸有限公司")
