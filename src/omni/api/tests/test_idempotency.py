import pytest
from django.db import transaction
from django.test import Client

from omni.access.models import ApiToken
from omni.kernel.models import IdempotencyRecord
from omni.kernel.testing import race

URL = "/api/v1/auth/tokens"


def post(client, body, key):
    return client.post(URL, body, content_type="application/json", headers={"Idempotency-Key": key})


@pytest.mark.django_db
def test_repeat_returns_the_first_response_and_runs_once(staff_api):
    before = ApiToken.objects.count()
    first = post(staff_api, {"name": "erp"}, "key-1")
    again = post(staff_api, {"name": "erp"}, "key-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ApiToken.objects.count() == before + 1


@pytest.mark.django_db
def test_same_key_different_body_is_409(staff_api):
    post(staff_api, {"name": "erp"}, "key-2")
    res = post(staff_api, {"name": "wms"}, "key-2")
    assert res.status_code == 409
    assert res.json()["code"] == "idempotency_key_reused"
    assert ApiToken.objects.filter(name="wms").count() == 0


@pytest.mark.django_db
def test_keys_are_scoped_per_caller(staff_api, plain_api):
    a = post(staff_api, {"name": "erp"}, "shared-key")
    b = post(plain_api, {"name": "erp"}, "shared-key")
    assert a.status_code == b.status_code == 201
    assert a.json()["token"] != b.json()["token"]


@pytest.mark.django_db
def test_rejected_request_is_replayed_too(staff_api):
    first = post(staff_api, {"name": ""}, "key-3")
    again = post(staff_api, {"name": ""}, "key-3")
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()


@pytest.mark.django_db
def test_invalid_key(staff_api):
    res = post(staff_api, {"name": "erp"}, "x" * 300)
    assert res.status_code == 400
    assert res.json()["code"] == "invalid_idempotency_key"


@pytest.mark.django_db
def test_server_error_is_not_stored_so_the_client_can_retry(staff_api, monkeypatch):
    from omni.access.services import tokens

    real = tokens.create_token
    monkeypatch.setattr(tokens, "create_token", lambda **kw: 1 / 0)
    assert post(staff_api, {"name": "erp"}, "key-5").status_code == 500
    monkeypatch.setattr(tokens, "create_token", real)
    assert post(staff_api, {"name": "erp"}, "key-5").status_code == 201


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
    before = ApiToken.objects.count()

    def call():
        client = Client(headers={"Authorization": f"Bearer {token}"})
        return post(client, {"name": "race"}, "race-key")

    outcome = race(call, 8)
    assert not outcome.errors, outcome.errors
    statuses = sorted(r.status_code for r in outcome.results)
    created = [r for r in outcome.results if r.status_code == 201]
    # exactly one execution; the others got the replay (201, same body) or "in progress" (409)
    assert ApiToken.objects.filter(name="race").count() == 1
    assert ApiToken.objects.count() == before + 1
    assert set(statuses) <= {201, 409}
    assert len({r.json()["token"] for r in created}) == 1
    for r in outcome.results:
        if r.status_code == 409:
            assert r.json()["code"] == "idempotency_request_in_progress"
    with transaction.atomic():
        assert IdempotencyRecord.objects.filter(key="race-key").count() == 1
