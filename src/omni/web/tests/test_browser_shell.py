"""The console shell in headless chromium: login, sidebar, language, health, audit log with
filters and Excel export, tabs, phone layout, the progress bar and the workbench chart."""

import time
from urllib.parse import urlsplit

import pytest
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from omni.web.testing import PHONE_VIEWPORT, submit_login
from omni.web.tests.factories import (
    AUDIT_EXPORT_HEADER,
    audit_entry,
    days_ago,
    three_audit_entries,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF = ("staff", "staff-pass-123")


def test_login_with_wrong_then_right_password(page, staff_user):
    submit_login(page, "staff", "not-the-password")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")
    expect(page.locator("input[name=username]")).to_have_value("staff")
    assert page.url.endswith("/login/")

    submit_login(page, *STAFF)
    assert urlsplit(page.url).path == "/"
    expect(page.locator(".topbar h1")).to_have_text("工作台")
    expect(page.locator(".who")).to_contain_text("测试管理员")


def test_sidebar_shows_areas_and_greys_out_unbuilt_ones(page, browser_login, staff_user):
    browser_login(*STAFF)
    sidebar = page.locator("#sidebar")
    expect(sidebar.locator("[data-nav=home]")).to_have_class("nav-item active")
    expect(sidebar.locator("[data-nav=home]")).to_have_attribute("aria-current", "page")
    for label in ("订单池", "资金池", "会员", "智慧客服", "系统"):
        expect(sidebar).to_contain_text(label)

    order_pool = sidebar.locator("[data-nav=order]")
    expect(order_pool).to_have_attribute("aria-disabled", "true")
    expect(order_pool).to_have_attribute("title", "尚未开放")
    assert order_pool.evaluate("el => el.tagName") == "SPAN"  # not a link
    hint = order_pool.locator(".soon")
    assert hint.evaluate("el => getComputedStyle(el).opacity") == "0"
    order_pool.hover()
    expect(hint).to_have_text("尚未开放")
    expect(hint).to_have_css("opacity", "1")

    sidebar.get_by_role("link", name="审计日志").click()
    expect(page.locator(".topbar h1")).to_have_text("审计日志")
    expect(sidebar.locator("[data-nav=audit]")).to_have_attribute("aria-current", "page")
    expect(page.locator(".breadcrumb")).to_contain_text("系统")


def test_switch_to_english_and_back(page, browser_login, staff_user):
    browser_login(*STAFF)
    page.goto("/system/health/")
    page.locator(".topbar .lang-switch").get_by_role("button", name="English").click()
    expect(page.locator(".topbar h1")).to_have_text("Health")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("#sidebar")).to_contain_text("Order pool")
    assert page.url.endswith("/system/health/")  # stays on the same page

    page.locator(".topbar .lang-switch").get_by_role("button", name="中文").click()
    expect(page.locator(".topbar h1")).to_have_text("系统健康")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def test_health_page(page, browser_login, staff_user):
    browser_login(*STAFF)
    page.locator("#sidebar [data-nav=health]").click()
    health = page.locator("[data-test=health]")
    expect(health).to_be_visible()
    # no worker runs during tests, so the honest answer is "degraded"
    expect(health).to_have_attribute("data-status", "degraded")
    expect(health.locator(".status")).to_have_text("降级运行")
    expect(health).to_contain_text("没有心跳")


