"""Dealer onboarding: the public application form, invitations and the review pages."""

from __future__ import annotations

import pytest
from django.test import Client

from omni.kernel.models import AuditEntry
from omni.party.models import Customer, DealerApplication, Invitation
from omni.party.tests.factories import make_world, user_with

from .test_customers import client_for

pytestmark = pytest.mark.django_db

REVIEW = ["party.application.view", "party.application.approve"]


@pytest.fixture
def world():
    return make_world()


def _application(**changes):
    data = {
        "company_name": "苏州好运来商贸有限公司",
        "contact_name": "王强",
        "phone": "139 1234 5678",
        "province": "310000",
        "city": "310100",
        "district": "310115",
        "address": "张江路 1 号",
        "business_scope": "饮料批发",
        "tax_number": "",
    }
    data.update(changes)
    return data


def _submit(client=None, url="/party/apply/", **changes):
    return (client or Client()).post(url, _application(**changes))


def test_public_form_needs_no_login_and_thanks_with_the_application_number(world):
    client = Client()
    page = client.get("/party/apply/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "申请加盟" in html and 'name="csrfmiddlewaretoken"' in html
    assert 'name="viewport" content="width=device-width' in html
    res = _submit(client)
    assert res.status_code == 302 and res["Location"] == "/party/apply/done/"
    app = DealerApplication.objects.get()
    assert (app.phone, app.region_id, app.status, app.org_id) == (
        "13912345678",
        "310115",
        "submitted",
        None,
    )
    done = client.get("/party/apply/done/").content.decode()
    assert "申请已提交" in done and f"{app.pk:05d}" in done and "苏州好运来商贸有限公司" in done


def test_public_form_is_csrf_protected():
    client = Client(enforce_csrf_checks=True)
    assert client.post("/party/apply/", _application()).status_code == 403
    assert not DealerApplication.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "电话号码无效。"),
        ({"company_name": ""}, "company_name", "这个字段是必填项。"),
        ({"city": ""}, "city", "这个字段是必填项。"),
        ({"district": "999999"}, "district", "行政区划代码不存在。"),
        ({"tax_number": "123"}, "tax_number", "统一社会信用代码（税号）无效。"),
    ],
)
def test_bad_application_shows_the_error_and_writes_nothing(world, changes, field, message):
    res = _submit(**changes)
    assert res.status_code == 200
    assert message in [str(e) for e in res.context["form"].errors[field]]
    assert message in res.content.decode()
    assert not DealerApplication.objects.exists()
    assert not AuditEntry.objects.filter(action="party.application_submitted").exists()


def test_bots_filling_the_hidden_field_are_dropped(world):
    assert _submit(website="http://spam.example").status_code == 302
    assert not DealerApplication.objects.exists()


def test_invitation_link_is_created_shown_and_fixes_the_organisation(world):
    reviewer = client_for(user_with("rev", REVIEW, "org", org=world.east))
    res = reviewer.get("/party/applications/")
    assert "邀请经销商" in res.content.decode()
    choices = {value for value, _label in res.context["invite_form"].fields["org"].choices}
    assert choices == {str(world.east.pk), str(world.east_sales.pk)}
    res = reviewer.post("/party/applications/invite/", {"org": world.east_sales.pk, "note": "展会"})
    assert res.status_code == 302
    invitation = Invitation.objects.get()
    page = reviewer.get("/party/applications/").content.decode()
    link = f"http://testserver/party/apply/{invitation.token}/"
    assert link in page and "复制链接" in page
    assert link not in reviewer.get("/party/applications/").content.decode()  # shown once

    form = Client().get(f"/party/apply/{invitation.token}/").content.decode()
    assert "您由 华东销售部 邀请加盟。" in form
    assert _submit(url=f"/party/apply/{invitation.token}/").status_code == 302
    app = DealerApplication.objects.get()
    assert app.org_id == world.east_sales.pk and app.invitation_id == invitation.pk

    bad = Client().get("/party/apply/not-a-token/").content.decode()
    assert "邀请链接无效或已过期。" in bad
    res = _submit(url="/party/apply/not-a-token/")
    assert res.status_code == 200 and "邀请链接无效或已过期。" in res.content.decode()
    assert DealerApplication.objects.count() == 1


