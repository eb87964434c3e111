"""Users & roles pages: lists (scope, filters, export), user detail (actions, history),
forms (zh-Hans errors), the role editor's permission matrix."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from omni.access.models import ApiToken, Role, RoleAssignment, User
from omni.access.services.tokens import create_token
from omni.kernel.actors import Actor
from omni.kernel.models import AuditEntry
from omni.kernel.permissions import all_permissions
from omni.party.tests import factories
from omni.party.tests.factories import client_for, make_world, user_with

pytestmark = pytest.mark.django_db

USER_ADMIN = [*factories.USER_ADMIN, "access.user.export"]


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def east(world) -> Client:
    admin = user_with("east-admin", USER_ADMIN, "org", org=world.east)
    admin.org = world.east
    admin.display_name = "华东管理员"
    admin.save()
    return client_for(admin)


@pytest.fixture
def people(world):
    role = Role.objects.create(code="viewer", name="查看员", permissions=["access.user.view"])
    li = User.objects.create_user(
        "lilei", password="pass-12345678", display_name="李磊", org=world.east_sales
    )
    RoleAssignment.objects.create(user=li, role=role, scope_kind="org", org=world.east_sales)
    wang = User.objects.create_user(
        "wangfang", password="pass-12345678", display_name="王芳", org=world.east, is_active=False
    )
    south = User.objects.create_user(
        "south-staff", password="pass-12345678", display_name="华南员工", org=world.south
    )
    return {"li": li, "wang": wang, "south": south, "role": role}


def test_user_list_is_scoped_filtered_and_exported(world, east, people):
    res = east.get("/access/users/")
    assert res.status_code == 200
    html = res.content.decode()
    for text in ("用户", "用户名", "李磊", "王芳", "查看员", "已停用", "导出 Excel"):
        assert text in html, text
    assert "华南员工" not in html and "south-staff" not in html
    names = lambda r: {u.username for u in r.context["listing"].rows}  # noqa: E731
    assert names(east.get("/access/users/", {"search": "李"})) == {"lilei"}
    assert names(east.get("/access/users/", {"active": "0"})) == {"wangfang"}
    assert names(east.get("/access/users/", {"role": people["role"].pk})) == {"lilei"}
    assert names(east.get("/access/users/", {"org": world.east_sales.pk})) == {"lilei"}
    by_name_desc = east.get("/access/users/?sort=-username").context["listing"].rows
    assert by_name_desc[0].username == "wangfang"
    export = east.get("/access/users/export/", {"active": "1"})
    assert export.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "用户名"
    usernames = {r[0] for r in rows[1:]}
    assert "lilei" in usernames and "wangfang" not in usernames and "south-staff" not in usernames


def test_pages_answer_404_without_permission_or_outside_scope(world, people):
    nobody = client_for(user_with("nobody", ["party.customer.view"], "all"))
    for url in ("/access/users/", "/access/roles/", f"/access/users/{people['li'].pk}/"):
        assert nobody.get(url).status_code == 404, url
    east = client_for(user_with("viewer-e", ["access.user.view"], "org", org=world.east))
    assert east.get(f"/access/users/{people['south'].pk}/").status_code == 404
    assert east.get(f"/access/users/{people['li'].pk}/").status_code == 200
    # view-only: no changes through the detail page, no edit pages
    res = east.post(f"/access/users/{people['li'].pk}/", {"op": "deactivate"})
    assert res.status_code == 404
    assert east.get(f"/access/users/{people['li'].pk}/assign/").status_code == 404
    assert User.objects.get(pk=people["li"].pk).is_active


def test_user_detail_shows_assignments_tokens_and_history(world, east, people):
    li = people["li"]
    create_token(actor=Actor.for_user(li), name="ERP 对接")
    res = east.get(f"/access/users/{li.pk}/")
    assert res.status_code == 200
    html = res.content.decode()
    for text in (
        "角色与数据范围",
        "实际权限",
        "API 令牌",
        "变更记录",
        "查看员",
        "本组织及下级",
        "华东销售部",
        "ERP 对接",
        "停用",
        "重置密码",
    ):
        assert text in html, text


def test_deactivate_reactivate_and_reset_password_from_the_detail_page(world, east, people):
    li = people["li"]
    create_token(actor=Actor.for_user(li), name="ERP")
    url = f"/access/users/{li.pk}/"
    res = east.post(url, {"op": "deactivate", "reason": "离职"})
    assert res.status_code == 302
    li.refresh_from_db()
    assert not li.is_active
    assert not ApiToken.objects.filter(user=li, revoked_at__isnull=True).exists()
    page = east.get(url).content.decode()
    assert "用户已停用，其 API 令牌已吊销。" in page and "重新启用" in page
    east.post(url, {"op": "reactivate"})
    li.refresh_from_db()
    assert li.is_active
    # a generated password is shown once
    east.post(url, {"op": "password", "password": ""})
    page = east.get(url)
    new = page.context["new_password"]
    assert new and new in page.content.decode() and "仅显示这一次" in page.content.decode()
    assert east.get(url).context["new_password"] is None
    li.refresh_from_db()
    assert li.check_password(new)
    # a too-short password is refused on the field, in Chinese
    res = east.post(url, {"op": "password", "password": "short"})
    assert res.status_code == 200
    assert "密码太短" in res.content.decode()
    history = east.get(url).context["history"]
    actions = [h["action_code"] for h in history]
    assert actions[:3] == [
        "access.password_reset",
        "access.user_reactivated",
        "access.user_deactivated",
    ]


def test_create_user_form_shows_errors_in_chinese(world, east, people):
    assert "新建用户" in east.get("/access/users/new/").content.decode()
    res = east.post("/access/users/new/", {"display_name": "新人"})
    html = res.content.decode()
    assert res.status_code == 200 and "这个字段是必填项。" in html
    res = east.post(
        "/access/users/new/",
        {"username": "lilei", "password": "pass-12345678", "org": world.east.pk},
    )
    assert "该用户名已被使用。" in res.content.decode()
    res = east.post(
        "/access/users/new/",
        {"username": "newbie", "password": "pass-12345678", "org": world.south.pk},
    )
    assert "org" in res.context["form"].errors  # not a choice for the east admin
    res = east.post(
        "/access/users/new/",
        {"username": "newbie", "password": "pass-12345678", "customer": "C-GZ-001"},
    )
    assert "客户不存在。" in res.content.decode()
    assert list(res.context["form"].errors) == ["customer"]
    res = east.post("/access/users/new/", {"username": "newbie", "password": "pass-12345678"})
    assert "请选择组织或客户。" in res.content.decode()
    assert not User.objects.filter(username="newbie").exists()
    res = east.post(
        "/access/users/new/",
        {
            "username": "newbie",
            "password": "pass-12345678",
            "display_name": "新人",
            "customer": "C-SH-001",
        },
    )
    assert res.status_code == 302
    newbie = User.objects.get(username="newbie")
    assert newbie.customer_id == world.sh_dealer.pk and newbie.org_id == world.east_sales.pk


def test_edit_user_profile(world, east, people):
    li = people["li"]
    res = east.post(f"/access/users/{li.pk}/edit/", {"display_name": "李雷", "phone": "电话"})
    assert res.status_code == 200 and "电话号码无效。" in res.content.decode()
    res = east.post(f"/access/users/{li.pk}/edit/", {"display_name": "李雷", "phone": ""})
    assert res.status_code == 302
    li.refresh_from_db()
    assert li.display_name == "李雷"


def test_assignment_form(world, east, people):
    li = people["li"]
    url = f"/access/users/{li.pk}/assign/"
    page = east.get(url).content.decode()
    for text in ("分配角色", "数据范围", "全部数据", "本组织及下级", "销售区域", "分管客户"):
        assert text in page, text
    assert "华南大区" not in page  # regions outside the scope are not offered
    res = east.post(url, {"role": people["role"].pk, "scope_kind": "org"})
    assert res.status_code == 200
    assert "请选择该数据范围覆盖的对象。" in res.content.decode()
    assert "org" in res.context["form"].errors
    res = east.post(url, {"role": people["role"].pk, "scope_kind": "all"})
    assert "您不能授予自己没有的权限或数据范围。" in res.content.decode()
    res = east.post(
        url, {"role": people["role"].pk, "scope_kind": "customers", "customers": "C-GZ-001"}
    )
    assert "customers" in res.context["form"].errors
    assert RoleAssignment.objects.filter(user=li).count() == 1
    res = east.post(
        url,
        {
            "role": people["role"].pk,
            "scope_kind": "customers",
            "customers": "C-SH-001, C-SH-S01",
        },
    )
    assert res.status_code == 302
    a = RoleAssignment.objects.filter(user=li, scope_kind="customers").get()
    assert {c.code for c in a.customers.all()} == {"C-SH-001", "C-SH-S01"}
    # and remove it again from the detail page
    res = east.post(f"/access/users/{li.pk}/", {"op": "revoke", "assignment": a.pk})
    assert res.status_code == 302 and not RoleAssignment.objects.filter(pk=a.pk).exists()
    # an assignment of another user cannot be removed through this page
    other = RoleAssignment.objects.create(
        user=people["south"], role=people["role"], scope_kind="own"
    )
    res = east.post(f"/access/users/{li.pk}/", {"op": "revoke", "assignment": other.pk})
    assert res.status_code == 404 and RoleAssignment.objects.filter(pk=other.pk).exists()


def test_role_list_and_editor_with_the_permission_matrix(world, east, people):
    res = east.get("/access/roles/")
    assert res.status_code == 200 and "查看员" in res.content.decode()
    page = east.get("/access/roles/new/")
    html = page.content.decode()
    for label in ("查看", "新建", "编辑", "审核", "导出", "删除", "用户", "角色与权限"):
        assert label in html, label
    matrix = page.context["matrix"]
    user_row = next(r for r in matrix if r["key"] == "access.user")
    cells = {c["action"]: c for c in user_row["cells"]}
    assert cells["view"]["permission"] == "access.user.view" and not cells["view"]["locked"]
    assert cells["approve"]["permission"] is None  # not an action of this module
    audit_row = next(r for r in matrix if r["key"] == "system.audit")
    assert all(c["locked"] for c in audit_row["cells"] if c["permission"])  # not held
    res = east.post(
        "/access/roles/new/",
        {"code": "auditor", "name": "审计", "permissions": ["system.audit.view"]},
    )
    assert "您不能授予自己没有的权限或数据范围。" in res.content.decode()
    res = east.post(
        "/access/roles/new/", {"code": "x", "name": "X", "permissions": ["no.such.perm"]}
    )
    assert "permissions" in res.context["form"].errors
    res = east.post("/access/roles/new/", {"code": "viewer", "name": "重复"})
    assert "该编码已被使用。" in res.content.decode()
    assert Role.objects.count() == 1 + Role.objects.filter(code__startswith="r-").count()
    res = east.post(
        "/access/roles/new/",
        {"code": "clerk", "name": "文员", "permissions": ["access.user.view", "access.role.view"]},
    )
    assert res.status_code == 302
    clerk = Role.objects.get(code="clerk")
    res = east.post(
        f"/access/roles/{clerk.pk}/",
        {"name": "文员 2", "permissions": ["access.user.view"], "is_portal": ""},
    )
    assert res.status_code == 302
    clerk.refresh_from_db()
    assert clerk.name == "文员 2" and clerk.permissions == ["access.user.view"]
    page = east.get(f"/access/roles/{clerk.pk}/")
    assert page.context["history"][0]["action_code"] == "access.role_updated"
    assert AuditEntry.objects.filter(object_type="access.role").count() == 2


def test_role_editor_keeps_permissions_the_editor_does_not_hold(world, east):
    role = Role.objects.create(
        code="mixed", name="混合", permissions=["access.user.view", "system.audit.view"]
    )
    page = east.get(f"/access/roles/{role.pk}/").content.decode()
    assert 'type="hidden" name="permissions" value="system.audit.view"' in page
    res = east.post(
        f"/access/roles/{role.pk}/",
        {"name": "混合", "permissions": ["system.audit.view"]},  # as the page submits it
    )
    assert res.status_code == 302
    role.refresh_from_db()
    assert role.permissions == ["system.audit.view"]


def test_read_only_role_page_and_nav_entry(world):
    viewer = client_for(user_with("role-viewer", ["access.role.view", "access.user.view"], "all"))
    role = Role.objects.create(code="x", name="某角色", permissions=sorted(all_permissions()))
    page = viewer.get(f"/access/roles/{role.pk}/")
    assert page.status_code == 200 and page.context["readonly"]
    assert viewer.post(f"/access/roles/{role.pk}/", {"name": "y"}).status_code == 404
    home = viewer.get("/access/users/").content.decode()
    assert "用户与角色" in home


def test_export_needs_the_export_permission(world, people):
    viewer = user_with("only-view", ["access.user.view"], "org", org=world.east)
    client = client_for(viewer)
    assert "导出 Excel" not in client.get("/access/users/").content.decode()
    assert client.get("/access/users/export/").status_code == 404
