"""A scoped API token can never make itself wider: not by creating another token, not by
changing its own user (password, roles), not by creating a superuser."""

import pytest
from django.test import Client

from omni.access.models import ApiToken, Role, RoleAssignment, User

pytestmark = pytest.mark.django_db


def bearer(secret):
    return Client(headers={"Authorization": f"Bearer {secret}"})


def _post(client, path, body):
    return client.post(path, body, content_type="application/json")


@pytest.fixture
def clerk(db):
    user = User.objects.create_user("clerk", password="clerk-pass-123")
    role = Role.objects.create(
        code="clerk",
        name="clerk",
        permissions=[
            "party.customer.view",
            "catalog.product.view",
            "access.user.view",
            "access.user.edit",
            "access.role.view",
        ],
    )
    RoleAssignment.objects.create(user=user, role=role, scope_kind="all")
    return user


def _scoped_token(user, password, permissions):
    client = Client()
    client.force_login(user)
    res = _post(client, "/api/v1/auth/tokens", {"name": "erp", "permissions": permissions})
    assert res.status_code == 201, res.content
    return res.json()


def test_a_scoped_token_without_permissions_creates_a_token_as_narrow_as_itself(clerk):
    # given a token limited to viewing customers
    scoped = _scoped_token(clerk, "clerk-pass-123", ["party.customer.view"])
    # when it asks for a new token without naming permissions
    res = _post(bearer(scoped["token"]), "/api/v1/auth/tokens", {"name": "x"})
    # then the new token holds the creating token's permissions, not the user's
    assert res.status_code == 201, res.content
    child = ApiToken.objects.get(pk=res.json()["id"])
    assert child.permissions == ["party.customer.view"]
    parent = ApiToken.objects.get(pk=scoped["id"])
    assert child.expires_at <= parent.expires_at
    assert bearer(res.json()["token"]).get("/api/v1/catalog/products").status_code == 403


def test_a_scoped_token_cannot_ask_for_more_than_it_holds(clerk):
    scoped = _scoped_token(clerk, "clerk-pass-123", ["party.customer.view"])
    before = ApiToken.objects.count()
    res = _post(
        bearer(scoped["token"]),
        "/api/v1/auth/tokens",
        {"name": "x", "permissions": ["party.customer.view", "catalog.product.view"]},
    )
    assert res.status_code == 403
    assert res.json()["code"] == "cannot_grant"
    assert res.json()["details"]["permissions"] == ["catalog.product.view"]
    assert ApiToken.objects.count() == before


def test_a_superusers_scoped_token_stays_scoped(staff_user):
    scoped = _scoped_token(staff_user, "staff-pass-123", ["party.customer.view"])
    res = _post(bearer(scoped["token"]), "/api/v1/auth/tokens", {"name": "x"})
    assert res.status_code == 201
    assert ApiToken.objects.get(pk=res.json()["id"]).permissions == ["party.customer.view"]
    # nor can it make a superuser
    denied = _post(
        bearer(scoped["token"]),
        "/api/v1/access/users",
        {"username": "root2", "password": "Long-enough-pass-1", "is_superuser": True},
    )
    assert denied.status_code == 403


def test_an_unscoped_token_creates_an_unscoped_token(clerk):
    res = _post(Client(), "/api/v1/auth/token", {"username": "clerk", "password": "clerk-pass-123"})
    full = bearer(res.json()["token"])
    child = _post(full, "/api/v1/auth/tokens", {"name": "x"})
    assert child.status_code == 201
    assert ApiToken.objects.get(pk=child.json()["id"]).permissions is None


def test_a_token_cannot_reset_its_own_users_password_or_change_its_roles(clerk):
    # the token holds every permission of the user, access.user.edit included
    res = _post(Client(), "/api/v1/auth/token", {"username": "clerk", "password": "clerk-pass-123"})
    api = bearer(res.json()["token"])
    reset = _post(api, f"/api/v1/access/users/{clerk.pk}/reset-password", {"password": ""})
    assert reset.status_code == 403 and reset.json()["code"] == "cannot_manage"
    clerk.refresh_from_db()
    assert clerk.check_password("clerk-pass-123")
    role = Role.objects.get(code="clerk")
    assign = _post(
        api,
        f"/api/v1/access/users/{clerk.pk}/assignments",
        {"role_id": role.pk, "scope_kind": "own"},
    )
    assert assign.status_code == 403 and assign.json()["code"] == "cannot_manage"
    # the same user, logged in with the password, manages other users as before
    other = User.objects.create_user("other", password="other-pass-123")
    ok = _post(api, f"/api/v1/access/users/{other.pk}/reset-password", {"password": ""})
    assert ok.status_code == 200
