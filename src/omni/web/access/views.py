"""Users & roles pages: users (list, detail, create, edit, role assignments), roles (list and
the editor with its permission matrix).

Every page reads through `omni.access.selectors` (users scoped by the actor's data scope) and
writes through `omni.access.services`, exactly like the JSON API (omni/api/routers/access.py).
Without the page's permission, or for a user outside the scope, the answer is 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.access import selectors
from omni.access.models import RoleAssignment, ScopeKind, User
from omni.access.services import roles as role_services
from omni.access.services import users as user_services
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError, NotFound
from omni.kernel.permissions import modules
from omni.web import audit_display

from ..outcomes import flash_errors
from ..permissions import needs
from . import forms as f

SCOPE_LABELS = dict(ScopeKind.choices)


# --- plumbing -----------------------------------------------------------------------------------


def _sections(actor: Actor) -> list[tuple[str, Any, str]]:
    links = [
        ("users", gettext_lazy("Users"), "access.user.view", "access:users"),
        ("roles", gettext_lazy("Roles"), "access.role.view", "access:roles"),
    ]
    return [(key, label, reverse(name)) for key, label, perm, name in links if actor.can(perm)]


def _page(actor: Actor, section: str, **context: Any) -> dict[str, Any]:
    return {"active": "access", "section": section, "sections": _sections(actor), **context}


def _get_user(actor: Actor, pk: int) -> User:
    try:
        return selectors.get_user(actor, pk, permission=None)
    except NotFound:
        raise Http404 from None


def _user_label(user: User) -> str:
    return user.display_name or user.username


# --- users: create and edit ---------------------------------------------------------------------


@needs("access.user.create")
def user_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = f.UserForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with f.form_errors(form) as done:
            user = user_services.create_user(
                actor=actor,
                username=d["username"],
                password=d["password"],
                display_name=d.get("display_name") or "",
                phone=d.get("phone") or "",
                email=d.get("email") or "",
                org_id=f.int_or_none(d.get("org")),
                customer_id=d.get("customer"),
                is_superuser=bool(d.get("is_superuser")),
            )
        if done:
            messages.success(request, _("User %(name)s created.") % {"name": user.username})
            if (
                actor.can("access.user.view")
                and selectors.list_users_in_scope(actor).filter(pk=user.pk).exists()
            ):
                return redirect("access:user-detail", user.pk)
            return redirect("access:users")
    return render(
        request,
        "access/user_form.html",
        _page(
            actor,
            "users",
            form=form,
            edited=None,
            customer_suggestions=f.customer_suggestions(actor),
            breadcrumbs=[(gettext_lazy("Users"), reverse("access:users")), (_("New"), None)],
        ),
    )


@needs("access.user.edit")
def user_edit(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    user = _get_user(actor, pk)
    initial = {"display_name": user.display_name, "phone": user.phone, "email": user.email}
    form = f.UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with f.form_errors(form) as done:
            user_services.update_user(
                actor=actor,
                user_id=user.pk,
                display_name=d.get("display_name") or "",
                phone=d.get("phone") or "",
                email=d.get("email") or "",
            )
        if done:
            messages.success(request, _("Saved."))
            return redirect("access:user-detail", user.pk)
    return render(
        request,
        "access/user_form.html",
        _page(
            actor,
            "users",
            form=form,
            edited=user,
            customer_suggestions=[],
            breadcrumbs=[
                (gettext_lazy("Users"), reverse("access:users")),
                (_user_label(user), reverse("access:user-detail", args=[user.pk])),
                (_("Edit"), None),
            ],
        ),
    )


# --- users: detail ------------------------------------------------------------------------------


def _scope_text(actor: Actor, a: RoleAssignment) -> str:
    """What an assignment's scope covers, naming only what the actor may see (others: #id)."""

    def names(objs: list[Any], visible: QuerySet[Any], fmt: Callable[[Any], str]) -> str:
        ids = {o.pk for o in objs}
        seen = set(visible.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
        return ", ".join(fmt(o) if o.pk in seen else f"#{o.pk}" for o in objs)

    if a.scope_kind == ScopeKind.ORG and a.org_id:
        return names([a.org], selectors.list_organizations(actor), lambda o: o.name)
    if a.scope_kind == ScopeKind.REGIONS:
        return names(
            list(a.sales_regions.all()), selectors.list_sales_regions(actor), lambda r: r.name
        )
    if a.scope_kind == ScopeKind.CUSTOMERS:
        return names(
            list(a.customers.all()),
            selectors.list_customers(actor),
            lambda c: f"{c.code} {c.name}",
        )
    return ""


def _permission_rows(perms: set[str]) -> list[dict[str, Any]]:
    """Effective permissions grouped by module, for the permissions tab."""
    rows = []
    for m in modules():
        actions = [f.action_label(a) for a in m.actions if f"{m.key}.{a}" in perms]
        if actions:
            rows.append({"key": m.key, "label": m.label, "actions": actions})
    return rows


def _detail_post(request: HttpRequest, actor: Actor, user: User, bound: dict[str, Any]) -> bool:
    """Handle one of the detail page's forms. True when done (redirect)."""
    op = request.POST.get("op", "")
    with flash_errors(request):
        if op == "deactivate":
            form = f.DeactivateForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            user_services.deactivate_user(actor=actor, user_id=user.pk, reason=reason)
            messages.success(request, _("User deactivated; their API tokens were revoked."))
        elif op == "reactivate":
            user_services.reactivate_user(actor=actor, user_id=user.pk)
            messages.success(request, _("User reactivated."))
        elif op == "revoke":
            assignment_id = f.int_or_none(request.POST.get("assignment"))
            if (
                assignment_id is None
                or not RoleAssignment.objects.filter(pk=assignment_id, user_id=user.pk).exists()
            ):
                raise Http404
            role_services.revoke_assignment(actor=actor, assignment_id=assignment_id)
            messages.success(request, _("Role removed."))
        elif op == "password":
            form = f.PasswordForm(request.POST)
            bound["password"] = form
            if not form.is_valid():
                return False
            typed = form.cleaned_data.get("password") or ""
            try:
                password = user_services.reset_password(
                    actor=actor, user_id=user.pk, new_password=typed
                )
            except DomainError as err:
                if err.status == 422:
                    f.add_domain_error(form, err)
                    return False
                raise
            if typed:
                messages.success(request, _("Password changed."))
            else:
                request.session["access.password"] = {"user": user.pk, "password": password}
        else:
            return True
    return True


@needs("access.user.view")
def user_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    user = _get_user(actor, pk)
    bound: dict[str, Any] = {}
    if request.method == "POST":
        if not actor.can("access.user.edit"):
            raise Http404
        if _detail_post(request, actor, user, bound):
            return redirect("access:user-detail", user.pk)
    new_password = request.session.pop("access.password", None)
    if new_password and new_password.get("user") != user.pk:
        new_password = None
    assignments = list(selectors.list_assignments_of([user.pk]))
    for a in assignments:
        a.scope_label = SCOPE_LABELS.get(a.scope_kind, a.scope_kind)
        a.scope_text = _scope_text(actor, a)
    perms = {p for a in assignments for p in (a.role.permissions or [])}
    can_edit = actor.can("access.user.edit")
    return render(
        request,
        "access/user_detail.html",
        _page(
            actor,
            "users",
            shown=user,
            assignments=assignments,
            permission_rows=_permission_rows(perms),
            tokens=list(selectors.list_tokens_of(user.pk)[:100]),
            can_edit=can_edit,
            is_self=user.pk == actor.id,
            new_password=new_password["password"] if new_password else None,
            password_form=bound.get("password") or f.PasswordForm(),
            open_tab="roles" if bound else None,
            tabs=[
                ("roles", gettext_lazy("Roles and data scopes")),
                ("permissions", gettext_lazy("Effective permissions")),
                ("tokens", gettext_lazy("API tokens")),
            ],
            history=audit_display.history_rows("access.user", user.pk),
            breadcrumbs=[
                (gettext_lazy("Users"), reverse("access:users")),
                (_user_label(user), None),
            ],
        ),
    )


@needs("access.user.edit")
def user_assign(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    user = _get_user(actor, pk)
    form = f.AssignmentForm(request.POST or None, actor=actor, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with f.form_errors(form) as done:
            role_services.assign_role(
                actor=actor,
                user_id=user.pk,
                role_id=int(d["role"]),
                scope_kind=d["scope_kind"],
                org_id=f.int_or_none(d.get("org")),
                sales_region_ids=[int(x) for x in d.get("sales_regions") or []],
                customer_ids=d.get("customers") or [],
            )
        if done:
            messages.success(request, _("Role assigned."))
            return redirect(reverse("access:user-detail", args=[user.pk]) + "#roles")
    return render(
        request,
        "access/assignment_form.html",
        _page(
            actor,
            "users",
            form=form,
            shown=user,
            customer_suggestions=f.customer_suggestions(actor),
            breadcrumbs=[
                (gettext_lazy("Users"), reverse("access:users")),
                (_user_label(user), reverse("access:user-detail", args=[user.pk])),
                (_("Assign a role"), None),
            ],
        ),
    )


# --- roles (the list is in lists.py) -------------------------------------------------------


def _role_page(
    request: HttpRequest, actor: Actor, form: f.RoleForm, role: Any, *, readonly: bool
) -> HttpResponse:
    crumbs: list[tuple[Any, Any]] = [(gettext_lazy("Roles"), reverse("access:roles"))]
    crumbs.append((role.name if role else _("New"), None))
    return render(
        request,
        "access/role_form.html",
        _page(
            actor,
            "roles",
            form=form,
            role=role,
            readonly=readonly,
            actions=[(a, f.action_label(a)) for a in f.matrix_actions()],
            matrix=form.matrix(actor, readonly=readonly),
            stale=f.stale_permissions(role.permissions or []) if role else [],
            user_count=role.assignments.values("user").distinct().count() if role else 0,
            history=audit_display.history_rows("access.role", role.pk) if role else None,
            breadcrumbs=crumbs,
        ),
    )


@needs("access.role.create")
def role_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = f.RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with f.form_errors(form) as done:
            role = role_services.create_role(
                actor=actor,
                code=d["code"],
                name=d["name"],
                permissions=d.get("permissions") or [],
                is_portal=bool(d.get("is_portal")),
            )
        if done:
            messages.success(request, _("Role %(code)s created.") % {"code": role.code})
            return redirect("access:role-detail", role.pk)
    return _role_page(request, actor, form, None, readonly=False)


@needs("access.role.view", "access.role.edit")
def role_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    try:
        role = selectors.get_role(pk)
    except NotFound:
        raise Http404 from None
    can_edit = actor.can("access.role.edit")
    if request.method == "POST" and not can_edit:
        raise Http404
    form = f.RoleForm(
        request.POST if request.method == "POST" else None,
        editing=True,
        initial=f.role_initial(role),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with f.form_errors(form) as done:
            role_services.update_role(
                actor=actor,
                role_id=role.pk,
                name=d["name"],
                permissions=d.get("permissions") or [],
                is_portal=bool(d.get("is_portal")),
            )
        if done:
            messages.success(request, _("Role %(code)s saved.") % {"code": role.code})
            return redirect("access:role-detail", role.pk)
    return _role_page(request, actor, form, role, readonly=not can_edit)
