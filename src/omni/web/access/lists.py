"""Users and roles lists, declared once as Tables (web/tables.py): the page, its sort,
saved filters and the Excel export come from the declaration."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from omni.access import selectors
from omni.kernel.actors import Actor

from ..permissions import needs
from ..tables import (
    Column,
    ListPage,
    Table,
    badge,
    detail_link,
    filtered_by,
    join,
    link,
    tags,
    timestamp,
)
from . import forms as f
from .views import _page


def _with_role_names(users: list[Any]) -> None:
    for user in users:
        user.role_names = sorted({a.role.name for a in user.role_assignments.all()})


_user_url = detail_link("access:user-detail")


USERS = Table(
    "access.users",
    title=_("Users"),
    default_sort="username",
    prepare=_with_role_names,
    row_attrs=lambda u: {"data-username": u.username},
    columns=[
        Column(
            "username",
            _("Username"),
            "username",
            sort=("username",),
            css="nowrap",
            html=lambda u: join(
                link(_user_url(u), u.username), u.is_superuser and tags([_("Superuser")])
            ),
        ),
        Column("display_name", _("Full name"), "display_name", sort=("display_name", "username")),
        Column("phone", _("Phone"), "phone", page=False),
        Column("email", _("Email"), "email", page=False),
        Column("org", _("Organisation"), "org.name", sort=("org__name", "username")),
        Column(
            "customer",
            _("Bound customer"),
            lambda u: f"{u.customer.code} {u.customer.name}" if u.customer_id else "",
            html=lambda u: badge("portal", u.customer.name) if u.customer_id else "—",
        ),
        Column(
            "roles",
            _("Roles"),
            lambda u: ", ".join(u.role_names),
            html=lambda u: tags(u.role_names),
        ),
        Column(
            "status",
            _("Status"),
            lambda u: _("Active") if u.is_active else _("Deactivated"),
            html=lambda u: (
                badge("active", _("Active"), status="active")
                if u.is_active
                else badge("inactive", _("Deactivated"), status="inactive")
            ),
        ),
        timestamp("last_login", _("Last login")),
        timestamp("date_joined", _("Created at"), format="date"),
    ],
)


USER_LIST = ListPage(
    USERS,
    "access/user_list.html",
    filtered_by(
        f.UserFilterForm,
        lambda actor, form: selectors.list_users(
            actor, form.filters(), permission=None
        ).prefetch_related("role_assignments__role"),
    ),
    page=partial(_page, section="users"),
    export=("access.user.export", "access:user-export"),
    create="access.user.create",
)
user_list = needs("access.user.view")(USER_LIST.view)
user_export = needs("access.user.export")(USER_LIST.export_view)


_role_url = detail_link("access:role-detail")


ROLES = Table(
    "access.roles",
    title=_("Roles"),
    default_sort="code",
    row_attrs=lambda r: {"data-code": r.code},
    columns=[
        Column(
            "code",
            _("Role code"),
            "code",
            sort=("code",),
            format="code",
            link=_role_url,
            css="nowrap",
        ),
        Column("name", _("Role name"), "name", sort=("name", "code"), link=_role_url),
        Column(
            "kind",
            _("Role type"),
            lambda r: _("Portal (dealers)") if r.is_portal else _("Brand staff"),
            html=lambda r: (
                badge("portal", _("Portal (dealers)")) if r.is_portal else _("Brand staff")
            ),
        ),
        Column("permissions", _("Permissions"), lambda r: len(r.permissions)),
        Column("users", _("Users"), "user_count", sort=("user_count", "code")),
        timestamp("updated_at", _("Updated at")),
    ],
)


def _roles(_actor: Actor, form: f.RoleFilterForm) -> QuerySet[Any]:
    data = {} if form.errors else form.valid_data  # an invalid bar filters nothing
    return selectors.list_roles(
        search=(data.get("search") or "").strip(),
        is_portal={"portal": True, "staff": False}.get(data.get("kind") or ""),
    ).annotate(user_count=Count("assignments__user", distinct=True))


role_list = needs("access.role.view")(
    ListPage(
        ROLES,
        "access/role_list.html",
        filtered_by(f.RoleFilterForm, _roles, with_actor=False),
        page=partial(_page, section="roles"),
        create="access.role.create",
    ).view
)
