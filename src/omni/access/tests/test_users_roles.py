"""Users, roles and role assignments: services, guards, data scopes and the audit trail.

`access` may not import `party` (import-linter), so the organisations, sales regions and
customers are made through the related models of access's own foreign keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps

from omni.access import selectors
from omni.access.filters import UserFilter
from omni.access.models import ApiToken, Role, RoleAssignment, User
from omni.access.services import roles, users
from omni.access.services.actors import build_actor
from omni.access.services.tokens import create_token, token_for_secret
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError, NotFound
from omni.kernel.models import AuditEntry
from omni.kernel.permissions import all_permissions

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("test")
USER_ADMIN = [
    "access.user.view",
    "access.user.create",
    "access.user.edit",
    "access.role.view",
    "access.role.create",
    "access.role.edit",
]


def _org(code: str, parent: Any = None) -> Any:
    model = apps.get_model("tenancy", "Organization")
    org = model._default_manager.create(
        code=code, name=f"组织{code}", kind="subsidiary" if parent else "group", parent=parent
    )
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    return org


@dataclass
class World:
    group: Any
    east: Any
    east_sales: Any
    south: Any
    region_east: Any
    region_south: Any
    dealer_east: Any
    store_east: Any
    dealer_south: Any


@pytest.fixture
def world() -> World:
    group = _org("G")
    east, south = _org("E", group), _org("S", group)
    east_sales = _org("E-SO", east)
    regions = apps.get_model("tenancy", "SalesRegion")._default_manager
    region_east = regions.create(org=east, code="AREA-E", name="华东大区", kind="area")
    region_south = regions.create(org=south, code="AREA-S", name="华南大区", kind="area")
    customers = apps.get_model("party", "Customer")._default_manager  # not imported: a sibling
    dealer_east = customers.create(
        org=east_sales, code="C-E1", name="上海经销商", kind="distributor", sales_region=region_east
    )
    store_east = customers.create(
        org=east_sales, code="C-E2", name="徐汇门店", kind="store", upper=dealer_east
    )
    dealer_south = customers.create(
        org=south, code="C-S1", name="广州经销商", kind="distributor", sales_region=region_south
    )
    return World(
        group,
        east,
        east_sales,
        south,
        region_east,
        region_south,
        dealer_east,
        store_east,
        dealer_south,
    )


def user_with(
    username: str,
    permissions: list[str],
    scope_kind: str = "all",
    *,
    org: Any = None,
    customer: Any = None,
    portal: bool = False,
    user_org: Any = None,
) -> User:
    user = User.objects.create_user(
        username, password="pass-12345678", customer=customer, org=user_org
    )
    role, _ = Role.objects.get_or_create(
        code=f"r-{username}",
        defaults={"name": username, "permissions": permissions, "is_portal": portal},
    )
    RoleAssignment.objects.create(user=user, role=role, scope_kind=scope_kind, org=org)
    return user


def actor_of(user: User) -> Actor:
    return build_actor(User.objects.get(pk=user.pk))


def code_of(excinfo: pytest.ExceptionInfo[DomainError]) -> str:
    return excinfo.value.code


@pytest.fixture
def admin() -> Actor:
    """Enterprise-wide user administrator holding every permission (not a superuser)."""
    return actor_of(user_with("admin", sorted(all_permissions()), "all"))


@pytest.fixture
def east_admin(world) -> Actor:
    return actor_of(user_with("east-admin", USER_ADMIN, "org", org=world.east))


# --- roles --------------------------------------------------------------------------------------


def test_create_role_is_audited(admin):
    role = roles.create_role(
        actor=admin,
        code="finance",
        name="财务",
        permissions=["access.user.view", "access.user.view", "system.audit.view"],
    )
    assert role.permissions == ["access.user.view", "system.audit.view"]
    entry = AuditEntry.objects.get(action="access.role_created")
    assert entry.object_type == "access.role" and entry.object_id == str(role.pk)
    assert entry.after["permissions"] == ["access.user.view", "system.audit.view"]
    assert entry.actor_name == "admin"


def test_create_role_errors_write_nothing(admin):
    roles.create_role(actor=admin, code="finance", name="财务")
    cases = [
        ({"code": "x", "name": "X", "permissions": ["party.nothing.fly"]}, "unknown_permission"),
        ({"code": "finance", "name": "再来"}, "duplicate_code"),
        ({"code": "bad code!", "name": "X"}, "invalid_input"),
        ({"code": "ok", "name": "  "}, "invalid_input"),
    ]
    for kwargs, code in cases:
        with pytest.raises(DomainError) as err:
            roles.create_role(actor=admin, **kwargs)
        assert code_of(err) == code, kwargs
    assert Role.objects.filter(code="finance").count() == 1
    assert not Role.objects.filter(code__in=["x", "ok"]).exists()
    assert AuditEntry.objects.filter(action="access.role_created").count() == 1


def test_cannot_grant_permissions_one_does_not_hold(world, east_admin):
    with pytest.raises(DomainError) as err:
        roles.create_role(
            actor=east_admin, code="boss", name="老板", permissions=["system.audit.view"]
        )
    assert code_of(err) == "cannot_grant" and err.value.status == 403
    assert err.value.details == {"permissions": ["system.audit.view"]}
    assert not Role.objects.filter(code="boss").exists()
    # what they hold themselves they may grant
    roles.create_role(
        actor=east_admin, code="viewer", name="只读", permissions=["access.user.view"]
    )


def test_update_role_audits_before_and_after_and_guards_changes(world, admin, east_admin):
    role = roles.create_role(
        actor=admin, code="finance", name="财务", permissions=["system.audit.view"]
    )
    roles.update_role(
        actor=admin,
        role_id=role.pk,
        name="财务部",
        permissions=["system.audit.view", "access.user.view"],
    )
    entry = AuditEntry.objects.get(action="access.role_updated")
    assert entry.before["name"] == "财务" and entry.after["name"] == "财务部"
    assert entry.after["permissions"] == ["access.user.view", "system.audit.view"]
    # the east admin may rename it, but neither add nor remove what they do not hold
    roles.update_role(
        actor=east_admin,
        role_id=role.pk,
        name="财务 2",
        permissions=["system.audit.view", "access.user.view"],
    )
    for perms in (["access.user.view"], ["system.audit.view", "system.audit.export"]):
        with pytest.raises(DomainError) as err:
            roles.update_role(actor=east_admin, role_id=role.pk, name="X", permissions=perms)
        assert code_of(err) == "cannot_grant"
    with pytest.raises(DomainError) as err:
        roles.update_role(actor=admin, role_id=role.pk, name="X", permissions=["nope.nope.nope"])
    assert code_of(err) == "unknown_permission"
    with pytest.raises(NotFound):
        roles.update_role(actor=admin, role_id=999_999, name="X", permissions=[])
    role.refresh_from_db()
    assert role.name == "财务 2"


def test_role_services_need_their_permissions(world):
    viewer = actor_of(user_with("viewer", ["access.role.view"], "all"))
    with pytest.raises(DomainError) as err:
        roles.create_role(actor=viewer, code="x", name="X")
    assert code_of(err) == "permission_denied"
    role = Role.objects.create(code="y", name="Y")
    with pytest.raises(DomainError) as err:
        roles.update_role(actor=viewer, role_id=role.pk, name="Z", permissions=[])
    assert code_of(err) == "permission_denied"
    assert not AuditEntry.objects.exists()


def test_portal_flag_cannot_flip_while_the_role_is_held(world, admin):
    role = roles.create_role(actor=admin, code="staff", name="员工", permissions=[])
    target = User.objects.create_user("wang", password="pass-12345678", org=world.east)
    roles.assign_role(actor=admin, user_id=target.pk, role_id=role.pk, scope_kind="own")
    with pytest.raises(DomainError) as err:
        roles.update_role(actor=admin, role_id=role.pk, name="员工", permissions=[], is_portal=True)
    assert code_of(err) == "portal_role_mismatch"


# --- role assignments ---------------------------------------------------------------------------


@pytest.fixture
def staff_role(admin) -> Role:
    return roles.create_role(
        actor=admin, code="viewer", name="查看", permissions=["access.user.view"]
    )


@pytest.fixture
def portal_role(admin) -> Role:
    return roles.create_role(
        actor=admin, code="dealer", name="经销商", permissions=["access.user.view"], is_portal=True
    )


def test_assign_role_with_an_org_scope_is_audited_and_takes_effect(world, east_admin, staff_role):
    target = User.objects.create_user("li", password="pass-12345678", org=world.east_sales)
    assignment = roles.assign_role(
        actor=east_admin,
        user_id=target.pk,
        role_id=staff_role.pk,
        scope_kind="org",
        org_id=world.east_sales.pk,
    )
    entry = AuditEntry.objects.get(action="access.role_assigned")
    assert entry.object_type == "access.user" and entry.object_id == str(target.pk)
    assert entry.after == {
        "assignment_id": assignment.pk,
        "role": "viewer",
        "scope_kind": "org",
        "org_id": world.east_sales.pk,
        "sales_region_ids": [],
        "customer_ids": [],
    }
    assert entry.org_id == world.east_sales.pk
    actor = actor_of(target)
    assert actor.can("access.user.view") and actor.scope.org_ids == {world.east_sales.pk}
    roles.revoke_assignment(actor=east_admin, assignment_id=assignment.pk)
    revoked = AuditEntry.objects.get(action="access.role_revoked")
    assert revoked.before["assignment_id"] == assignment.pk and revoked.after is None
    assert not actor_of(target).can("access.user.view")


def test_region_and_customer_scopes(world, east_admin, staff_role):
    target = User.objects.create_user("zhao", password="pass-12345678", org=world.east)
    a = roles.assign_role(
        actor=east_admin,
        user_id=target.pk,
        role_id=staff_role.pk,
        scope_kind="regions",
        sales_region_ids=[world.region_east.pk],
        org_id=world.east.pk,  # ignored for a region scope
    )
    assert a.org_id is None and [r.pk for r in a.sales_regions.all()] == [world.region_east.pk]
    b = roles.assign_role(
        actor=east_admin,
        user_id=target.pk,
        role_id=staff_role.pk,
        scope_kind="customers",
        customer_ids=[world.dealer_east.pk, world.store_east.pk],
    )
    assert sorted(c.pk for c in b.customers.all()) == sorted(
        [world.dealer_east.pk, world.store_east.pk]
    )
    scope = actor_of(target).scope
    assert scope.sales_region_ids == {world.region_east.pk}
    assert scope.customer_ids == {world.dealer_east.pk, world.store_east.pk}


def test_assign_role_error_codes(world, east_admin, staff_role, portal_role, admin):
    staff = User.objects.create_user("staff1", password="pass-12345678", org=world.east)
    dealer_user = User.objects.create_user(
        "dealer1", password="pass-12345678", customer=world.dealer_east, org=world.east_sales
    )
    south_user = User.objects.create_user("south1", password="pass-12345678", org=world.south)
    strong = roles.create_role(
        actor=admin, code="auditor", name="审计", permissions=["system.audit.view"]
    )
    base = {"user_id": staff.pk, "role_id": staff_role.pk}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"scope_kind": "org"}, "scope_required"),
        ({"scope_kind": "regions"}, "scope_required"),
        ({"scope_kind": "customers"}, "scope_required"),
        ({"scope_kind": "galaxy"}, "invalid_input"),
        ({"scope_kind": "org", "org_id": world.south.pk}, "not_found"),
        ({"scope_kind": "org", "org_id": 999_999}, "not_found"),
        ({"scope_kind": "org", "org_id": world.group.pk}, "not_found"),  # above their subtree
        ({"scope_kind": "regions", "sales_region_ids": [world.region_south.pk]}, "not_found"),
        ({"scope_kind": "customers", "customer_ids": [world.dealer_south.pk]}, "not_found"),
        ({"scope_kind": "all"}, "cannot_grant"),
        ({"scope_kind": "own", "role_id": strong.pk}, "cannot_grant"),
        ({"scope_kind": "own", "role_id": 999_999}, "not_found"),
        ({"scope_kind": "own", "role_id": portal_role.pk}, "portal_role_mismatch"),
        ({"scope_kind": "own", "user_id": dealer_user.pk}, "portal_role_mismatch"),
        ({"scope_kind": "own", "user_id": south_user.pk}, "not_found"),
    ]
    for extra, code in cases:
        with pytest.raises(DomainError) as err:
            roles.assign_role(actor=east_admin, **{**base, **extra})
        assert code_of(err) == code, extra
    assert not RoleAssignment.objects.filter(user__in=[staff, dealer_user, south_user]).exists()
    assert not AuditEntry.objects.filter(action="access.role_assigned").exists()
    # the right combinations work, once
    roles.assign_role(
        actor=east_admin, user_id=dealer_user.pk, role_id=portal_role.pk, scope_kind="own"
    )
    roles.assign_role(actor=east_admin, **base, scope_kind="org", org_id=world.east.pk)
    with pytest.raises(DomainError) as err:
        roles.assign_role(actor=east_admin, **base, scope_kind="org", org_id=world.east.pk)
    assert code_of(err) == "duplicate_assignment"
    with pytest.raises(DomainError) as err:
        roles.assign_role(actor=admin, user_id=staff.pk, role_id=strong.pk, scope_kind="own")
        roles.assign_role(actor=admin, user_id=staff.pk, role_id=strong.pk, scope_kind="own")
    assert code_of(err) == "duplicate_assignment"
    # only an actor who sees everything grants everything
    roles.assign_role(actor=admin, user_id=staff.pk, role_id=staff_role.pk, scope_kind="all")


def test_revoke_assignment_outside_scope_or_of_a_stronger_role_is_refused(
    world, east_admin, admin, staff_role
):
    south_user = User.objects.create_user("south1", password="pass-12345678", org=world.south)
    a = roles.assign_role(
        actor=admin, user_id=south_user.pk, role_id=staff_role.pk, scope_kind="own"
    )
    with pytest.raises(NotFound):
        roles.revoke_assignment(actor=east_admin, assignment_id=a.pk)
    strong = roles.create_role(
        actor=admin, code="auditor", name="审计", permissions=["system.audit.view"]
    )
    east_user = User.objects.create_user("east1", password="pass-12345678", org=world.east)
    b = roles.assign_role(actor=admin, user_id=east_user.pk, role_id=strong.pk, scope_kind="own")
    with pytest.raises(DomainError) as err:
        roles.revoke_assignment(actor=east_admin, assignment_id=b.pk)
    assert code_of(err) == "cannot_grant"
    assert RoleAssignment.objects.filter(pk__in=[a.pk, b.pk]).count() == 2
    assert not AuditEntry.objects.filter(action="access.role_revoked").exists()


# --- users --------------------------------------------------------------------------------------


def test_create_staff_and_dealer_users(world, east_admin):
    staff = users.create_user(
        actor=east_admin,
        username="wangfang",
        password="pass-12345678",
        display_name="王芳",
        phone="138 0013 8000",
        org_id=world.east_sales.pk,
    )
    assert staff.org_id == world.east_sales.pk and staff.customer_id is None
    assert staff.check_password("pass-12345678")
    entry = AuditEntry.objects.get(action="access.user_created", object_id=str(staff.pk))
    assert entry.after["display_name"] == "王芳" and entry.after["org"] == world.east_sales.pk
    assert "password" not in entry.after
    dealer = users.create_user(
        actor=east_admin,
        username="dealer-e1",
        password="pass-12345678",
        customer_id=world.dealer_east.pk,
    )
    # a dealer user's organisation defaults to their customer's
    assert dealer.customer_id == world.dealer_east.pk and dealer.org_id == world.east_sales.pk
    assert set(selectors.list_users_in_scope(east_admin).values_list("username", flat=True)) >= {
        "wangfang",
        "dealer-e1",
    }


def test_create_user_error_codes(world, east_admin):
    base = {"username": "newbie", "password": "pass-12345678", "org_id": world.east.pk}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"org_id": world.south.pk}, "not_found"),
        ({"org_id": None, "customer_id": world.dealer_south.pk}, "not_found"),
        ({"org_id": None}, "invalid_input"),  # outside every scope they could see
        ({"password": "short"}, "invalid_input"),
        ({"username": "bad name!"}, "invalid_input"),
        ({"phone": "call me"}, "invalid_phone"),
        ({"is_superuser": True}, "cannot_grant"),
    ]
    for extra, code in cases:
        with pytest.raises(DomainError) as err:
            users.create_user(actor=east_admin, **{**base, **extra})
        assert code_of(err) == code, extra
    users.create_user(actor=east_admin, **base)
    with pytest.raises(DomainError) as err:
        users.create_user(actor=east_admin, **base)
    assert code_of(err) == "username_taken"
    assert User.objects.filter(username="newbie").count() == 1
    assert AuditEntry.objects.filter(action="access.user_created").count() == 1
    nobody = actor_of(user_with("nobody", ["access.user.view"], "all"))
    with pytest.raises(DomainError) as err:
        users.create_user(actor=nobody, username="x", password="pass-12345678")
    assert code_of(err) == "permission_denied"


def test_users_outside_scope_do_not_exist(world, east_admin):
    east = User.objects.create_user("east", password="pass-12345678", org=world.east_sales)
    south = User.objects.create_user("south", password="pass-12345678", org=world.south)
    south_dealer = User.objects.create_user(
        "south-dealer", password="pass-12345678", customer=world.dealer_south, org=world.group
    )
    east_store = User.objects.create_user(
        "east-store", password="pass-12345678", customer=world.store_east, org=world.group
    )
    seen = set(selectors.list_users_in_scope(east_admin).values_list("username", flat=True))
    assert {"east", "east-store"} <= seen
    assert not seen & {"south", "south-dealer", "admin"}
    for user in (south, south_dealer):
        with pytest.raises(NotFound):
            selectors.get_user(east_admin, user.pk)
        for call in (users.deactivate_user, users.reactivate_user, users.reset_password):
            with pytest.raises(NotFound):
                call(actor=east_admin, user_id=user.pk)
    assert selectors.get_user(east_admin, east.pk) == east
    # a dealer's own user administrator sees their own and their lower-level customer's users
    dealer_admin = actor_of(
        user_with(
            "dealer-admin",
            ["access.user.view"],
            "own",
            customer=world.dealer_east,
            portal=True,
        )
    )
    seen = set(selectors.list_users_in_scope(dealer_admin).values_list("username", flat=True))
    assert seen == {"dealer-admin", "east-store"}
    assert east_store.pk in selectors.list_users(
        dealer_admin, UserFilter(search="store")
    ).values_list("pk", flat=True)


def test_deactivation_revokes_tokens_and_leaves_an_actor_that_can_do_nothing(world, east_admin):
    target = user_with("lilei", USER_ADMIN, "org", org=world.east, user_org=world.east_sales)
    issued = [create_token(actor=Actor.for_user(target), name=n) for n in ("ERP", "BI")]
    assert token_for_secret(issued[0].token) is not None
    users.deactivate_user(actor=east_admin, user_id=target.pk, reason="离职")
    assert not ApiToken.objects.filter(user=target, revoked_at__isnull=True).exists()
    assert all(token_for_secret(t.token) is None for t in issued)
    entry = AuditEntry.objects.get(action="access.user_deactivated")
    assert entry.before == {"is_active": True}
    assert entry.after["revoked_token_ids"] == sorted(t.token_id for t in issued)
    assert AuditEntry.objects.filter(action="access.token_revoked").count() == 2
    actor = actor_of(target)
    assert not actor.permissions and actor.scope.is_empty
    assert not any(actor.can(p) for p in all_permissions())
    with pytest.raises(DomainError) as err:
        users.create_user(actor=actor, username="x", password="pass-12345678", org_id=world.east.pk)
    assert code_of(err) == "permission_denied"
    with pytest.raises(DomainError) as err:
        users.deactivate_user(actor=east_admin, user_id=target.pk)
    assert code_of(err) == "invalid_transition"
    users.reactivate_user(actor=east_admin, user_id=target.pk)
    assert AuditEntry.objects.filter(action="access.user_reactivated").count() == 1
    assert actor_of(target).can("access.user.view")
    assert all(token_for_secret(t.token) is None for t in issued)  # tokens stay revoked
    with pytest.raises(DomainError) as err:
        users.reactivate_user(actor=east_admin, user_id=target.pk)
    assert code_of(err) == "invalid_transition"


def test_no_one_deactivates_themself(world, east_admin):
    with pytest.raises(DomainError) as err:
        users.deactivate_user(actor=east_admin, user_id=east_admin.id)
    assert code_of(err) in ("cannot_deactivate_self", "not_found")
    me = user_with("me", USER_ADMIN, "org", org=world.east, user_org=world.east)
    with pytest.raises(DomainError) as err:
        users.deactivate_user(actor=actor_of(me), user_id=me.pk)
    assert code_of(err) == "cannot_deactivate_self"


def test_reset_password(world, east_admin):
    target = User.objects.create_user("han", password="pass-12345678", org=world.east)
    password = users.reset_password(actor=east_admin, user_id=target.pk)
    target.refresh_from_db()
    assert len(password) == 12 and target.check_password(password)
    users.reset_password(actor=east_admin, user_id=target.pk, new_password="another-pass-1")
    target.refresh_from_db()
    assert target.check_password("another-pass-1")
    with pytest.raises(DomainError) as err:
        users.reset_password(actor=east_admin, user_id=target.pk, new_password="short")
    assert code_of(err) == "invalid_input"
    entries = AuditEntry.objects.filter(action="access.password_reset").order_by("id")
    assert [e.after for e in entries] == [{"generated": True}, {"generated": False}]


def test_no_one_takes_over_a_stronger_account(world, east_admin):
    stronger = user_with(
        "stronger", [*USER_ADMIN, "system.audit.view"], "org", org=world.east, user_org=world.east
    )
    boss = User.objects.create_superuser("boss", password="pass-12345678", org=world.east)
    for target in (stronger, boss):
        for call in (users.reset_password, users.deactivate_user):
            with pytest.raises(DomainError) as err:
                call(actor=east_admin, user_id=target.pk)
            assert code_of(err) == "cannot_manage", (target, call)
    stronger.refresh_from_db()
    assert stronger.is_active and stronger.check_password("pass-12345678")
    # a superuser may
    users.reset_password(actor=SYSTEM, user_id=stronger.pk, new_password="fresh-pass-123")


def test_update_user_profile_is_audited(world, east_admin):
    target = User.objects.create_user("zhou", password="pass-12345678", org=world.east)
    users.update_user(actor=east_admin, user_id=target.pk, display_name="周静", phone="13800138000")
    entry = AuditEntry.objects.get(action="access.user_updated")
    assert entry.before["display_name"] == "" and entry.after["display_name"] == "周静"
    assert [r["action"] for r in _history(target)] == ["access.user_updated"]


def _history(user: User) -> list[dict[str, Any]]:
    from omni.kernel.audit import history_rows

    return history_rows("access.user", user.pk)