def test_review_list_filters_by_status_and_respects_scope(world):
    _submit(company_name="甲公司")
    _submit(company_name="乙公司")
    DealerApplication.objects.filter(company_name="乙公司").update(
        status="rejected", org=world.south_sales
    )
    boss = client_for(user_with("boss", REVIEW, "all"))
    html = boss.get("/party/applications/").content.decode()
    assert "甲公司" in html and "乙公司" in html
    html = boss.get("/party/applications/?status=rejected").content.decode()
    assert "乙公司" in html and "甲公司" not in html
    # applications without an organisation are for enterprise-wide reviewers only
    east = client_for(user_with("east", REVIEW, "org", org=world.east))
    html = east.get("/party/applications/").content.decode()
    assert "甲公司" not in html and "乙公司" not in html
    other = DealerApplication.objects.get(company_name="乙公司")
    assert east.get(f"/party/applications/{other.pk}/").status_code == 404
    assert (
        client_for(user_with("x", ["party.customer.view"], "all"))
        .get("/party/applications/")
        .status_code
        == 404
    )


def test_approve_creates_an_active_customer(world):
    _submit()
    app = DealerApplication.objects.get()
    boss = client_for(user_with("boss", REVIEW, "all"))
    url = f"/party/applications/{app.pk}/"
    page = boss.get(url).content.decode()
    assert "通过并创建客户" in page and "驳回" in page and "要求补充资料" in page
    # a taken code: the error is on the code field and nothing changes
    res = boss.post(
        url, {"op": "approve", "code": "C-SH-001", "org": world.east_sales.pk, "kind": "dealer"}
    )
    assert "该编码已被使用。" in res.context["approve_form"].errors["code"]
    app.refresh_from_db()
    assert app.status == "submitted" and not Customer.objects.filter(name=app.company_name).exists()
    # an upper-level supplier of another organisation is refused on the upper field
    res = boss.post(
        url,
        {
            "op": "approve",
            "code": "C-NEW",
            "org": world.east_sales.pk,
            "kind": "dealer",
            "upper": "C-GZ-001",
        },
    )
    assert "上级供应商必须属于同一组织。" in res.context["approve_form"].errors["upper"]
    res = boss.post(
        url,
        {
            "op": "approve",
            "code": "C-NEW",
            "org": world.east_sales.pk,
            "kind": "dealer",
            "customer_class": world.cls_l1.pk,
            "level": world.level_a.pk,
            "sales_region": world.district_sh.pk,
            "upper": "C-SH-001",
        },
    )
    assert res.status_code == 302
    app.refresh_from_db()
    customer = Customer.objects.get(code="C-NEW")
    assert app.status == "approved" and app.customer_id == customer.pk
    assert (customer.status, customer.upper_id, customer.org_id) == (
        "active",
        world.sh_dealer.pk,
        world.east_sales.pk,
    )
    assert customer.contacts.get().phone == "13912345678"
    page = boss.get(url).content.decode()
    assert "申请已通过，已创建客户 C-NEW。" in page and "已通过" in page
    assert 'data-test="approve-form"' not in page  # nothing left to decide
    assert "submitted → " not in page and "已提交 → 已通过" in page


def test_reject_needs_a_reason_and_more_info_needs_a_note(world):
    _submit()
    app = DealerApplication.objects.get()
    boss = client_for(user_with("boss", REVIEW, "all"))
    url = f"/party/applications/{app.pk}/"
    res = boss.post(url, {"op": "reject", "reject-note": ""})
    assert "这个字段是必填项。" in res.context["reject_form"].errors["note"]
    app.refresh_from_db()
    assert app.status == "submitted"
    assert (
        boss.post(url, {"op": "request_info", "request_info-note": "请补充营业执照"}).status_code
        == 302
    )
    app.refresh_from_db()
    assert app.status == "more_info" and app.review_note == "请补充营业执照"
    page = boss.get(url).content.decode()
    assert 'data-test="approve-form"' not in page and 'data-test="reject-form"' in page
    assert boss.post(url, {"op": "reject", "reject-note": "资质不符"}).status_code == 302
    app.refresh_from_db()
    assert app.status == "rejected"
    # a viewer without the approve permission sees the page but cannot act
    viewer = client_for(user_with("viewer", ["party.application.view"], "all"))
    page = viewer.get(url).content.decode()
    assert page and 'data-test="reject-form"' not in page
    assert viewer.post(url, {"op": "reject", "reject-note": "x"}).status_code == 404
