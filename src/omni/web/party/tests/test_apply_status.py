import pytest
from django.test import Client

from omni.kernel.actors import Actor
from omni.party.services import applications
from omni.party.tests.factories import SYSTEM, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def app():
    make_world()
    return applications.submit_application(
        actor=Actor.channel("web:apply"),
        company_name="杭州西湖饮品商行",
        contact_name="陈静",
        phone="13900001111",
        region_code="310115",
    )


def test_applicant_follows_and_answers_a_request_for_more_information(app):
    client = Client()
    url = f"/party/apply/status/{app.status_token}/"
    page = client.get(url).content.decode()
    assert "杭州西湖饮品商行" in page and "review-note" not in page
    applications.request_more_info(actor=SYSTEM, application_id=app.pk, note="请补充营业执照照片")
    page = client.get(url).content.decode()
    assert "请补充营业执照照片" in page
    res = client.post(url, {"business_scope": "饮料批发，覆盖西湖区 200 家门店", "tax_number": ""})
    assert res.status_code == 302
    app.refresh_from_db()
    assert app.status == "submitted" and "200 家门店" in app.business_scope


def test_bad_tax_number_is_shown_and_nothing_changes(app):
    applications.request_more_info(actor=SYSTEM, application_id=app.pk, note="补充税号")
    res = Client().post(
        f"/party/apply/status/{app.status_token}/", {"business_scope": "批发", "tax_number": "123"}
    )
    assert res.status_code == 200
    app.refresh_from_db()
    assert app.status == "more_info" and app.business_scope == ""


def test_unknown_key_is_404_and_the_api_view_is_public_by_key(app):
    assert Client().get("/party/apply/status/not-a-key/").status_code == 404
    res = Client().get(f"/api/v1/party/applications/status/{app.status_token}")
    assert res.status_code == 200 and res.json()["status"] == "submitted"
    assert "phone" not in res.json()  # the applicant view shows no contact data
    assert Client().get("/api/v1/party/applications/status/nope").status_code == 404


def test_submission_hands_out_the_key_through_the_api():
    make_world()
    res = Client().post(
        "/api/v1/party/applications",
        {
            "company_name": "南京鑫源商贸",
            "contact_name": "赵强",
            "phone": "13800001234",
            "region_code": "310104",
        },
        content_type="application/json",
    )
    assert res.status_code == 201 and len(res.json()["status_token"]) >= 40


def test_the_public_form_is_rate_limited_per_address():
    from omni.party.models import DealerApplication
    from omni.party.services.applications import APPLY_LIMIT

    make_world()
    body = {
        "company_name": "南京鑫源商贸",
        "contact_name": "赵强",
        "phone": "13800001234",
        "region_code": "310104",
    }
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(APPLY_LIMIT):
        assert (
            client.post(
                "/api/v1/party/applications", body, content_type="application/json"
            ).status_code
            == 201
        )
    res = client.post("/api/v1/party/applications", body, content_type="application/json")
    assert res.status_code == 429 and res.json()["code"] == "too_many_requests"
    assert DealerApplication.objects.count() == APPLY_LIMIT
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert (
        other.post("/api/v1/party/applications", body, content_type="application/json").status_code
        == 201
    )
