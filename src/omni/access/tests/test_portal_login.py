"""Approving a dealer application opens the applicant's portal login: a user bound to the new
customer (through the outbox: party never imports access), shown to the approver with a
one-time link to choose a password, and on the applicant's private status page."""

import re

import pytest
from django.test import Client

from omni.access.models import Role, User
from omni.kernel import outbox
from omni.kernel.actors import Actor
from omni.kernel.models import OutboxEvent
from omni.party.services import applications
from omni.party.tests.factories import SYSTEM, make_world, user_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(django_capture_on_commit_callbacks):
    w = make_world()
    Role.objects.create(
        code="dealer",
        name="经销商",
        permissions=["party.customer.view", "catalog.product.view"],
        is_portal=True,
    )
    app = applications.submit_application(
        actor=Actor.channel("web:apply"),
        company_name="杭州西湖饮品商行",
        contact_name="陈静",
        phone="13900001111",
        region_code="310115",
    )
    with django_capture_on_commit_callbacks(execute=True):
        app = applications.approve_application(
            actor=SYSTEM,
            application_id=app.pk,
            customer_code="C-HZ-001",
            org_id=w.east_sales.pk,
            kind="distributor",
            class_id=w.cls_l1.pk,
        )
    return w, app


def deliver_approval():
    event = OutboxEvent.objects.get(event_type="party.application_approved")
    assert outbox.deliver(event.id) == "delivered"


def approver_client(w):
    reviewer = user_with(
        "reviewer", ["party.application.view", "party.application.approve"], "org", org=w.east
    )
    client = Client()
    client.force_login(reviewer)
    return client


def test_approval_opens_a_portal_login_with_a_one_time_password_link(approved):
    w, app = approved
    approver = approver_client(w)
    url = f"/api/v1/access/customers/{app.customer_id}/portal-login"
    # given the approval committed, before the worker handled its event: pending
    assert approver.get(url).json()["status"] == "pending"
    # when the worker delivers the event
    deliver_approval()
    # then the applicant has a login bound to the new customer, with no usable password yet
    user = User.objects.get(customer_id=app.customer_id)
    assert user.username == "C-HZ-001" and not user.has_usable_password()
    assert user.display_name == "陈静" and user.org_id == w.east_sales.pk
    assert [a.role.code for a in user.role_assignments.all()] == ["dealer"]
    # and the approver gets the username and the one-time link
    body = approver.get(url).json()
    assert body["status"] == "ready" and body["username"] == "C-HZ-001"
    assert body["password_set"] is False and "/welcome/" in body["setup_url"]
    # delivering again changes nothing (idempotent)
    OutboxEvent.objects.update(status="pending")
    outbox.deliver(OutboxEvent.objects.get().id)
    assert User.objects.filter(customer_id=app.customer_id).count() == 1

    # the applicant follows the link and chooses a password
    link = re.sub(r"^https?://[^/]+", "", body["setup_url"])
    applicant = Client()
    page = applicant.get(link)
    assert page.status_code == 200 and "C-HZ-001" in page.content.decode()
    res = applicant.post(link, {"password": "Xihu-Tea-2026", "password2": "Xihu-Tea-2026"})
    assert res.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Xihu-Tea-2026")
    # the link works once
    assert applicant.get(link).status_code == 404
    assert approver.get(url).json()["setup_url"] is None
    # and the applicant logs in and sees their own customer
    login = Client().post(
        "/api/v1/auth/token",
        {"username": "C-HZ-001", "password": "Xihu-Tea-2026"},
        content_type="application/json",
    )
    assert login.status_code == 200
    mine = Client(headers={"Authorization": f"Bearer {login.json()['token']}"})
    assert mine.get(f"/api/v1/party/customers/{app.customer_id}").status_code == 200
    assert mine.get(f"/api/v1/party/customers/{w.sh_dealer.pk}").status_code == 404


def test_the_applicants_status_page_shows_how_to_log_in(approved):
    _w, app = approved
    status_page = f"/party/apply/status/{app.status_token}/"
    page = Client().get(status_page).content.decode()
    assert 'data-test="portal-login"' in page  # pending: being created
    deliver_approval()
    page = Client().get(status_page).content.decode()
    assert "C-HZ-001" in page and 'data-test="portal-setup-link"' in page


def test_an_approver_of_another_organisation_sees_no_login(approved):
    w, app = approved
    deliver_approval()
    south = user_with("south-reviewer", ["party.application.approve"], "org", org=w.south)
    client = Client()
    client.force_login(south)
    res = client.get(f"/api/v1/access/customers/{app.customer_id}/portal-login")
    assert res.status_code == 404


def test_a_forged_link_is_refused():
    assert Client().get("/welcome/MQ/forged-token/").status_code == 404
