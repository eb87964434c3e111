"""Credit limits live in the ledger: setting one grants the difference to the customer's
credit account; orders' holds use it; the check answers with the numbers and the policy."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omni.kernel.errors import DomainError
from omni.ledger.services.holds import hold_funds
from omni.party.tests.factories import client_for, make_world, user_with

pytestmark = pytest.mark.django_db
SALES_ADMIN = ["credit.limit.view", "credit.limit.edit"]


def put(client, customer_id, body):
    return client.put(f"/api/v1/credit/limits/{customer_id}", body, content_type="application/json")


def check(client, customer_id, amount):
    return client.post(
        "/api/v1/credit/check",
        {"customer_id": customer_id, "amount": amount},
        content_type="application/json",
    )


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def admin(world):
    return client_for(user_with("sa", SALES_ADMIN, "org", org=world.east))


def test_a_limit_is_granted_used_by_holds_and_checked(world, admin):
    res = put(admin, world.sh_dealer.pk, {"limit": "300000.00", "term_days": 45, "policy": "block"})
    assert res.status_code == 200, res.content
    limit = res.json()
    assert limit["limit"] == "300000.00" and limit["term_days"] == 45
    from omni.kernel.actors import Actor

    hold_funds(
        actor=Actor.system("order"),
        account_id=limit["account_id"],
        amount="250000",
        source_type="order",
        source_id="SO-1",
    )
    ok = check(admin, world.sh_dealer.pk, "50000.00").json()
    assert ok["allowed"] and ok["reason"] == "within_limit" and ok["warning"]
    assert (ok["limit"], ok["held"], ok["available"]) == ("300000.00", "250000.00", "50000.00")
    over = check(admin, world.sh_dealer.pk, "50000.01").json()
    assert not over["allowed"] and over["reason"] == "over_limit"
    # lowering below what is held is refused by the ledger's guard
    res = put(admin, world.sh_dealer.pk, {"limit": "200000"})
    assert res.status_code == 409 and res.json()["code"] == "limit_below_used"
    # a warn policy lets it through with a warning; approve asks for approval
    put(admin, world.sh_dealer.pk, {"limit": "300000", "policy": "warn"})
    assert check(admin, world.sh_dealer.pk, "60000").json()["reason"] == "over_limit_warning"
    put(admin, world.sh_dealer.pk, {"limit": "300000", "policy": "approve"})
    res = check(admin, world.sh_dealer.pk, "60000").json()
    assert not res["allowed"] and res["reason"] == "needs_approval"


def test_raising_and_lowering_posts_only_the_difference(world, admin):
    from omni.kernel.actors import Actor
    from omni.ledger import selectors

    first = put(admin, world.sh_dealer.pk, {"limit": "100000"}).json()
    put(admin, world.sh_dealer.pk, {"limit": "150000"})
    put(admin, world.sh_dealer.pk, {"limit": "120000.50"})
    view = selectors.get_balance(Actor.system("t"), first["account_id"])
    assert view.balance == Decimal("120000.50")


def test_no_limit_means_no_credit(world, admin):
    res = check(admin, world.sh_dealer.pk, "1").json()
    assert not res["allowed"] and res["reason"] == "no_limit"


@pytest.mark.parametrize(
    "body", [{"limit": "-1"}, {"limit": 1000}, {"limit": "1.001"}, {"limit": "1", "policy": "x"}]
)
def test_bad_limits_are_422(world, admin, body):
    assert put(admin, world.sh_dealer.pk, body).status_code == 422


def test_outside_the_scope_is_404_and_a_dealer_cannot_set_limits(world, admin):
    assert put(admin, world.gz_dealer.pk, {"limit": "1"}).status_code == 404
    res = check(admin, world.gz_dealer.pk, "1")
    assert res.status_code == 404 and res.json()["code"] == "unknown_customer"
    dealer = client_for(user_with("dlr", ["credit.limit.view"], "own", customer=world.sh_dealer))
    assert put(dealer, world.sh_dealer.pk, {"limit": "1"}).status_code == 403


def test_the_service_refuses_a_negative_limit(world):
    from omni.credit.services.limits import set_credit_limit
    from omni.kernel.actors import Actor

    with pytest.raises(DomainError) as err:
        set_credit_limit(actor=Actor.system("t"), customer_id=world.sh_dealer.pk, limit="-5")
    assert err.value.code == "invalid_amount"
