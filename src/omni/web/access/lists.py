"""Users and roles lists, declared once as Tables (web/tables.py): the page, its sort,
saved filters and the Excel export come from the declaration."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from omni.access import selectors
from omni.kernel.actors import Actor

from ..permissions import needs
from ..tables import Column, Table, badge, export_url, join, link, tags
from . import forms as f
from .views import _page


def _with_role_names(users: list[Any]) -> None:
    for user in users:
        user.role_names = sorted({a.role.name for a in user.role_assignments.all()})


def _user_url(u: Any) -> str:
    return reverse("access:user-detail", args=[u.pk])


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
        Column(
            "last_login",
            _("Last login"),
            "last_login",
            sort=("last_login", "pk"),
            format="datetime",
            css="nowrap",
        ),
        Column(
            "date_joined",
            _("Created at"),
            "date_joined",
            sort=("date_joined", "pk"),
            format="date",
            css="nowrap",
        ),
    ],
)


def _users_filtered(request: HttpRequest, actor: Actor) -> tuple[f.UserFilterForm, QuerySet[Any]]:
    form = f.UserFilterForm(request.GET or None, actor=actor)
    if form.is_bound:
        form.is_valid()  # invalid fields are shown on the page and left out of the filter
    qs = selectors.list_users(actor, form.filters(), permission=None).prefetch_related(
        "role_assignments__role"
    )
    return form, qs


@needs("access.user.view")
def user_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    form, qs = _users_filtered(request, actor)
    return USERS.render(
        request,
        "access/user_list.html",
        qs,
        form=form,
        page=partial(_page, actor, "users"),
        export_url=export_url(actor, "access.user.export", "access:user-export"),
        can_create=actor.can("access.user.create"),
    )


@needs("access.user.export")
def user_export(request: HttpRequest, actor: Actor) -> HttpResponse:
    _form, qs = _users_filtered(request, actor)
    return USERS.export(request, qs)


def _role_url(r: Any) -> str:
    return reverse("access:role-detail", args=[r.pk])


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
        Column(
            "updated_at",
            _("Updated at"),
            "updated_at",
            sort=("updated_at", "pk"),
            format="datetime",
            css="nowrap",
        ),
    ],
)


@needs("access.role.view")
def role_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = f.RoleFilterForm(request.GET or None)
    search, portal = "", None
    if form.is_bound and form.is_valid():
        search = (form.cleaned_data.get("search") or "").strip()
        kind = form.cleaned_data.get("kind")
        portal = {"portal": True, "staff": False}.get(kind or "")
    qs = selectors.list_roles(search=search, is_portal=portal).annotate(
        user_count=Count("assignments__user", distinct=True)
    )
    return render(
        request,
        "access/role_list.html",
        _page(
            actor,
            "roles",
            **ROLES.page(request, qs, form=form),
            can_create=actor.can("access.role.create"),
        ),
    )
