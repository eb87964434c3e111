import pytest
from django.test import Client
from django.utils import timezone

from omni.kernel import health
from omni.kernel.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_health_without_worker_is_degraded_but_answers():
    res = Client().get("/api/v1/health")
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["worker_heartbeat_age_seconds"] is None


def test_health_ok_with_a_fresh_worker_heartbeat():
    health.beat("w1", timezone.now())
    body = Client().get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["worker_heartbeat_age_seconds"] < 5
    assert body["outbox_pending"] == 0


def test_openapi_and_docs_are_served():
    spec = Client().get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert "/api/v1/health" in paths and "/api/v1/auth/token" in paths
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"cdn." not in docs.content  # swagger assets are served locally


def test_audit_and_outbox_need_staff(plain_api, staff_api):
    assert plain_api.get("/api/v1/audit").status_code == 403
    assert plain_api.get("/api/v1/outbox").status_code == 403
    res = staff_api.get("/api/v1/audit", {"object_type": "access.apitoken"})
    assert res.status_code == 200
    assert res.json()["total"] >= 1


def test_outbox_list_and_retry(staff_api):
    event = OutboxEvent.objects.create(
        event_type="x.happened", payload={}, status="failed", next_attempt_at=timezone.now()
    )
    res = staff_api.get("/api/v1/outbox", {"status": "failed"})
    assert res.json()["total"] == 1
    assert staff_api.post(f"/api/v1/outbox/{event.pk}/retry").status_code == 200
    again = staff_api.post(f"/api/v1/outbox/{event.pk}/retry")
    assert again.status_code == 409 and again.json()["code"] == "event_not_failed"
    missing = staff_api.post("/api/v1/outbox/00000000-0000-0000-0000-000000000000/retry")
    assert missing.status_code == 404
