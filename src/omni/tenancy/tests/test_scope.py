"""The one scope rule on tenancy's own tables (organisations, sales regions).

Customer-shaped rules (assigned customers, own records, a dealer's own customer and its
lower-level customers) are exercised on party's customers in
`omni/party/tests/test_scope_rule.py`: tenancy may not import the layers above it."""

from __future__ import annotations

import pytest

from omni.kernel.actors import Actor, ActorKind
from omni.kernel.errors import NotFound, PermissionDenied
from omni.kernel.scope import DataScope
from omni.tenancy.models import Organization, SalesRegion
from omni.tenancy.scope import SELF, get_in_scope, require_in_scope, scope_q, scoped
from omni.tenancy.selectors import list_organizations, list_sales_regions, list_scope_org_ids
from omni.tenancy.services.organizations import create_organization

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("test")
PERM = "party.organization.view"


def _org(code, kind="subsidiary", parent=None):
    return create_organization(
        actor=SYSTEM, code=code, name=code, kind=kind, parent_id=parent.pk if parent else None
    )


@pytest.fixture
def tree():
    """G (group) ─ E ─ E-SO, and G ─ S; sales areas AREA-E ⊃ DIST-SH (east), AREA-S (south)."""
    g = _org("G", "group")
    e = _org("E", parent=g)
    eso = _org("E-SO", "sales_org", e)
    s = _org("S", parent=g)
    area_e = SalesRegion.objects.create(org=e, code="AREA-E", name="华东大区", kind="area")
    dist_sh = SalesRegion.objects.create(
        org=eso, code="DIST-SH", name="上海片区", kind="district", parent=area_e
    )
    area_s = SalesRegion.objects.create(org=s, code="AREA-S", name="华南大区", kind="area")
    return {
        "G": g,
        "E": e,
        "E-SO": eso,
        "S": s,
        "AREA-E": area_e,
        "DIST-SH": dist_sh,
        "AREA-S": area_s,
    }


def user(scope: DataScope, *, org=None, perms=(PERM,)) -> Actor:
    return Actor(
        ActorKind.USER,
        7,
        "u",
        org_id=org.pk if org else None,
        permissions=frozenset(perms),
        scope=scope,
    )


def codes(qs) -> set[str]:
    return set(qs.values_list("code", flat=True))


def orgs(actor, mode="read", **kw) -> set[str]:
    return codes(scoped(Organization.objects.all(), actor, PERM, mode, org=SELF, **kw))


def regions(actor, mode="read") -> set[str]:
    return codes(scoped(SalesRegion.objects.all(), actor, None, mode, org="org", sales_region=SELF))


# --- permission and mode ----------------------------------------------------------------------


def test_the_permission_is_checked_before_any_row(tree):
    # given an actor with the whole enterprise in scope but without the permission
    actor = user(DataScope.all(), perms=())
    # when / then: asking for the rows is refused
    with pytest.raises(PermissionDenied):
        scope_q(actor, PERM, "read", org=SELF)
    # and without a permission to check (a reference read) the scope still applies
    assert scope_q(actor, None, "read", org=SELF) is None


def test_an_unknown_mode_is_a_programming_error(tree):
    with pytest.raises(ValueError):
        scope_q(SYSTEM, None, "delete", org=SELF)  # type: ignore[arg-type]


# --- everything -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["read", "write"])
def test_everything_superuser_and_system_see_every_row(tree, mode):
    # given an "everything" scope, a superuser with no scope, and the system actor
    everything = user(DataScope.all())
    superuser = Actor(ActorKind.USER, 1, "root", superuser=True)
    # then no filter at all, in both modes
    for actor in (everything, superuser, SYSTEM):
        assert scope_q(actor, PERM, mode, org=SELF) is None
    assert orgs(everything, mode) == {"G", "E", "E-SO", "S"}


def test_nobody_without_a_scope_sees_nothing(tree):
    # given a channel actor (public form) and a user whose roles give no scope
    for actor in (Actor.channel("apply"), user(DataScope.nothing())):
        # then no row, in both modes
        for mode in ("read", "write"):
            qs = scoped(Organization.objects.all(), actor, None, mode, org=SELF)
            assert codes(qs) == set()


