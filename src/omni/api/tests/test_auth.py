import pytest
from django.test import Client

from omni.access.models import ApiToken
from omni.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_token_login_and_bearer_use(staff_user):
    client = Client()
    res = client.post(
        "/api/v1/auth/token",
        {"username": "staff", "password": "staff-pass-123"},
        content_type="application/json",
    )
    assert res.status_code == 200
    body = res.json()
    assert body["token"].startswith("omni_") and body["token_type"] == "Bearer"
    assert "+08:00" in body["expires_at"]  # ISO 8601 with the Asia/Shanghai offset
    authed = Client(headers={"Authorization": f"Bearer {body['token']}"})
    assert authed.get("/api/v1/auth/tokens").status_code == 200
    assert AuditEntry.objects.filter(action="access.token_issued").count() == 1


def test_wrong_password_is_401_with_the_error_shape(staff_user):
    res = Client().post(
        "/api/v1/auth/token",
        {"username": "staff", "password": "nope"},
        content_type="application/json",
    )
    assert res.status_code == 401
    assert res.json() == {
        "code": "invalid_credentials",
        "message": res.json()["message"],
        "details": {},
    }
    assert not ApiToken.objects.exists()


def test_missing_or_bad_token_is_401():
    for headers in ({}, {"Authorization": "Bearer omni_not-a-token"}, {"Authorization": "Basic x"}):
        res = Client(headers=headers).get("/api/v1/auth/tokens")
        assert res.status_code == 401
        assert res.json()["code"] == "not_authenticated"


def test_revoked_token_stops_working(staff_api):
    created = staff_api.post(
        "/api/v1/auth/tokens", {"name": "ERP 对接"}, content_type="application/json"
    )
    assert created.status_code == 201
    second = Client(headers={"Authorization": f"Bearer {created.json()['token']}"})
    assert second.get("/api/v1/auth/tokens").status_code == 200
    assert staff_api.delete(f"/api/v1/auth/tokens/{created.json()['id']}").status_code == 204
    assert second.get("/api/v1/auth/tokens").status_code == 401
    # revoking again, or someone else's token, is a 404
    assert staff_api.delete(f"/api/v1/auth/tokens/{created.json()['id']}").status_code == 404


def test_cannot_revoke_another_users_token(staff_api, plain_api):
    theirs = plain_api.post(
        "/api/v1/auth/tokens", {"name": "mine"}, content_type="application/json"
    )
    res = staff_api.delete(f"/api/v1/auth/tokens/{theirs.json()['id']}")
    assert res.status_code == 404
    assert ApiToken.objects.get(pk=theirs.json()["id"]).revoked_at is None


def test_session_auth_works_for_pages_calling_the_api(staff_user):
    client = Client()
    client.force_login(staff_user)
    assert client.get("/api/v1/auth/tokens").status_code == 200


def test_session_writes_need_the_csrf_token(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    res = client.post("/api/v1/auth/tokens", {"name": "x"}, content_type="application/json")
    assert res.status_code == 403
    assert res.json()["code"] == "csrf_failed"
    assert not ApiToken.objects.exists()
