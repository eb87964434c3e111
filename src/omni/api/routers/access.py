"""Access API: users, roles, role assignments (with data scopes), the permission registry.

Users are data-scoped (a user outside the caller's scope answers 404); roles are
enterprise-wide and guarded by functional permissions only.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from pydantic import model_validator

from omni.access import filters as access_filters
from omni.access import selectors
from omni.access.models import RoleAssignment, User
from omni.access.services import portal, roles, users
from omni.kernel.filters import build
from omni.kernel.permissions import ACTION_LABELS

from ..auth import request_actor
from ..pagination import Page, PageIn, paginate
from ..schemas import (
    ERRORS,
    TEXT_PATTERN,
    Bool,
    Id,
    Input,
    Permission,
    QueryBool,
    QueryId,
    choices_of,
    code_of,
    line,
    line_of,
    name_of,
    rule_error,
)
from ..secrets import secret_response

router = Router()

ScopeKind = choices_of("access.RoleAssignment", "scope_kind")
Username = Annotated[
    str,
    Field(
        min_length=1, max_length=150, pattern=r"^[\w.@+-]+$", description="letters, digits, @.+-_"
    ),
]
Password = Annotated[str, Field(min_length=8, max_length=128, pattern=TEXT_PATTERN)]
UserPhone = Annotated[str, Field(pattern=r"^$|^\+?[0-9][0-9 -]{4,19}$", max_length=20)]
Email = Annotated[str, Field(pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]


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
    code: code_of("access.Role")
    name: name_of("access.Role")
    permissions: list[Permission] = Field(default_factory=list, max_length=1000)
    is_portal: Bool = False


class RoleUpdateIn(Input):
    name: name_of("access.Role")
    permissions: list[Permission] = Field(max_length=1000)
    is_portal: Bool | None = None


class RoleFilter(PageIn):
    search: line(60) = ""
    is_portal: QueryBool | None = None


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


UserOrdering = Literal[
    "username",
    "-username",
    "display_name",
    "-display_name",
    "date_joined",
    "-date_joined",
    "last_login",
    "-last_login",
]


class UserFilter(PageIn):
    search: line(60) = ""
    role_id: QueryId | None = None
    is_active: QueryBool | None = None
    org_id: QueryId | None = None
    customer_id: QueryId | None = None
    ordering: UserOrdering = "username"


class UserIn(Input):
    username: Username
    password: Password
    display_name: line_of("access.User", "display_name") = ""
    phone: UserPhone = ""
    email: Email = ""
    org_id: Id | None = None
    customer_id: Id | None = None
    is_superuser: Bool = False


class UserUpdateIn(Input):
    display_name: line_of("access.User", "display_name") = ""
    phone: UserPhone = ""
    email: Email = ""


class DeactivateIn(Input):
    reason: line(500) = ""


class PasswordIn(Input):
    password: Password | Literal[""] = Field(
        "", description="the new password; empty = generate one and return it"
    )


class PasswordOut(Schema):
    generated: bool
    password: str | None = Field(None, description="the generated password, shown only once")


class AssignmentIn(Input):
    """`org` needs `org_id`; `regions` at least one sales region; `customers` at least one
    customer."""

    model_config = {
        "json_schema_extra": {
            "anyOf": [
                {"properties": {"scope_kind": {"enum": ["all", "own"]}}},
                {
                    "properties": {"scope_kind": {"const": "org"}, "org_id": {"type": "integer"}},
                    "required": ["org_id"],
                },
                {
                    "properties": {
                        "scope_kind": {"const": "regions"},
                        "sales_region_ids": {"minItems": 1},
                    },
                    "required": ["sales_region_ids"],
                },
                {
                    "properties": {
                        "scope_kind": {"const": "customers"},
                        "customer_ids": {"minItems": 1},
                    },
                    "required": ["customer_ids"],
                },
            ]
        }
    }

    role_id: Id
    scope_kind: ScopeKind
    org_id: Id | None = Field(None, description="scope_kind=org: root of the subtree")
    sales_region_ids: list[Id] = Field(default_factory=list, max_length=500)
    customer_ids: list[Id] = Field(default_factory=list, max_length=2000)

    @model_validator(mode="after")
    def _scope(self) -> AssignmentIn:
        needs = {
            "org": self.org_id is not None,
            "regions": bool(self.sales_region_ids),
            "customers": bool(self.customer_ids),
        }
        if not needs.get(self.scope_kind, True):
            raise rule_error("scope_required", f"scope_kind {self.scope_kind} needs its org or ids")
        return self


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
    assignments = list(selectors.list_assignments_of([user.pk]))
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
    return [
        {
            "key": m.key,
            "label": str(m.label),
            "actions": [
                {"action": a, "label": ACTION_LABELS.get(a, a), "permission": f"{m.key}.{a}"}
                for a in m.actions
            ],
        }
        for m in selectors.list_permission_modules(request_actor(request))
    ]


# --- roles --------------------------------------------------------------------------------------


def _roles_with_counts():
    return selectors.list_roles().annotate(user_count=Count("assignments__user", distinct=True))


@router.get("/roles", response={200: Page[RoleOut], **ERRORS}, summary="Roles")
def list_roles(request: HttpRequest, filters: Query[RoleFilter]):
    qs = selectors.list_roles(
        request_actor(request), search=filters.search, is_portal=filters.is_portal
    ).annotate(user_count=Count("assignments__user", distinct=True))
    return paginate(qs, filters)


@router.post("/roles", response={201: RoleOut, **ERRORS}, summary="Create a role")
def create_role(request: HttpRequest, payload: RoleIn):
    role = roles.create_role(actor=request_actor(request), **payload.model_dump())
    return Status(201, _roles_with_counts().get(pk=role.pk))


@router.get("/roles/{role_id}", response={200: RoleOut, **ERRORS}, summary="One role")
def get_role(request: HttpRequest, role_id: QueryId):
    role = selectors.get_role(role_id, actor=request_actor(request))
    return _roles_with_counts().get(pk=role.pk)


@router.put(
    "/roles/{role_id}",
    response={200: RoleOut, **ERRORS},
    summary="Rename a role or change its permissions",
)
def update_role(request: HttpRequest, role_id: QueryId, payload: RoleUpdateIn):
    role = roles.update_role(actor=request_actor(request), role_id=role_id, **payload.model_dump())
    return _roles_with_counts().get(pk=role.pk)


# --- users --------------------------------------------------------------------------------------


@router.get("/users", response={200: Page[UserOut], **ERRORS}, summary="Users in my data scope")
def list_users(request: HttpRequest, filters: Query[UserFilter]):
    qs = selectors.list_users(
        request_actor(request), build(access_filters.UserFilter, filters.model_dump())
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
def get_user(request: HttpRequest, user_id: QueryId):
    return _user_detail(selectors.get_user(request_actor(request), user_id))


@router.put(
    "/users/{user_id}", response={200: UserDetailOut, **ERRORS}, summary="Edit a user's profile"
)
def update_user(request: HttpRequest, user_id: QueryId, payload: UserUpdateIn):
    user = users.update_user(actor=request_actor(request), user_id=user_id, **payload.model_dump())
    return _user_detail(user)


@router.post(
    "/users/{user_id}/deactivate",
    response={200: UserDetailOut, **ERRORS},
    summary="Deactivate a user (also revokes their API tokens)",
)
def deactivate_user(request: HttpRequest, user_id: QueryId, payload: DeactivateIn | None = None):
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
def reactivate_user(request: HttpRequest, user_id: QueryId):
    return _user_detail(users.reactivate_user(actor=request_actor(request), user_id=user_id))


@router.post(
    "/users/{user_id}/reset-password",
    response={200: PasswordOut, **ERRORS},
    summary="Set a new password, or generate one",
)
def reset_password(
    request: HttpRequest, response: HttpResponse, user_id: QueryId, payload: PasswordIn
):
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
def assign_role(request: HttpRequest, user_id: QueryId, payload: AssignmentIn):
    assignment = roles.assign_role(
        actor=request_actor(request), user_id=user_id, **payload.model_dump()
    )
    created = selectors.list_assignments_of([user_id]).get(pk=assignment.pk)
    return Status(201, _assignment_out(created))


@router.delete(
    "/assignments/{assignment_id}",
    response={204: None, **ERRORS},
    summary="Take a role assignment away",
)
def revoke_assignment(request: HttpRequest, assignment_id: QueryId):
    roles.revoke_assignment(actor=request_actor(request), assignment_id=assignment_id)
    return Status(204, None)


# --- portal logins (approved dealer applications) ------------------------------------------------


class PortalLoginOut(Schema):
    customer_id: int
    status: str = Field(description="pending: being created after the approval; ready")
    username: str | None = None
    password_set: bool = False
    setup_url: str | None = Field(
        None, description="one-time link to choose a password, while none is set"
    )


@router.get(
    "/customers/{customer_id}/portal-login",
    response={200: PortalLoginOut, **ERRORS},
    summary="A customer's portal login and its one-time password link (after approval)",
)
def get_portal_login(request: HttpRequest, response: HttpResponse, customer_id: int):
    secret_response(response)
    login = portal.find_portal_login(request_actor(request), customer_id)
    if login is None:
        return {"customer_id": customer_id, "status": "pending"}
    url = None
    if login.uidb64 and login.token:
        url = request.build_absolute_uri(
            reverse("web:welcome", kwargs={"uidb64": login.uidb64, "token": login.token})
        )
    return {
        "customer_id": customer_id,
        "status": "ready",
        "username": login.username,
        "password_set": login.password_set,
        "setup_url": url,
    }
