"""Credit alerts reach the account manager once per episode: at the warning threshold, when
something is overdue, and before temporary credit expires; a decision on a temporary
credit request reaches the requester. Notices are shown in the reader's language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from omni.credit.models import TemporaryCredit
from omni.credit.services.alerts import send_credit_alerts
from omni.credit.services.limits import set_credit_limit
from omni.credit.services.temporary import approve_temporary_credit
from omni.kernel import clock, notices
from omni.kernel.actors import Actor
from omni.kernel.models import Notice
from omni.ledger.services.accounts import counter_account
from omni.ledger.services.posting import post_entry
from omni.party.tests.factories import client_for, make_world, user_with

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


def use(world, account_id, amount, days_ago=0):
    post_entry(
        actor=SYSTEM,
        kind="capture",
        lines=[(account_id, f"-{amount}"), (counter_account(world.east.pk, "sales"), amount)],
        business_date=clock.today() - dt.timedelta(days=days_ago),
    )


def repay(world, account_id, amount):
    post_entry(
        actor=SYSTEM,
        kind="transfer",
        lines=[(account_id, amount), (counter_account(world.east.pk, "bank"), f"-{amount}")],
    )


def test_usage_and_overdue_alerts_once_per_episode():
    world = make_world()
    manager = user_with("mgr", ["credit.limit.view"], "org", org=world.east)
    world.sh_dealer.account_manager = manager
    world.sh_dealer.save()
    limit = set_credit_limit(actor=SYSTEM, customer_id=world.sh_dealer.pk, limit="100000")
    use(world, limit.account_id, "50000")
    assert send_credit_alerts() == {"usage": 0, "overdue": 0, "expiry": 0}
    use(world, limit.account_id, "35000", days_ago=40)  # 85 %, and overdue (30-day term)
    assert send_credit_alerts() == {"usage": 1, "overdue": 1, "expiry": 0}
    assert send_credit_alerts() == {"usage": 0, "overdue": 0, "expiry": 0}  # once
    kinds = sorted(notices.for_user(manager.pk).values_list("kind", flat=True))
    assert kinds == ["credit.overdue", "credit.usage"]
    usage = notices.for_user(manager.pk).get(kind="credit.usage")
    with translation.override("zh-hans"):
        assert "85%" in notices.title_of(usage) and "信用" in notices.title_of(usage)
    with translation.override("en"):
        assert notices.title_of(usage).startswith("Credit warning")
    # paid back below the threshold and nothing overdue: the next crossing alerts again
    repay(world, limit.account_id, "60000")
    assert send_credit_alerts() == {"usage": 0, "overdue": 0, "expiry": 0}
    use(world, limit.account_id, "60000")  # 85 % again
    assert send_credit_alerts()["usage"] == 1
    assert Notice.objects.filter(recipient=manager, kind="credit.usage").count() == 2


def test_expiry_and_decision_notices():
    world = make_world()
    rep = user_with(
        "rep", ["credit.temporary.request", "party.customer.view"], "org", org=world.east
    )
    res = client_for(rep).post(
        "/api/v1/credit/temporary",
        {
            "customer_id": world.sh_dealer.pk,
            "amount": "8000",
            "expires_on": str(clock.today() + dt.timedelta(days=2)),
            "reason": "周末活动",
        },
        content_type="application/json",
    )
    assert res.status_code == 201, res.content
    credit = TemporaryCredit.objects.get(pk=res.json()["id"])
    approve_temporary_credit(actor=SYSTEM, credit_id=credit.pk, note="同意")
    decided = notices.for_user(rep.pk).get()
    assert decided.kind == "credit.temporary_approve"
    assert decided.link == f"/credit/temporary/{credit.pk}/"
    # the rep is not the manager: the expiry notice goes to the responsible manager
    manager = user_with("mgr", [], "org", org=world.east)
    TemporaryCredit.objects.filter(pk=credit.pk).update(manager=manager)
    assert send_credit_alerts()["expiry"] == 1
    assert send_credit_alerts()["expiry"] == 0
    assert notices.for_user(manager.pk).get().kind == "credit.temporary_expiry"


def test_notices_page_and_api_are_the_users_own():
    world = make_world()
    alice = user_with("alice", [], "org", org=world.east)
    bob = user_with("bob", [], "org", org=world.east)
    notices.notify(
        [alice.pk],
        kind="test",
        title="Credit limit saved.",
        link="/credit/dashboard/",
        key="k1",
    )
    assert notices.notify([alice.pk], kind="test", title="again", key="k1") == 0
    mine = Notice.objects.get(recipient=alice)
    a, b = client_for(alice), client_for(bob)
    html = a.get("/").content.decode()
    assert 'data-test="unread-count">1<' in html
    assert 'data-test="unread-count"' not in b.get("/").content.decode()
    page = a.get("/notices/").content.decode()
    assert "信用额度已保存" in page or "Credit limit saved." in page
    assert b.post(f"/notices/{mine.pk}/").status_code == 404
    assert b.post(f"/api/v1/notices/{mine.pk}/read").status_code == 404
    assert b.get("/api/v1/notices").json()["total"] == 0
    listed = a.get("/api/v1/notices", {"unread": "true"}).json()
    assert listed["total"] == 1 and listed["items"][0]["link"] == "/credit/dashboard/"
    res = a.post(f"/notices/{mine.pk}/")
    assert res.status_code == 302 and res.url == "/credit/dashboard/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert a.post("/api/v1/notices/read").json() == {"marked": 0, "unread": 0}
    with pytest.raises(ValueError):
        notices.notify([alice.pk], kind="x", title="y", link="https://evil.example/")
