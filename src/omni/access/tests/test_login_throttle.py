"""One throttle (kernel.throttle), one code (too_many_requests, 429): logins are limited by
(username, client address) and by address, so nobody can lock the owner out from elsewhere;
the public application form's counter survives the refusal of the request it counts."""

import pytest
from django.test import Client

from omni.access.models import User
from omni.access.services.logins import MAX_FAILURES, MAX_IP_FAILURES
from omni.kernel import throttle
from omni.kernel.actors import Actor
from omni.kernel.errors import InvalidInput
from omni.kernel.models import ThrottleHit
from omni.party.services import applications

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return User.objects.create_superuser("admin", password="admin-pass-123")


def api_login(password, ip, username="admin"):
    return Client(REMOTE_ADDR=ip).post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )


def test_an_attacker_cannot_lock_the_owner_out(admin):
    # given an attacker guessing admin's password from one address until refused
    for _ in range(MAX_FAILURES):
        assert api_login("guess", "198.51.100.9").status_code == 401
    refused = api_login("guess", "198.51.100.9")
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_requests"
    # when the owner logs in from their own address, then it works, through API and web
    assert api_login("admin-pass-123", "203.0.113.5").status_code == 200
    web = Client(REMOTE_ADDR="203.0.113.5")
    page = web.post("/login/", {"username": "admin", "password": "admin-pass-123"})
    assert page.status_code == 302
    # and the attacker's address stays refused, right password or not
    assert api_login("admin-pass-123", "198.51.100.9").status_code == 429


def test_one_address_guessing_many_usernames_is_throttled(admin):
    for i in range(MAX_IP_FAILURES):
        api_login("guess", "198.51.100.7", username=f"user{i}")
    res = api_login("admin-pass-123", "198.51.100.7")
    assert res.status_code == 429 and res.json()["code"] == "too_many_requests"
    assert api_login("admin-pass-123", "198.51.100.8").status_code == 200


def test_web_login_refusal_is_429_with_the_same_throttle(admin):
    client = Client(REMOTE_ADDR="198.51.100.3")
    for _ in range(MAX_FAILURES):
        assert client.post("/login/", {"username": "admin", "password": "x"}).status_code == 200
    page = client.post("/login/", {"username": "admin", "password": "admin-pass-123"})
    assert page.status_code == 429
    assert "_auth_user_id" not in client.session
    # web and API share the counter: the API refuses the same address too
    assert api_login("admin-pass-123", "198.51.100.3").status_code == 429


def test_a_successful_login_clears_its_counter(admin):
    for _ in range(MAX_FAILURES - 1):
        api_login("guess", "203.0.113.5")
    assert api_login("admin-pass-123", "203.0.113.5").status_code == 200
    for _ in range(MAX_FAILURES - 1):
        assert api_login("typo", "203.0.113.5").status_code == 401
    assert api_login("admin-pass-123", "203.0.113.5").status_code == 200


def _apply(company_name="清泉商贸"):
    return applications.submit_application(
        actor=Actor.channel("web:apply"),
        company_name=company_name,
        contact_name="王芳",
        phone="13800138000",
        region_code="310101",
        client_ip="198.51.100.20",
    )


@pytest.mark.django_db(transaction=True)
def test_refused_applications_still_count():
    # given the region table the application needs
    from omni.party.tests.factories import make_world

    make_world()
    # when every submission is refused (no company name): the counter is not rolled back
    for _ in range(applications.APPLY_LIMIT):
        with pytest.raises(InvalidInput):
            _apply(company_name=" ")
    assert ThrottleHit.objects.filter(key="apply:198.51.100.20").count() == applications.APPLY_LIMIT
    # then a good submission from that address is refused with the one code
    with pytest.raises(throttle.Throttled) as refused:
        _apply()
    assert refused.value.code == "too_many_requests" and refused.value.status == 429


def test_counting_inside_a_service_transaction_is_refused():
    from django.db import transaction

    with transaction.atomic(durable=True), pytest.raises(RuntimeError):
        throttle.hit("x", limit=1, window=throttle.dt.timedelta(minutes=1))
