"""The credit dashboard (信用看板): totals, exposure by region, top overdue, customers near
their limit and temporary credit about to expire, from the ledger, within the user's scope."""

from __future__ import annotations

import datetime as dt

import pytest

from omni.credit.services.limits import set_credit_limit
from omni.credit.services.temporary import approve_temporary_credit, request_temporary_credit
from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.ledger.services.accounts import counter_account
from omni.ledger.services.posting import post_entry
from omni.party.tests.factories import client_for, make_world, user_with

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
FINANCE = ["credit.limit.view", "credit.temporary.view"]


def test_dashboard_shows_the_ledger_numbers_in_scope():
    world = make_world()
    limit = set_credit_limit(
        actor=SYSTEM, customer_id=world.sh_dealer.pk, limit="100000", warn_ratio=80
    )
    set_credit_limit(actor=SYSTEM, customer_id=world.gz_dealer.pk, limit="50000")
    post_entry(
        actor=SYSTEM,
        kind="capture",
        lines=[(limit.account_id, "-90000"), (counter_account(world.east.pk, "sales"), "90000")],
        business_date=clock.today() - dt.timedelta(days=45),
    )
    credit = request_temporary_credit(
        actor=Actor.system("rep"),
        customer_id=world.sh_dealer.pk,
        amount="5000",
        expires_on=clock.today() + dt.timedelta(days=3),
        reason="周末促销",
    )
    approve_temporary_credit(actor=SYSTEM, credit_id=credit.pk)
    east = client_for(user_with("fin", FINANCE, "org", org=world.east))
    assert east.get("/credit/").url.endswith("/credit/dashboard/")
    res = east.get("/credit/dashboard/")
    assert res.status_code == 200
    html = res.content.decode()
    # 90,000 used 45 days ago on a 30-day term: all of it overdue by 15 days
    overdue = html[html.index('data-test="top-overdue"') :]
    assert "上海浦江商贸有限公司" in overdue and "90,000.00" in overdue and ">15<" in overdue
    near = html[html.index('data-test="near-limit"') :]
    assert "86%" in near  # 90,000 of 105,000 (limit and temporary credit)
    expiring = html[html.index('data-test="expiring"') :]
    assert "5,000.00" in expiring
    regions = res.context["charts"]["regions"]
    assert sum(regions["series"][0]["data"]) == 90000.0
    # the south dealer's limit is not east's to see
    assert "广州天河饮品批发部" not in html
    # a south user sees none of the east numbers
    south = client_for(user_with("sfin", FINANCE, "org", org=world.south_sales))
    html = south.get("/credit/dashboard/").content.decode()
    assert "90,000.00" not in html and "上海浦江商贸有限公司" not in html


def test_dashboard_needs_the_credit_view_permission():
    world = make_world()
    rep = client_for(user_with("rep", ["credit.temporary.view"], "org", org=world.east))
    assert rep.get("/credit/dashboard/").status_code == 404
    assert "/credit/dashboard/" not in rep.get("/credit/temporary/").content.decode()
