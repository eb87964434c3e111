import pytest
from django.test import Client

from omni.access.models import ApiToken, Role, RoleAssignment, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(db):
    user = User.objects.create_user("rep", password="pass-12345678", display_name="李磊")
    role = Role.objects.create(
        code="r", name="r", permissions=["party.customer.view", "catalog.product.view"]
    )
    RoleAssignment.objects.create(user=user, role=role, scope_kind="all")
    client = Client()
    client.force_login(user)
    return client


def test_create_a_scoped_token_see_it_once_use_it_and_revoke_it(rep):
    page = rep.get("/access/tokens/").content.decode()
    assert "party.customer.view" in page and "access.user.view" not in page  # only what I hold
    res = rep.post("/access/tokens/", {"name": "ERP 对接", "permissions": ["party.customer.view"]})
    assert res.status_code == 302
    page = rep.get("/access/tokens/")
    assert page["Cache-Control"] == "no-store"
    html = page.content.decode()
    token = ApiToken.objects.get(name="ERP 对接")
    secret = html.split('data-test="token-secret">')[1].split("<")[0]
    assert secret.startswith("omni_") and token.permissions == ["party.customer.view"]
    assert 'data-test="token-secret"' not in rep.get("/access/tokens/").content.decode()  # once
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/party/customers").status_code == 200
    assert api.get("/api/v1/catalog/products").status_code == 403
    rep.post("/access/tokens/", {"op": "revoke", "token": token.pk})
    assert api.get("/api/v1/party/customers").status_code == 401


def test_a_permission_i_do_not_hold_is_refused(rep):
    res = rep.post("/access/tokens/", {"name": "x", "permissions": ["access.user.view"]})
    assert res.status_code == 200 and not ApiToken.objects.exists()


def test_others_tokens_cannot_be_revoked(rep):
    other = User.objects.create_user("other", password="pass-12345678")
    theirs = ApiToken.objects.create(user=other, name="x", prefix="omni_x", key_hash="h" * 64)
    rep.post("/access/tokens/", {"op": "revoke", "token": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
