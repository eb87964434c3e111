import pytest
from django.test import Client

from omni.access.models import ApiToken, Role, RoleAssignment, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


def bearer(secret):
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_a_scoped_token_can_do_only_what_it_names(admin_client):
    res = admin_client.post(
        "/api/v1/auth/tokens",
        {"name": "ERP 只读客户", "permissions": ["party.customer.view"]},
        content_type="application/json",
    )
    assert res.status_code == 201
    erp = bearer(res.json()["token"])
    assert erp.get("/api/v1/party/customers").status_code == 200
    # the admin user may do anything, the token may not
    assert erp.get("/api/v1/audit").status_code == 403
    denied = erp.post(
        "/api/v1/party/organizations",
        {"code": "X", "name": "X", "kind": "group"},
        content_type="application/json",
    )
    assert denied.status_code == 403
    assert ApiToken.objects.get(pk=res.json()["id"]).permissions == ["party.customer.view"]


def test_a_token_cannot_hold_more_than_its_user_or_unknown_permissions(db):
    user = User.objects.create_user("rep", password="pass-12345678")
    role = Role.objects.create(code="viewer", name="viewer", permissions=["party.customer.view"])
    RoleAssignment.objects.create(user=user, role=role, scope_kind="all")
    client = Client()
    client.force_login(user)
    before = ApiToken.objects.count()
    res = client.post(
        "/api/v1/auth/tokens",
        {"name": "x", "permissions": ["party.customer.edit"]},
        content_type="application/json",
    )
    assert res.status_code == 403 and res.json()["code"] == "cannot_grant"
    res = client.post(
        "/api/v1/auth/tokens",
        {"name": "x", "permissions": ["no.such.thing"]},
        content_type="application/json",
    )
    # the schema lists the permission names (422 invalid_input); the service refuses an
    # unknown one the same way for callers that bypass the schema (unknown_permission)
    assert res.status_code == 422
    assert res.json()["code"] in ("invalid_input", "unknown_permission")
    assert ApiToken.objects.count() == before
    ok = client.post(
        "/api/v1/auth/tokens",
        {"name": "x", "permissions": ["party.customer.view"]},
        content_type="application/json",
    )
    assert ok.status_code == 201
    # narrowing: the role later loses the permission, the token loses it too
    role.permissions = []
    role.save()
    assert bearer(ok.json()["token"]).get("/api/v1/party/customers").status_code == 403


def test_a_scoped_token_of_an_ordinary_user_is_narrowed(db):
    from omni.access.services.actors import build_actor

    user = User.objects.create_user("clerk", password="pass-12345678")
    role = Role.objects.create(
        code="two", name="two", permissions=["party.customer.view", "catalog.product.view"]
    )
    RoleAssignment.objects.create(user=user, role=role, scope_kind="all")
    narrowed = build_actor(user, via_token=True, token_permissions=["party.customer.view"])
    assert narrowed.can("party.customer.view") and not narrowed.can("catalog.product.view")
    # a token cannot widen: a permission the user lacks stays missing
    widened = build_actor(user, via_token=True, token_permissions=["access.user.view"])
    assert not widened.can("access.user.view") and not widened.can("party.customer.view")
