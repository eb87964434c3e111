"""Browser tests (headless chromium through Playwright against the live server)."""

from __future__ import annotations

import pytest

from omni.access.models import Role, RoleAssignment, User
from omni.party.tests.factories import USER_ADMIN, make_world, user_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-12345678"  # what user_with() gives every user


def test_build_a_role_with_the_matrix_assign_it_by_region_then_deactivate(page, browser_login):
    from playwright.sync_api import expect

    w = make_world()
    user_with("east-admin", USER_ADMIN, "org", org=w.east)
    target = User.objects.create_user(
        "lilei", password=PASSWORD, display_name="李磊", org=w.east_sales
    )
    browser_login("east-admin", PASSWORD)

    # the sidebar leads to the users list
    page.goto("/")
    with page.expect_navigation():
        page.locator("[data-nav=access]").click()
    expect(page.locator("h1")).to_have_text("用户")
    expect(page.locator("tr[data-username=lilei]")).to_be_visible()

    # a role: one click on the row box ticks every action of the module
    page.goto("/access/roles/new/")
    page.locator("#id_code").fill("user-clerk")
    page.locator("#id_name").fill("用户文员")
    row = page.locator("tr[data-module='access.user']")
    row.locator("td").last.locator("input").check()
    expect(row.locator("input[data-permission='access.user.edit']")).to_be_checked()
    expect(
        page.locator("tr[data-module='system.audit'] input[data-permission]").first
    ).to_be_disabled()  # not held by the east admin
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    role = Role.objects.get(code="user-clerk")
    assert role.permissions == ["access.user.create", "access.user.edit", "access.user.view"]

    # assign it with a sales-region scope: the pickers follow the chosen scope
    page.goto(f"/access/users/{target.pk}/assign/")
    page.locator("#id_role").select_option(str(role.pk))
    expect(page.locator("[data-scope=org]")).to_be_visible()
    expect(page.locator("[data-scope=regions]")).to_be_hidden()
    page.get_by_label("销售区域", exact=True).check()
    expect(page.locator("[data-scope=regions]")).to_be_visible()
    expect(page.locator("[data-scope=org]")).to_be_hidden()
    page.get_by_label("上海片区 (DIST-SH)").check()
    with page.expect_navigation():
        page.get_by_role("button", name="分配", exact=True).click()
    expect(page.locator("[data-test=assignments]")).to_contain_text("上海片区")
    a = RoleAssignment.objects.get(user=target)
    assert a.scope_kind == "regions" and [r.code for r in a.sales_regions.all()] == ["DIST-SH"]

    # deactivate
    page.locator("[data-action=deactivate]").click()
    page.locator("[data-form-action=deactivate] input[name=reason]").fill("离职")
    with page.expect_navigation():
        page.locator("[data-form-action=deactivate] button[type=submit]").click()
    expect(page.locator("[data-test=user-status]")).to_have_text("已停用")
    target.refresh_from_db()
    assert not target.is_active