def test_audit_log_filter_sort_and_excel_export(page, browser_login, staff_user, tmp_path):
    three_audit_entries()
    browser_login(*STAFF)  # logging in is audited too: one more entry
    page.goto("/system/audit/")
    rows = page.locator(".data-table tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator(".pagination .total")).to_have_text("共 4 条")
    # actions read as words; the code stays in the cell's title
    expect(page.locator('.data-table td[title="access.login_succeeded"]')).to_have_count(1)
    expect(page.locator(".data-table")).not_to_contain_text("access.login_succeeded")

    # filter: object type and part of the action
    page.get_by_label("对象类型").select_option("catalog.price")
    page.get_by_label("操作包含").fill("price")
    page.get_by_role("button", name="查询").click()
    expect(rows).to_have_count(2)
    expect(page.locator(".data-table")).not_to_contain_text("credit.limit_changed")
    assert "object_type=catalog.price" in page.url

    # sort by time: newest first by default, one click makes it oldest first
    expect(rows.first).to_contain_text("#2")
    page.locator("th.sortable", has_text="时间").get_by_role("link").click()
    expect(page.locator("th.sortable", has_text="时间")).to_have_attribute("aria-sort", "ascending")
    expect(rows.first).to_contain_text("#1")
    assert "object_type=catalog.price" in page.url  # the filter survived the sort

    # export what is shown
    with page.expect_download() as info:
        page.get_by_role("link", name="导出 Excel").click()
    download = info.value
    assert download.suggested_filename.startswith("审计日志-")
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / "audit.xlsx"
    download.save_as(path)
    sheet = load_workbook(path).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0] == AUDIT_EXPORT_HEADER
    assert [(r[1], r[3], r[5]) for r in table[1:]] == [
        ("王芳", "price.updated", "1"),
        ("王芳", "price.updated", "2"),
    ]


def test_audit_log_saved_filter_is_kept_per_user_and_reused(page, browser_login, staff_user):
    audit_entry(actor="王芳", action="price.updated", object_type="catalog.price", object_id=1)
    audit_entry(actor="李雷", action="credit.limit_changed", object_type="credit.account")
    browser_login(*STAFF)  # + the login's own entry
    page.goto("/system/audit/")
    rows = page.locator(".data-table tbody tr")
    expect(rows).to_have_count(3)
    saved = page.locator("[data-test=saved-filters]")
    expect(saved).to_contain_text("暂无")
    expect(saved.locator("[data-test=saved-filter-name]")).to_be_hidden()  # nothing to save

    # filter by actor, then save the filter under a name
    page.locator("#id_actor").fill("王芳")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    expect(rows).to_have_count(1)
    saved.locator("[data-test=saved-filter-name]").fill("王芳的操作")
    saved.locator("[data-test=save-filter]").click()
    chip = saved.locator("[data-test=saved-filter]")
    expect(chip).to_have_text(["王芳的操作"])
    # only the non-empty filter is kept, in this browser, under this list and user
    expect(chip).to_have_attribute("href", "?actor=%E7%8E%8B%E8%8A%B3")
    keys = page.evaluate("Object.keys(localStorage)")
    assert keys == [f"omni.system.audit.filters.{staff_user.pk}"]

    # reset, then reuse it
    with page.expect_navigation():
        page.get_by_role("link", name="重置").click()
    expect(rows).to_have_count(3)
    with page.expect_navigation():
        chip.click()
    expect(rows).to_have_count(1)
    expect(page.locator("#id_actor")).to_have_value("王芳")

    # delete it: gone, and still gone after a reload
    saved.locator("[data-test=remove-saved-filter]").click()
    expect(chip).to_have_count(0)
    page.reload()
    expect(page.locator("[data-test=saved-filters]")).to_contain_text("暂无")
    expect(page.locator("[data-test=saved-filter]")).to_have_count(0)


def test_audit_detail_tabs_show_change_history(page, browser_login, staff_user):
    audit_entry(object_id=7, before={"price": "10.00"}, after={"price": "12.00"}, at=days_ago(1))
    latest = audit_entry(object_id=7, before={"price": "12.00"}, after={"price": "15.50"})
    browser_login(*STAFF)
    page.goto(f"/system/audit/{latest.pk}/")
    summary = page.locator(".tab-panel[data-tab=summary]")
    history = page.locator(".tab-panel[data-tab=history]")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("15.50")
    expect(history).to_be_hidden()

    page.get_by_role("tab", name="变更记录").click()
    expect(history).to_be_visible()
    expect(summary).to_be_hidden()
    expect(page.get_by_role("tab", name="变更记录")).to_have_attribute("aria-selected", "true")
    items = history.locator(".timeline-item")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("15.50")
    expect(items.nth(1)).to_contain_text("10.00")
    assert page.url.endswith("#history")
    page.reload()  # the open tab follows the URL
    expect(history).to_be_visible()


