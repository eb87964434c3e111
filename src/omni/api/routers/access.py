"""Access API: users, roles, role assignments (with data scopes), the permission registry.

Users are data-scoped (a user outside the caller's scope answers 404); roles are
enterprise-wide and guarded by functional permissions only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from omni.access import selectors
from omni.access.models import RoleAssignment, User
from omni.access.services import roles, users
from omni.kernel.permissions import ACTION_LABELS, modules

from ..auth import request_actor
from ..pagination import PageIn, paginate
from ..schemas import ERRORS, Input
from ..secrets import secret_response

router = Router()

SCOPE_KINDS = "^(all|org|regions|customers|own)$"


# --- schemas --------------------------------------------------------------------------------


class PermissionActionOut(Schema):
    action: str
    label: str
    permission: str


class PermissionModuleOut(Schema):
    key: str
    label: str
    actions: list[PermissionActionOut]


class RoleOut(Schema):
    id: int
    code: str
    name: str
    permissions: list[str]
    is_portal: bool
    user_count: int = 0
    created_at: dt.datetime
    updated_at: dt.datetime


class RoleIn(Input):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=60)
    permissions: list[str] = Field(default_factory=list, max_length=1000)
    is_portal: bool = False


class RoleUpdateIn(Input):
    name: str = Field(min_length=1, max_length=60)
    permissions: list[str] = Field(max_length=1000)
    is_portal: bool | None = None


class RoleFilter(PageIn):
    search: str = Field("", max_length=60)
    is_portal: bool | None = None


class RolePage(Schema):
    items: list[RoleOut]
    total: int
    page: int
    page_size: int


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    phone: str
    email: str
    is_active: bool
    is_superuser: bool
    org_id: int | None
    customer_id: int | None
    last_login: dt.datetime | None
    date_joined: dt.datetime


class AssignmentOut(Schema):
    id: int
    role_id: int
    role_code: str
    role_name: str
    scope_kind: str
    org_id: int | None
    sales_region_ids: list[int]
    customer_ids: list[int]
    created_at: dt.datetime


class UserDetailOut(UserOut):
    assignments: list[AssignmentOut]
    permissions: list[str]


class UserPage(Schema):
    items: list[UserOut]
    total: int
    page: int
    page_size: int


class UserFilter(PageIn):
    search: str = Field("", max_length=60)
    role_id: int | None = None
    is_active: bool | None = None
    org_id: int | None = None
    customer_id: int | None = None
    ordering: str = Field("username", pattern="^-?(username|display_name|date_joined|last_login)$")


class UserIn(Input):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=128)
    display_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    org_id: int | None = None
    customer_id: int | None = None
    is_superuser: bool = False


class UserUpdateIn(Input):
    display_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)


class DeactivateIn(Input):
    reason: str = Field("", max_length=500)


class PasswordIn(Input):
    password: str = Field(
        "", max_length=128, description="the new password; empty = generate one and return it"
    )


class PasswordOut(Schema):
    generated: bool
    password: str | None = Field(None, description="the generated password, shown only once")


class AssignmentIn(Input):
    role_id: int
    scope_kind: str = Field(pattern=SCOPE_KINDS)
    org_id: int | None = Field(None, description="scope_kind=org: root of the subtree")
    sales_region_ids: list[int] = Field(default_factory=list, max_length=500)
    customer_ids: list[int] = Field(default_factory=list, max_length=2000)


def _assignment_out(a: RoleAssignment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "role_id": a.role_id,
        "role_code": a.role.code,
        "role_name": a.role.name,
        "scope_kind": a.scope_kind,
        "org_id": a.org_id,
        "sales_region_ids": [r.pk for r in a.sales_regions.all()],
        "customer_ids": [c.pk for c in a.customers.all()],
        "created_at": a.created_at,
    }


def _user_detail(user: User) -> dict[str, Any]:
    assignments = list(selectors.assignments_of([user.pk]))
    perms = sorted({p for a in assignments for p in (a.role.permissions or [])})
    return {
        **{f: getattr(user, f) for f in UserOut.model_fields},
        "assignments": [_assignment_out(a) for a in assignments],
        "permissions": perms,
    }


# --- permission registry ------------------------------------------------------------------------


@router.get(
    "/permissions",
    response={200: list[PermissionModuleOut], **ERRORS},
    summary="The functional permissions a role can hold, by module",
)
def list_permissions(request: HttpRequest):
    actor = request_actor(request)
    if not (actor.can("access.role.view") or actor.can("access.role.edit")):
        actor.require("access.role.view")
    return [
        {
            "key": m.key,
            "label": str(m.label),
            "actions": [
                {"action": a, "label": ACTION_LABELS.get(a, a), "permission": f"{m.key}.{a}"}
                for a in m.actions
            ],
        }
        for m in modules()
    ]


# --- roles --------------------------------------------------------------------------------------


def _roles_with_counts():
    return selectors.list_roles().annotate(user_count=Count("assignments__user", distinct=True))


@router.get("/roles", response={200: RolePage, **ERRORS}, summary="Roles")
def list_roles(request: HttpRequest, filters: Query[RoleFilter]):
    request_actor(request).require("access.role.view")
    qs = selectors.list_roles(search=filters.search, is_portal=filters.is_portal).annotate(
        user_count=Count("assignments__user", distinct=True)
    )
    return paginate(qs, filters)


@router.post("/roles", response={201: RoleOut, **ERRORS}, summary="Create a role")
def create_role(request: HttpRequest, payload: RoleIn):
    role = roles.create_role(actor=request_actor(request), **payload.model_dump())
    return Status(201, _roles_with_counts().get(pk=role.pk))


@router.get("/roles/{role_id}", response={200: RoleOut, **ERRORS}, summary="One role")
def get_role(request: HttpRequest, role_id: int):
    request_actor(request).require("access.role.view")
    role = _roles_with_counts().filter(pk=role_id).first()
    return role if role is not None else selectors.get_role(role_id)


@router.put(
    "/roles/{role_id}",
    response={200: RoleOut, **ERRORS},
    summary="Rename a role or change its permissions",
)
def update_role(request: HttpRequest, role_id: int, payload: RoleUpdateIn):
    role = roles.update_role(actor=request_actor(request), role_id=role_id, **payload.model_dump())
    return _roles_with_counts().get(pk=role.pk)


# --- users --------------------------------------------------------------------------------------


@router.get("/users", response={200: UserPage, **ERRORS}, summary="Users in my data scope")
def list_users(request: HttpRequest, filters: Query[UserFilter]):
    actor = request_actor(request)
    actor.require("access.user.view")
    qs = selectors.list_users(
        actor,
        search=filters.search.strip(),
        role_id=filters.role_id,
        is_active=filters.is_active,
        org_id=filters.org_id,
        customer_id=filters.customer_id,
    ).order_by(filters.ordering, "pk")
    return paginate(qs, filters)


@router.post("/users", response={201: UserDetailOut, **ERRORS}, summary="Create a user")
def create_user(request: HttpRequest, payload: UserIn):
    user = users.create_user(actor=request_actor(request), **payload.model_dump())
    return Status(201, _user_detail(user))


@router.get(
    "/users/{user_id}",
    response={200: UserDetailOut, **ERRORS},
    summary="One user, with role assignments and effective permissions",
)
def get_user(request: HttpRequest, user_id: int):
    actor = request_actor(request)
    actor.require("access.user.view")
    return _user_detail(selectors.get_user(actor, user_id))


@router.put(
    "/users/{user_id}", response={200: UserDetailOut, **ERRORS}, summary="Edit a user's profile"
)
def update_user(request: HttpRequest, user_id: int, payload: UserUpdateIn):
    user = users.update_user(actor=request_actor(request), user_id=user_id, **payload.model_dump())
    return _user_detail(user)


@router.post(
    "/users/{user_id}/deactivate",
    response={200: UserDetailOut, **ERRORS},
    summary="Deactivate a user (also revokes their API tokens)",
)
def deactivate_user(request: HttpRequest, user_id: int, payload: DeactivateIn | None = None):
    user = users.deactivate_user(
        actor=request_actor(request),
        user_id=user_id,
        reason=payload.reason if payload is not None else "",
    )
    return _user_detail(user)


@router.post(
    "/users/{user_id}/reactivate",
    response={200: UserDetailOut, **ERRORS},
    summary="Reactivate a user (revoked tokens stay revoked)",
)
def reactivate_user(request: HttpRequest, user_id: int):
    return _user_detail(users.reactivate_user(actor=request_actor(request), user_id=user_id))


@router.post(
    "/users/{user_id}/reset-password",
    response={200: PasswordOut, **ERRORS},
    summary="Set a new password, or generate one",
)
def reset_password(request: HttpRequest, response: HttpResponse, user_id: int, payload: PasswordIn):
    secret_response(response)
    password = users.reset_password(
        actor=request_actor(request), user_id=user_id, new_password=payload.password
    )
    generated = not payload.password
    return {"generated": generated, "password": password if generated else None}


# --- role assignments ---------------------------------------------------------------------------


@router.post(
    "/users/{user_id}/assignments",
    response={201: AssignmentOut, **ERRORS},
    summary="Give a user a role with a data scope",
)
def assign_role(request: HttpRequest, user_id: int, payload: AssignmentIn):
    assignment = roles.assign_role(
        actor=request_actor(request), user_id=user_id, **payload.model_dump()
    )
    return Status(201, _assignment_out(selectors.assignments_of([user_id]).get(pk=assignment.pk)))


@router.delete(
    "/assignments/{assignment_id}",
    response={204: None, **ERRORS},
    summary="Take a role assignment away",
)
def revoke_assignment(request: HttpRequest, assignment_id: int):
    roles.revoke_assignment(actor=request_actor(request), assignment_id=assignment_id)
    return Status(204, None)
