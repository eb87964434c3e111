import pytest
from django.db import transaction
from django.test import Client

from omni.access.models import ApiToken
from omni.kernel.models import IdempotencyRecord
from omni.kernel.testing import race
from omni.party.models import CustomerClass

URL = "/api/v1/party/customer-classes"


def post(client, body, key, url=URL):
    return client.post(url, body, content_type="application/json", headers={"Idempotency-Key": key})


@pytest.mark.django_db
def test_repeat_returns_the_first_response_and_runs_once(staff_api):
    first = post(staff_api, {"code": "KA", "name": "大客户"}, "key-1")
    again = post(staff_api, {"code": "KA", "name": "大客户"}, "key-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert CustomerClass.objects.filter(code="KA").count() == 1


@pytest.mark.django_db
def test_same_key_different_body_is_409(staff_api):
    post(staff_api, {"code": "KA", "name": "大客户"}, "key-2")
    res = post(staff_api, {"code": "VIP", "name": "重点"}, "key-2")
    assert res.status_code == 409
    assert res.json()["code"] == "idempotency_key_reused"
    assert not CustomerClass.objects.filter(code="VIP").exists()


@pytest.mark.django_db
def test_keys_are_scoped_per_caller(staff_api, plain_api):
    a = post(staff_api, {"code": "KA", "name": "大客户"}, "shared-key")
    b = post(plain_api, {"code": "KA", "name": "大客户"}, "shared-key")
    assert a.status_code == 201
    assert b.status_code == 403  # the plain user's own request ran: no permission


@pytest.mark.django_db
def test_rejected_request_is_replayed_too(staff_api):
    first = post(staff_api, {"code": "", "name": "x"}, "key-3")
    again = post(staff_api, {"code": "", "name": "x"}, "key-3")
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()


@pytest.mark.django_db
def test_invalid_key(staff_api):
    res = post(staff_api, {"code": "KA", "name": "大客户"}, "x" * 300)
    assert res.status_code == 400
    assert res.json()["code"] == "invalid_idempotency_key"


@pytest.mark.django_db
def test_server_error_is_not_stored_so_the_client_can_retry(staff_api, monkeypatch):
    from omni.party.services import classification

    real = classification.create_customer_class
    monkeypatch.setattr(classification, "create_customer_class", lambda **kw: 1 / 0)
    assert post(staff_api, {"code": "KA", "name": "大客户"}, "key-5").status_code == 500
    monkeypatch.setattr(classification, "create_customer_class", real)
    assert post(staff_api, {"code": "KA", "name": "大客户"}, "key-5").status_code == 201


@pytest.mark.django_db
def test_a_secret_is_never_stored_and_never_replayed(staff_api):
    before = ApiToken.objects.count()
    first = post(staff_api, {"name": "erp"}, "key-6", url="/api/v1/auth/tokens")
    assert first.status_code == 201 and first["Cache-Control"] == "no-store"
    secret = first.json()["token"]
    again = post(staff_api, {"name": "erp"}, "key-6", url="/api/v1/auth/tokens")
    assert again.status_code == 409
    assert again.json()["code"] == "idempotent_replay_unavailable"
    assert again.json()["details"] == {"first_status": 201}
    assert ApiToken.objects.count() == before + 1  # ran once
    stored = IdempotencyRecord.objects.get(key="key-6")
    assert secret.encode() not in bytes(stored.response_body)


@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_do_not_both_execute(staff_user):
    token = (
        Client()
        .post(
            "/api/v1/auth/token",
            {"username": "staff", "password": "staff-pass-123"},
            content_type="application/json",
        )
        .json()["token"]
    )

    def call():
        client = Client(headers={"Authorization": f"Bearer {token}"})
        return post(client, {"code": "RACE", "name": "并发"}, "race-key")

    outcome = race(call, 8)
    assert not outcome.errors, outcome.errors
    statuses = sorted(r.status_code for r in outcome.results)
    created = [r for r in outcome.results if r.status_code == 201]
    # exactly one execution; the others got the replay (201, same body) or "in progress" (409)
    assert CustomerClass.objects.filter(code="RACE").count() == 1
    assert set(statuses) <= {201, 409}
    assert len({r.json()["id"] for r in created}) == 1
    for r in outcome.results:
        if r.status_code == 409:
            assert r.json()["code"] == "idempotency_request_in_progress"
    with transaction.atomic():
        assert IdempotencyRecord.objects.filter(key="race-key").count() == 1