def test_phone_layout_hides_sidebar_behind_menu_button(page, browser_login, staff_user):
    page.set_viewport_size(PHONE_VIEWPORT)
    browser_login(*STAFF)
    menu = page.get_by_role("button", name="菜单", exact=True)
    sidebar = page.locator("#sidebar")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(sidebar).not_to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]

    menu.click()
    expect(sidebar).to_be_in_viewport(ratio=0.95)
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.locator(".scrim").click(position={"x": 370, "y": 400})
    expect(sidebar).not_to_be_in_viewport()

    menu.click()
    sidebar.get_by_role("link", name="系统健康").click()
    expect(page.locator(".topbar h1")).to_have_text("系统健康")
    expect(sidebar).not_to_be_in_viewport()


def test_desktop_has_no_menu_button(page, browser_login, staff_user):
    browser_login(*STAFF)
    expect(page.get_by_role("button", name="菜单", exact=True)).to_be_hidden()
    expect(page.locator("#sidebar")).to_be_in_viewport()


def test_login_page_fits_a_phone(page):
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto("/login/")
    card = page.locator(".login-card").bounding_box()
    assert card["x"] >= 0 and card["x"] + card["width"] <= PHONE_VIEWPORT["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    expect(page.get_by_role("button", name="登录")).to_be_in_viewport()


def test_progress_bar_polls_until_the_job_is_done(page, live_server):
    # given a page holding the progress component of a running job, and an endpoint that
    # answers 50 % and then done
    calls = []

    def component(percent):
        return render_to_string(
            "web/components/progress.html",
            {
                "progress": {
                    "url": "/job/progress/",
                    "percent": percent,
                    "label": "导入客户",
                    "done": percent >= 100,
                }
            },
        )

    def endpoint(route):
        calls.append(time.monotonic())
        route.fulfill(content_type="text/html; charset=utf-8", body=component(50 * len(calls)))

    host = (
        '<!doctype html><html><head><script src="/static/vendor/htmx.min.js"></script>'
        f"</head><body>{component(0)}</body></html>"
    )
    page.route("**/job/progress/", endpoint)
    page.route(
        "**/job/", lambda route: route.fulfill(content_type="text/html; charset=utf-8", body=host)
    )
    # when the page is open
    page.goto("/job/")
    bar = page.locator("[data-test=progress]")
    expect(bar.locator(".progress-percent")).to_have_text("0%")
    # then it polls every second, shows progress, and stops once done
    expect(bar.locator(".progress-percent")).to_have_text("50%", timeout=5000)
    expect(bar.locator(".progress-track")).to_have_attribute("aria-valuenow", "50")
    expect(bar.locator(".progress-percent")).to_have_text("已完成", timeout=5000)
    expect(bar).to_have_class("progress done")
    assert 0.7 < calls[1] - calls[0] < 2.0
    page.wait_for_timeout(1800)
    assert len(calls) == 2


def test_workbench_chart_draws_real_audit_counts(page, browser_login, staff_user):
    audit_entry(at=days_ago(2))
    audit_entry(at=days_ago(0))
    audit_entry(at=days_ago(0))
    browser_login(*STAFF)  # + the login's own audit entry today
    chart = page.locator(".chart")
    expect(chart).to_have_attribute("aria-label", "期间共 4 条审计记录")
    expect(chart.locator("svg")).to_be_visible()
    today = timezone.localdate().strftime("%m-%d")
    expect(chart.locator("svg")).to_contain_text(today)
    expect(page.locator("[data-tile=status] .status")).to_have_text("降级运行")
