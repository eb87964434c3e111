import pytest
from django.test import Client

from omni.access.models import LoginAttempt, User
from omni.access.services.logins import MAX_FAILURES
from omni.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(db):
    return User.objects.create_user("wangfang", password="right-pass-123", display_name="王芳")


def token(client, password):
    return client.post(
        "/api/v1/auth/token",
        {"username": "wangfang", "password": password},
        content_type="application/json",
    )


def test_api_login_is_throttled_after_repeated_failures_even_with_the_right_password(user):
    client = Client()
    for _ in range(MAX_FAILURES):
        assert token(client, "wrong").status_code == 401
    res = token(client, "right-pass-123")
    assert res.status_code == 429
    assert res.json()["code"] == "too_many_requests"
    assert (
        LoginAttempt.objects.filter(username="wangfang", succeeded=False).count()
        == MAX_FAILURES + 1
    )
    assert AuditEntry.objects.filter(action="access.login_failed").count() == MAX_FAILURES
    assert AuditEntry.objects.filter(action="access.login_throttled").count() == 1


def test_other_users_are_not_throttled_by_someone_elses_failures(user):
    User.objects.create_user("lilei", password="other-pass-123")
    client = Client()
    for _ in range(MAX_FAILURES):
        token(client, "wrong")
    res = client.post(
        "/api/v1/auth/token",
        {"username": "lilei", "password": "other-pass-123"},
        content_type="application/json",
    )
    assert res.status_code == 200


def test_web_login_is_throttled_and_audited(user):
    client = Client()
    for _ in range(MAX_FAILURES):
        page = client.post("/login/", {"username": "wangfang", "password": "wrong"})
        assert "用户名或密码错误" in page.content.decode()
    page = client.post("/login/", {"username": "wangfang", "password": "right-pass-123"})
    assert page.status_code == 429
    assert "尝试次数过多" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_successful_logins_are_audited(user):
    res = Client().post("/login/", {"username": "wangfang", "password": "right-pass-123"})
    assert res.status_code == 302
    entry = AuditEntry.objects.get(action="access.login_succeeded")
    assert entry.actor_name == "wangfang" and entry.after["channel"] == "web"
