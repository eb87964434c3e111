"""Access API: users, roles, assignments and the permission registry."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from omni.access.models import ApiToken, Role, RoleAssignment, User
from omni.kernel.models import AuditEntry
from omni.party.tests.factories import USER_ADMIN, client_for, make_world, user_with

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body=None):
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def put(client: Client, path: str, body):
    return client.put(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def east_admin(world) -> Client:
    return client_for(user_with("east-admin", USER_ADMIN, "org", org=world.east))


def test_permission_registry_lists_modules_with_action_labels(staff_api):
    res = staff_api.get("/api/v1/access/permissions")
    assert res.status_code == 200
    modules = {m["key"]: m for m in res.json()}
    user = modules["access.user"]
    assert user["label"] == "用户"
    assert user["actions"][0] == {
        "action": "view",
        "label": "查看",
        "permission": "access.user.view",
    }
    assert "party.customer" in modules


def test_roles_create_list_detail_update(staff_api):
    res = post(
        staff_api,
        "/api/v1/access/roles",
        {"code": "finance", "name": "财务", "permissions": ["party.customer.view"]},
    )
    assert res.status_code == 201, res.content
    role = res.json()
    assert role["permissions"] == ["party.customer.view"] and role["user_count"] == 0
    listed = staff_api.get("/api/v1/access/roles", {"search": "fin"}).json()
    assert [r["code"] for r in listed["items"]] == ["finance"] and listed["total"] == 1
    assert staff_api.get(f"/api/v1/access/roles/{role['id']}").json()["name"] == "财务"
    res = put(
        staff_api,
        f"/api/v1/access/roles/{role['id']}",
        {"name": "财务部", "permissions": ["party.customer.view", "party.customer.export"]},
    )
    assert res.status_code == 200
    assert res.json()["permissions"] == ["party.customer.export", "party.customer.view"]
    assert AuditEntry.objects.filter(object_type="access.role").count() == 2
    assert staff_api.get("/api/v1/access/roles/999999").status_code == 404


def test_role_errors_are_4xx_and_write_nothing(staff_api):
    cases = [
        ({"code": "x", "name": "X", "permissions": ["no.such.thing"]}, 422, "unknown_permission"),
        ({"code": "x", "name": "X", "colour": "red"}, 422, "invalid_input"),
        ({"code": "x y", "name": "X"}, 422, "invalid_input"),
        ({"code": "x", "name": ""}, 422, "invalid_input"),
    ]
    for body, status, code in cases:
        res = post(staff_api, "/api/v1/access/roles", body)
        assert (res.status_code, res.json()["code"]) == (status, code), body
    assert (
        not Role.objects.exists()
        and not AuditEntry.objects.filter(object_type="access.role").exists()
    )
    assert post(staff_api, "/api/v1/access/roles", {"code": "x", "name": "X"}).status_code == 201
    res = post(staff_api, "/api/v1/access/roles", {"code": "x", "name": "Y"})
    assert (res.status_code, res.json()["code"]) == (409, "duplicate_code")


def test_without_permission_the_answer_is_403(world, plain_api):
    assert plain_api.get("/api/v1/access/users").status_code == 403
    assert plain_api.get("/api/v1/access/roles").status_code == 403
    assert plain_api.get("/api/v1/access/permissions").status_code == 403
    res = post(plain_api, "/api/v1/access/roles", {"code": "x", "name": "X"})
    assert res.status_code == 403 and not Role.objects.exists()
    res = post(
        plain_api,
        "/api/v1/access/users",
        {"username": "x", "password": "pass-12345678", "org_id": world.east.pk},
    )
    assert res.status_code == 403 and not User.objects.filter(username="x").exists()


def test_cannot_grant_is_403(world, east_admin):
    res = post(
        east_admin,
        "/api/v1/access/roles",
        {"code": "boss", "name": "老板", "permissions": ["party.customer.approve"]},
    )
    assert (res.status_code, res.json()["code"]) == (403, "cannot_grant")
    assert res.json()["details"] == {"permissions": ["party.customer.approve"]}
    assert not Role.objects.filter(code="boss").exists()


def test_users_create_detail_assign_and_revoke(world, east_admin):
    role = Role.objects.create(code="viewer", name="查看", permissions=["access.user.view"])
    res = post(
        east_admin,
        "/api/v1/access/users",
        {
            "username": "wangfang",
            "password": "pass-12345678",
            "display_name": "王芳",
            "org_id": world.east_sales.pk,
        },
    )
    assert res.status_code == 201, res.content
    user = res.json()
    assert user["org_id"] == world.east_sales.pk and user["assignments"] == []
    res = post(
        east_admin,
        f"/api/v1/access/users/{user['id']}/assignments",
        {"role_id": role.pk, "scope_kind": "regions", "sales_region_ids": [world.district_sh.pk]},
    )
    assert res.status_code == 201, res.content
    assignment = res.json()
    assert assignment["role_code"] == "viewer"
    assert assignment["sales_region_ids"] == [world.district_sh.pk]
    detail = east_admin.get(f"/api/v1/access/users/{user['id']}").json()
    assert [a["id"] for a in detail["assignments"]] == [assignment["id"]]
    assert detail["permissions"] == ["access.user.view"]
    res = east_admin.delete(f"/api/v1/access/assignments/{assignment['id']}")
    assert res.status_code == 204
    assert not RoleAssignment.objects.filter(user_id=user["id"]).exists()
    actions = list(
        AuditEntry.objects.filter(object_type="access.user", object_id=str(user["id"]))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["access.user_created", "access.role_assigned", "access.role_revoked"]


def test_bad_assignments_are_4xx_and_write_nothing(world, east_admin):
    role = Role.objects.create(code="viewer", name="查看", permissions=["access.user.view"])
    portal = Role.objects.create(code="dealer", name="经销商", permissions=[], is_portal=True)
    target = User.objects.create_user("li", password="pass-12345678", org=world.east)
    url = f"/api/v1/access/users/{target.pk}/assignments"
    cases = [
        ({"role_id": role.pk, "scope_kind": "org"}, 422, "scope_required"),
        ({"role_id": role.pk, "scope_kind": "everything"}, 422, "invalid_input"),
        ({"role_id": role.pk, "scope_kind": "all"}, 403, "cannot_grant"),
        ({"role_id": portal.pk, "scope_kind": "own"}, 422, "portal_role_mismatch"),
        ({"role_id": role.pk, "scope_kind": "org", "org_id": world.south.pk}, 404, "not_found"),
        (
            {"role_id": role.pk, "scope_kind": "customers", "customer_ids": [world.gz_dealer.pk]},
            404,
            "not_found",
        ),
    ]
    for body, status, code in cases:
        res = post(east_admin, url, body)
        assert (res.status_code, res.json()["code"]) == (status, code), body
    assert not RoleAssignment.objects.filter(user=target).exists()
    assert not AuditEntry.objects.filter(action="access.role_assigned").exists()


def test_users_outside_the_scope_answer_404_and_are_not_listed(world, east_admin):
    south = User.objects.create_user("south-staff", password="pass-12345678", org=world.south)
    south_dealer = User.objects.create_user(
        "gz-dealer", password="pass-12345678", customer=world.gz_dealer, org=world.group
    )
    east = User.objects.create_user("east-staff", password="pass-12345678", org=world.east_sales)
    sh_user = User.objects.create_user(
        "sh-dealer", password="pass-12345678", customer=world.sh_dealer, org=world.group
    )
    listed = east_admin.get("/api/v1/access/users", {"page_size": 500}).json()
    names = {u["username"] for u in listed["items"]}
    assert {"east-staff", "sh-dealer"} <= names
    assert not names & {"south-staff", "gz-dealer"}
    for user in (south, south_dealer):
        assert east_admin.get(f"/api/v1/access/users/{user.pk}").status_code == 404
        for action in ("deactivate", "reactivate", "reset-password"):
            res = post(east_admin, f"/api/v1/access/users/{user.pk}/{action}")
            assert res.status_code == 404, action
    assert User.objects.get(pk=south.pk).is_active
    assert east_admin.get(f"/api/v1/access/users/{east.pk}").status_code == 200
    # filters
    only = east_admin.get("/api/v1/access/users", {"org_id": world.east_sales.pk}).json()
    assert {u["username"] for u in only["items"]} == {"east-staff", "sh-dealer"}
    found = east_admin.get("/api/v1/access/users", {"search": "sh-d"}).json()
    assert [u["id"] for u in found["items"]] == [sh_user.pk]


def test_deactivate_revokes_tokens_reactivate_and_reset_password(world, east_admin):
    target = user_with("lilei", ["access.user.view"], "org", org=world.east)
    target.org = world.east
    target.save()
    token = Client().post(
        "/api/v1/auth/token",
        {"username": "lilei", "password": "pass-12345678"},
        content_type="application/json",
    )
    bearer = Client(headers={"Authorization": f"Bearer {token.json()['token']}"})
    assert bearer.get("/api/v1/access/users").status_code == 200
    res = post(east_admin, f"/api/v1/access/users/{target.pk}/deactivate", {"reason": "离职"})
    assert res.status_code == 200 and res.json()["is_active"] is False
    assert bearer.get("/api/v1/access/users").status_code == 401
    assert not ApiToken.objects.filter(user=target, revoked_at__isnull=True).exists()
    res = post(east_admin, f"/api/v1/access/users/{target.pk}/deactivate")
    assert (res.status_code, res.json()["code"]) == (409, "invalid_transition")
    res = post(east_admin, f"/api/v1/access/users/{target.pk}/reactivate")
    assert res.status_code == 200 and res.json()["is_active"] is True
    assert bearer.get("/api/v1/access/users").status_code == 401  # tokens stay revoked
    res = post(east_admin, f"/api/v1/access/users/{target.pk}/reset-password", {"password": ""})
    assert res.status_code == 200 and res.json()["generated"] is True
    new = res.json()["password"]
    again = Client().post(
        "/api/v1/auth/token",
        {"username": "lilei", "password": new},
        content_type="application/json",
    )
    assert again.status_code == 200
    res = post(
        east_admin, f"/api/v1/access/users/{target.pk}/reset-password", {"password": "short"}
    )
    assert (res.status_code, res.json()["code"]) == (422, "invalid_input")
    res = post(
        east_admin,
        f"/api/v1/access/users/{target.pk}/reset-password",
        {"password": "chosen-pass-123"},
    )
    assert res.json() == {"generated": False, "password": None}


def test_create_user_errors(world, east_admin, staff_api):
    cases = [
        ({"username": "a", "password": "pass-12345678", "org_id": world.south.pk}, 404),
        ({"username": "a", "password": "short", "org_id": world.east.pk}, 422),
        ({"username": "a", "password": "pass-12345678", "org_id": world.east.pk, "x": 1}, 422),
        (
            {
                "username": "a",
                "password": "pass-12345678",
                "org_id": world.east.pk,
                "is_superuser": True,
            },
            403,
        ),
    ]
    for body, status in cases:
        res = post(east_admin, "/api/v1/access/users", body)
        assert res.status_code == status, (body, res.content)
    assert not User.objects.filter(username="a").exists()
    body = {"username": "a", "password": "pass-12345678", "org_id": world.east.pk}
    assert post(staff_api, "/api/v1/access/users", body).status_code == 201
    res = post(staff_api, "/api/v1/access/users", body)
    assert (res.status_code, res.json()["code"]) == (409, "username_taken")
