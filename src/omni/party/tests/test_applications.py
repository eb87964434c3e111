import pytest

from omni.kernel.actors import Actor
from omni.kernel.errors import InvalidInput, InvalidTransition, NotFound
from omni.kernel.models import AuditEntry
from omni.party.services import applications

from .factories import SYSTEM, make_world

pytestmark = pytest.mark.django_db
PUBLIC = Actor.channel("web:apply")


def apply(**kw):
    base = dict(
        company_name="杭州西湖饮品商行",
        contact_name="陈静",
        phone="13900001111",
        region_code="310115",
    )
    base.update(kw)
    return applications.submit_application(actor=PUBLIC, **base)


def test_apply_ask_for_more_resubmit_approve():
    w = make_world()
    app = apply()
    assert app.status == "submitted"
    app = applications.request_more_info(actor=SYSTEM, application_id=app.pk, note="请补充营业执照")
    assert app.status == "more_info" and app.review_note == "请补充营业执照"
    assert app.status_token and len(app.status_token) >= 40
    with pytest.raises(NotFound):
        applications.resubmit_application(actor=PUBLIC, status_token="guess", business_scope="x")
    app = applications.resubmit_application(
        actor=PUBLIC,
        status_token=app.status_token,
        business_scope="饮料批发",
        address="文三路 1 号",
    )
    assert app.status == "submitted" and app.address == "文三路 1 号"
    app = applications.approve_application(
        actor=SYSTEM,
        application_id=app.pk,
        customer_code="C-HZ-001",
        org_id=w.east_sales.pk,
        kind="dealer",
        class_id=w.cls_l1.pk,
        level_id=w.level_a.pk,
        sales_region_id=w.area_east.pk,
        upper_id=w.sh_dealer.pk,
    )
    assert app.status == "approved"
    c = app.customer
    assert (c.code, c.status, c.upper_id, c.customer_class_id) == (
        "C-HZ-001",
        "active",
        w.sh_dealer.pk,
        w.cls_l1.pk,
    )
    assert c.contacts.get().phone == "13900001111"
    actions = list(
        AuditEntry.objects.filter(object_type="party.dealerapplication")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "party.application_submitted",
        "party.application_more_info",
        "party.application_resubmitted",
        "party.application_approved",
    ]


def test_reject_needs_a_reason_and_is_final():
    make_world()
    app = apply()
    with pytest.raises(InvalidInput):
        applications.reject_application(actor=SYSTEM, application_id=app.pk, reason=" ")
    app = applications.reject_application(
        actor=SYSTEM, application_id=app.pk, reason="区域已有经销商"
    )
    assert app.status == "rejected"
    with pytest.raises(InvalidTransition):
        applications.request_more_info(actor=SYSTEM, application_id=app.pk, note="x")


def test_failed_approval_changes_nothing():
    w = make_world()
    app = apply()
    with pytest.raises(Exception):
        applications.approve_application(
            actor=SYSTEM,
            application_id=app.pk,
            customer_code="C-SH-001",
            org_id=w.east_sales.pk,
            kind="dealer",
        )
    app.refresh_from_db()
    assert app.status == "submitted" and app.customer_id is None


def test_invitation_fixes_the_organisation():
    w = make_world()
    inv = applications.create_invitation(actor=SYSTEM, org_id=w.south_sales.pk, note="广交会")
    app = apply(invitation_token=inv.token)
    assert app.org_id == w.south_sales.pk
    with pytest.raises(InvalidInput):
        apply(invitation_token="nope")
