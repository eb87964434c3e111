"""Temporary credit pages: a rep requests, finance approves on the credit's page (the
requester sees no approve button), the list filters and exports, a reader with only the
temporary credit tab lands on it from the credit menu."""

from __future__ import annotations

import datetime as dt

import pytest

from omni.credit.models import TemporaryCredit
from omni.kernel import clock
from omni.party.tests.factories import client_for, make_world, user_with

pytestmark = pytest.mark.django_db
REP = ["credit.temporary.view", "credit.temporary.request"]
FINANCE = [*REP, "credit.temporary.approve", "credit.temporary.export", "credit.limit.view"]


def test_request_approve_list_and_export():
    world = make_world()
    rep = client_for(user_with("rep", REP, "org", org=world.east))
    finance = client_for(user_with("fin", FINANCE, "org", org=world.east))
    # the credit menu takes a rep without the limits tab straight to temporary credit
    res = rep.get("/credit/")
    assert res.status_code == 302 and res.url.endswith("/credit/temporary/")
    html = rep.get("/credit/temporary/").content.decode()
    assert "/credit/limits/" not in html and 'data-test="new-temporary"' in html
    expires = clock.today() + dt.timedelta(days=20)
    res = rep.post(
        "/credit/temporary/new/",
        {
            "customer": str(world.sh_dealer.pk),
            "amount": "80000",
            "expires_on": expires.isoformat(),
            "reason": "国庆备货",
        },
    )
    assert res.status_code == 302, res.content.decode()[:1500]
    credit = TemporaryCredit.objects.get()
    page = rep.get(f"/credit/temporary/{credit.pk}/").content.decode()
    assert 'data-test="approve"' not in page and 'data-test="cancel"' in page
    page = finance.get(f"/credit/temporary/{credit.pk}/").content.decode()
    assert 'data-test="approve"' in page and 'data-test="cancel"' not in page
    res = finance.post(f"/credit/temporary/{credit.pk}/", {"action": "approve", "note": "同意"})
    assert res.status_code == 302
    credit.refresh_from_db()
    assert credit.status == "active" and credit.decided_by == "fin"
    html = finance.get("/credit/temporary/", {"status": "active"}).content.decode()
    assert "上海浦江商贸有限公司" in html and "80,000.00" in html
    assert (
        finance.get("/credit/temporary/", {"status": "expired"}).content.decode().count("80,000.00")
        == 0
    )
    assert finance.get("/credit/temporary/export/").status_code == 200
    # a request the rep's form cannot make valid shows on the form and writes nothing
    res = rep.post(
        "/credit/temporary/new/",
        {
            "customer": str(world.sh_dealer.pk),
            "amount": "100",
            "expires_on": (clock.today() - dt.timedelta(days=1)).isoformat(),
            "reason": "x",
        },
    )
    assert res.status_code == 200 and res.context["form"].errors
    assert TemporaryCredit.objects.count() == 1


def test_other_subsidiary_gets_404():
    world = make_world()
    rep = client_for(user_with("rep", REP, "org", org=world.east))
    rep.post(
        "/credit/temporary/new/",
        {
            "customer": str(world.sh_dealer.pk),
            "amount": "100",
            "expires_on": (clock.today() + dt.timedelta(days=3)).isoformat(),
            "reason": "试销",
        },
    )
    credit = TemporaryCredit.objects.get()
    south = client_for(user_with("sfin", FINANCE, "org", org=world.south_sales))
    assert south.get(f"/credit/temporary/{credit.pk}/").status_code == 404
    assert south.post(f"/credit/temporary/{credit.pk}/", {"action": "approve"}).status_code == 404
    credit.refresh_from_db()
    assert credit.status == "requested"


def test_the_limits_list_counts_temporary_credit_like_the_check():
    from omni.credit.services.limits import set_credit_limit
    from omni.credit.services.temporary import (
        approve_temporary_credit,
        request_temporary_credit,
    )
    from omni.kernel.actors import Actor

    world = make_world()
    set_credit_limit(actor=Actor.system("t"), customer_id=world.sh_dealer.pk, limit="100000")
    credit = request_temporary_credit(
        actor=Actor.system("rep"),
        customer_id=world.sh_dealer.pk,
        amount="25000",
        expires_on=clock.today() + dt.timedelta(days=5),
        reason="旺季",
    )
    approve_temporary_credit(actor=Actor.system("fin"), credit_id=credit.pk)
    finance = client_for(user_with("fin", FINANCE, "org", org=world.east))
    res = finance.get("/credit/limits/")
    assert res.status_code == 200
    html = res.content.decode()
    assert "25,000.00" in html and "125,000.00" in html  # temporary, available
    assert "-25,000.00" not in html  # used is not negative
