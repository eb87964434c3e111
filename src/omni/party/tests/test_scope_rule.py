"""The one scope rule (`omni.tenancy.scope.scope_q`) on customers, for every scope kind, in
read and write mode. The same filter decides the customer list, a customer's page, the
API and the Excel import (they all go through `party.selectors.list_customers_in_scope`)."""

from __future__ import annotations

import pytest

from omni.access.models import User
from omni.kernel.actors import Actor, ActorKind
from omni.kernel.errors import NotFound, PermissionDenied
from omni.kernel.scope import DataScope
from omni.party import selectors

from .factories import SYSTEM, make_world

pytestmark = pytest.mark.django_db

VIEW = "party.customer.view"
MODES = ["read", "write"]


def user(scope: DataScope, uid: int = 99, perms=(VIEW,)) -> Actor:
    return Actor(ActorKind.USER, uid, "u", permissions=frozenset(perms), scope=scope)


def seen(actor: Actor, mode: str) -> set[str]:
    return set(selectors.list_customers_in_scope(actor, VIEW, mode).values_list("code", flat=True))


ALL = {"C-SH-001", "C-SH-S01", "C-GZ-001"}


@pytest.fixture
def w():
    return make_world()


@pytest.mark.parametrize("mode", MODES)
def test_everything_sees_every_customer(w, mode):
    assert seen(user(DataScope.all()), mode) == ALL


def test_without_the_permission_nothing_is_listed(w):
    with pytest.raises(PermissionDenied):
        seen(user(DataScope.all(), perms=()), "read")


@pytest.mark.parametrize("mode", MODES)
def test_an_organisation_scope_sees_the_customers_of_its_subtree(w, mode):
    # given brand staff scoped to the east subsidiary (customers sit in its sales org)
    actor = user(DataScope(org_ids=frozenset({w.east.pk})))
    # then the Shanghai dealer and its store, not Guangzhou
    assert seen(actor, mode) == {"C-SH-001", "C-SH-S01"}


@pytest.mark.parametrize("mode", MODES)
def test_a_sales_area_scope_sees_the_customers_of_its_districts(w, mode):
    # given a sales rep scoped to the east area (the customers are in its Shanghai district)
    actor = user(DataScope(sales_region_ids=frozenset({w.area_east.pk})))
    # then both Shanghai customers
    assert seen(actor, mode) == {"C-SH-001", "C-SH-S01"}
    # and a rep of the south area sees only Guangzhou
    south = user(DataScope(sales_region_ids=frozenset({w.area_south.pk})))
    assert seen(south, mode) == {"C-GZ-001"}


@pytest.mark.parametrize("mode", MODES)
def test_assigned_customers_are_exactly_those(w, mode):
    actor = user(DataScope(customer_ids=frozenset({w.gz_dealer.pk})))
    assert seen(actor, mode) == {"C-GZ-001"}


@pytest.mark.parametrize("mode", MODES)
def test_own_records_are_the_customers_one_manages_or_created(w, mode):
    # given an account manager of the Guangzhou dealer and the creator of another customer
    manager = User.objects.create_user("am", password="pass-12345678")
    w.gz_dealer.account_manager = manager
    w.gz_dealer.save(update_fields=["account_manager"])
    creator = User.objects.create_user("maker", password="pass-12345678")
    w.sh_store.created_by = creator
    w.sh_store.save(update_fields=["created_by"])
    # then each sees only their own
    assert seen(user(DataScope(own_user_id=manager.pk), uid=manager.pk), mode) == {"C-GZ-001"}
    assert seen(user(DataScope(own_user_id=creator.pk), uid=creator.pk), mode) == {"C-SH-S01"}


@pytest.mark.parametrize("mode", MODES)
def test_a_dealer_sees_itself_and_its_lower_level_customers_only(w, mode):
    # given a dealer user bound to the Shanghai distributor (whose store orders from it)
    dealer = user(DataScope(bound_customer_id=w.sh_dealer.pk))
    # then the distributor and its store, nothing else
    assert seen(dealer, mode) == {"C-SH-001", "C-SH-S01"}
    # and a store user sees only itself (it has no lower-level customers)
    store = user(DataScope(bound_customer_id=w.sh_store.pk))
    assert seen(store, mode) == {"C-SH-S01"}


def test_a_dealer_ignores_any_wider_scope_its_roles_might_give(w):
    # given a bound dealer whose data scope also (wrongly) names an organisation
    actor = user(DataScope(bound_customer_id=w.gz_dealer.pk, org_ids=frozenset({w.group.pk})))
    # then only its own customer
    assert seen(actor, "read") == {"C-GZ-001"}


def test_a_customer_outside_the_scope_does_not_exist(w):
    actor = user(DataScope(org_ids=frozenset({w.east.pk})))
    with pytest.raises(NotFound):
        selectors.get_customer(actor, w.gz_dealer.pk)
    assert selectors.get_customer(actor, w.sh_dealer.pk).code == "C-SH-001"


def test_the_system_actor_is_everything(w):
    assert seen(SYSTEM, "write") == ALL