# --- organisation subtrees ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["read", "write"])
def test_an_organisation_scope_is_its_subtree(tree, mode):
    # given a user scoped to the east subsidiary
    actor = user(DataScope(org_ids=frozenset({tree["E"].pk})))
    # then they see E and below (not the group, not the south), reading and writing alike
    assert orgs(actor, mode) == {"E", "E-SO"}
    # and the sales regions owned inside that subtree
    assert regions(actor, mode) == {"AREA-E", "DIST-SH"}
    # and the selectors say the same
    assert codes(list_organizations(actor, mode=mode)) == {"E", "E-SO"}
    assert set(list_scope_org_ids(actor)) == {tree["E"].pk, tree["E-SO"].pk}


def test_a_row_outside_the_subtree_does_not_exist(tree):
    actor = user(DataScope(org_ids=frozenset({tree["E"].pk})))
    with pytest.raises(NotFound):
        get_in_scope(Organization.objects.all(), actor, PERM, tree["S"].pk, org=SELF)
    assert get_in_scope(Organization.objects.all(), actor, PERM, tree["E-SO"].pk, org=SELF)


# --- group master data shared down the tree ---------------------------------------------------


def test_shared_down_reads_reach_the_ancestors_but_writes_stay_inside(tree):
    # given a user scoped to the east sales organisation
    actor = user(DataScope(org_ids=frozenset({tree["E-SO"].pk})))
    # when reading master data owned by organisations (shared_down)
    # then the group's and the subsidiary's rows are readable
    assert orgs(actor, "read", shared_down=True) == {"G", "E", "E-SO"}
    # but only the own subtree is writable
    assert orgs(actor, "write", shared_down=True) == {"E-SO"}
    # and a group row read from below may not be changed
    with pytest.raises(PermissionDenied):
        require_in_scope(actor, tree["G"], None, "write", org=SELF, shared_down=True)
    require_in_scope(actor, tree["E-SO"], None, "write", org=SELF, shared_down=True)


def test_shared_down_uses_the_own_organisation_when_the_scope_names_none(tree):
    # given a sales rep scoped to a sales region, who belongs to the east subsidiary
    actor = user(DataScope(sales_region_ids=frozenset({tree["AREA-E"].pk})), org=tree["E"])
    # then master data is read from their organisation, its subtree and its ancestors
    assert orgs(actor, "read", shared_down=True) == {"G", "E", "E-SO"}
    assert orgs(actor, "write", shared_down=True) == {"E", "E-SO"}
    # but without shared_down their organisation gives them nothing
    assert orgs(actor, "read") == set()


# --- sales regions ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["read", "write"])
def test_a_sales_region_scope_is_its_subtree(tree, mode):
    # given a user scoped to the east sales area
    actor = user(DataScope(sales_region_ids=frozenset({tree["AREA-E"].pk})))
    # then the area and its districts, nothing in the south
    assert regions(actor, mode) == {"AREA-E", "DIST-SH"}
    assert codes(list_sales_regions(actor, mode=mode)) == {"AREA-E", "DIST-SH"}
    # and a table without a sales-region dimension shows nothing through it
    assert orgs(actor, mode) == set()


def test_a_district_scope_does_not_reach_its_parent_area(tree):
    actor = user(DataScope(sales_region_ids=frozenset({tree["DIST-SH"].pk})))
    assert regions(actor) == {"DIST-SH"}


# --- customer-shaped scopes on tables without customers -------------------------------------


@pytest.mark.parametrize(
    "scope",
    [
        DataScope(customer_ids=frozenset({1, 2})),
        DataScope(own_user_id=7),
        DataScope(bound_customer_id=1),
    ],
    ids=["assigned-customers", "own-records", "bound-dealer"],
)
@pytest.mark.parametrize("mode", ["read", "write"])
def test_customer_scopes_reach_no_organisation_or_sales_region(tree, scope, mode):
    # given a user whose scope is about customers or their own records
    actor = user(scope)
    # then organisation and sales-region tables (no customer or owner) show nothing
    assert orgs(actor, mode) == set()
    assert regions(actor, mode) == set()


def test_a_dealer_reads_master_data_of_its_organisation_only_when_shared_down(tree):
    # given a dealer user bound to a customer, filed under the east sales organisation
    actor = user(DataScope(bound_customer_id=1), org=tree["E-SO"])
    # then shared master data is readable from the organisation and its ancestors
    assert orgs(actor, "read", shared_down=True) == {"G", "E", "E-SO"}
    assert orgs(actor, "write", shared_down=True) == {"E-SO"}
    assert orgs(actor, "read") == set()
