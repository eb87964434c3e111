"""Data scopes: each kind of scope sees exactly its customers."""

import pytest

from omni.access.services.actors import build_actor
from omni.party import selectors

from .factories import make_world, user_with

pytestmark = pytest.mark.django_db
ALL = ["party.customer.view"]


def visible(user):
    return set(selectors.list_customers_in_scope(build_actor(user)).values_list("code", flat=True))


def test_scopes_see_exactly_their_customers():
    w = make_world()
    assert visible(user_with("all", ALL, "all")) == {"C-SH-001", "C-SH-S01", "C-GZ-001"}
    assert visible(user_with("east", ALL, "org", org=w.east)) == {"C-SH-001", "C-SH-S01"}
    assert visible(user_with("group", ALL, "org", org=w.group)) == {
        "C-SH-001",
        "C-SH-S01",
        "C-GZ-001",
    }
    # a sales area covers its districts
    assert visible(user_with("area", ALL, "regions", regions=[w.area_east])) == {
        "C-SH-001",
        "C-SH-S01",
    }
    assert visible(user_with("south", ALL, "regions", regions=[w.area_south])) == {"C-GZ-001"}
    assert visible(user_with("assigned", ALL, "customers", customers=[w.gz_dealer])) == {"C-GZ-001"}
    assert visible(user_with("nobody", ALL, "own")) == set()


def test_own_records_are_those_i_manage():
    w = make_world()
    rep = user_with("rep", ALL, "own")
    w.gz_dealer.account_manager = rep
    w.gz_dealer.save()
    assert visible(rep) == {"C-GZ-001"}


def test_dealer_user_sees_itself_and_its_lower_level_customers_only():
    w = make_world()
    dealer = user_with("dealer", ALL, "all", customer=w.sh_dealer)  # roles cannot widen it
    assert visible(dealer) == {"C-SH-001", "C-SH-S01"}
    store = user_with("store", ALL, "all", customer=w.sh_store)
    assert visible(store) == {"C-SH-S01"}


def test_permissions_are_the_union_of_roles_and_superuser_has_all():
    from omni.access.models import User

    w = make_world()
    user = user_with("two", ["party.customer.view"], "org", org=w.east)
    actor = build_actor(user)
    assert actor.can("party.customer.view") and not actor.can("party.customer.edit")
    boss = User.objects.create_superuser("boss", password="pass-12345678")
    assert build_actor(boss).can("anything.at.all") and build_actor(boss).scope.everything
    user.is_active = False
    assert not build_actor(user).can("party.customer.view")
