"""Forms for the users & roles pages. They check shapes (required, lengths, choices); the rules
live in `omni.access.services`, whose errors `add_domain_error` puts on the right field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from omni.access import selectors
from omni.access.filters import UserFilter
from omni.access.models import Role, ScopeKind, User
from omni.kernel.actors import Actor
from omni.kernel.filters import build
from omni.kernel.permissions import ACTION_LABELS, STANDARD_ACTIONS, modules

from .. import forms as web_forms
from .. import outcomes
from ..forms import ErrorPlacement, FilterForm, search_field
from ..widgets import CheckboxPicker

CUSTOMER_SUGGESTIONS = 300


def _all() -> list[tuple[str, Any]]:
    return [("", _("All"))]


def int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def org_choices(actor: Actor) -> list[tuple[str, str]]:
    orgs = list(selectors.list_organizations(actor).order_by("path"))
    top = min((o.path.count("/") for o in orgs), default=0)
    return [(str(o.pk), f"{'　' * (o.path.count('/') - top)}{o.name} ({o.code})") for o in orgs]


def sales_region_choices(actor: Actor) -> list[tuple[str, str]]:
    return [
        (str(r.pk), f"{r.name} ({r.code})")
        for r in selectors.list_sales_regions(actor).order_by("code")
    ]


def customer_suggestions(actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of customers in scope, for a <datalist>."""
    qs = selectors.list_customers(actor).order_by("code").values_list("code", "name")
    return list(qs[:CUSTOMER_SUGGESTIONS])


def role_choices(*, portal: bool | None = None) -> list[tuple[str, str]]:
    return [(str(r.pk), f"{r.name} ({r.code})") for r in selectors.list_roles(is_portal=portal)]


def _customer_by_code(actor: Actor, code: str) -> Any:
    return selectors.list_customers(actor).filter(code=code).first()


# --- error mapping ------------------------------------------------------------------------------

# Service error code -> form field.
CODE_FIELDS: dict[str, str] = {
    "username_taken": "username",
    "duplicate_code": "code",
    "unknown_permission": "permissions",
    "invalid_phone": "phone",
    "portal_role_mismatch": "role",
    "duplicate_assignment": "role",
}
# Names the services use in `details` -> form field names.
DETAIL_FIELDS: dict[str, str] = {
    "org_id": "org",
    "customer_id": "customer",
    "role_id": "role",
    "sales_region_ids": "sales_regions",
    "customer_ids": "customers",
    "is_superuser": "is_superuser",
}
CODE_MESSAGES: dict[str, Any] = {
    "username_taken": _("This username is already taken."),
    "not_found": _("Unknown or invalid value."),
}


PLACEMENT = ErrorPlacement(
    code_fields=CODE_FIELDS,
    detail_fields=DETAIL_FIELDS,
    code_messages=CODE_MESSAGES,
    details_as_message=("password",),
)
add_domain_error = partial(web_forms.add_domain_error, placement=PLACEMENT)
form_errors = partial(outcomes.form_errors, placement=PLACEMENT)


# --- users --------------------------------------------------------------------------------------


class UserFilterForm(FilterForm):
    search = search_field(_("Search"), _("Username / name / phone"))
    role = forms.ChoiceField(label=_("Role"), required=False)
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Deactivated"))],
    )
    org = forms.ChoiceField(label=_("Organisation"), required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _all() + role_choices()
        self.fields["org"].choices = _all() + org_choices(actor)

    def filters(self) -> UserFilter:
        """The users filter (`omni.access.filters`, shared with the API) from the valid
        fields (invalid ones are left out)."""
        data = self.valid_data
        active = data.get("active")
        return build(
            UserFilter,
            {
                "search": data.get("search"),
                "role_id": int_or_none(data.get("role")),
                "is_active": None if active not in ("0", "1") else active == "1",
                "org_id": int_or_none(data.get("org")),
            },
        )


class UserForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ ; used to log in."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    display_name = forms.CharField(label=_("Full name"), max_length=100, required=False)
    password = forms.CharField(
        label=_("Initial password"),
        max_length=128,
        min_length=8,
        help_text=_("At least 8 characters; the user should change it after logging in."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    org = forms.ChoiceField(label=_("Organisation"), required=False)
    customer = forms.CharField(
        label=_("Bound customer"),
        max_length=32,
        required=False,
        help_text=_("Dealer and store users only: the code of their customer."),
        widget=forms.TextInput(attrs={"list": "customer-suggestions", "autocomplete": "off"}),
    )
    is_superuser = forms.BooleanField(label=_("Superuser"), required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["org"].choices = [("", "—"), *org_choices(actor)]
        if not actor.superuser:
            del self.fields["is_superuser"]

    def clean_customer(self) -> int | None:
        code = (self.cleaned_data.get("customer") or "").strip()
        if not code:
            return None
        customer = _customer_by_code(self.actor, code)
        if customer is None:
            raise forms.ValidationError(_("Unknown customer."))
        return customer.pk

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        missing = not data.get("org") and not data.get("customer")
        missing = missing and "org" not in self.errors and "customer" not in self.errors
        if missing and not selectors.sees_everything(self.actor):
            self.add_error("org", _("Choose an organisation or a customer."))
        return data


class UserEditForm(forms.Form):
    display_name = forms.CharField(label=_("Full name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)


class DeactivateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=_("New password"),
        max_length=128,
        required=False,
        help_text=_("Leave empty to generate one; it is shown once."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def split_codes(raw: str) -> list[str]:
    return [c for c in re.split(r"[\s,，;；]+", raw or "") if c]


class AssignmentForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    scope_kind = forms.ChoiceField(
        label=_("Data scope"), choices=ScopeKind.choices, widget=forms.RadioSelect
    )
    org = forms.ChoiceField(label=_("Organisation"), required=False)
    sales_regions = forms.MultipleChoiceField(
        label=_("Sales regions"),
        required=False,
        widget=CheckboxPicker,
    )
    customers = forms.CharField(
        label=_("Customers"),
        required=False,
        max_length=20000,
        help_text=_("Customer codes, separated by commas or new lines."),
        widget=forms.Textarea(attrs={"rows": 3, "list": "customer-suggestions"}),
    )

    def __init__(self, *args: Any, actor: Actor, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault(
            "scope_kind", ScopeKind.OWN if user.customer_id else ScopeKind.ORG
        )
        super().__init__(*args, **kwargs)
        self.actor = actor
        portal = bool(user.customer_id)
        self.fields["role"].choices = [("", _("— choose —")), *role_choices(portal=portal)]
        self.fields["org"].choices = [("", _("— choose —")), *org_choices(actor)]
        self.fields["sales_regions"].choices = sales_region_choices(actor)

    def clean_customers(self) -> list[int]:
        codes = split_codes(self.cleaned_data.get("customers") or "")
        if not codes:
            return []
        found = dict(
            selectors.list_customers(self.actor).filter(code__in=codes).values_list("code", "pk")
        )
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown customers: %(codes)s") % {"codes": ", ".join(unknown[:20])}
            )
        return sorted({found[c] for c in codes})


# --- roles --------------------------------------------------------------------------------------


class RoleFilterForm(FilterForm):
    search = search_field()
    kind = forms.ChoiceField(
        label=_("Role type"),
        required=False,
        choices=[("", _("All")), ("staff", _("Brand staff")), ("portal", _("Portal (dealers)"))],
    )


def matrix_actions() -> list[str]:
    """Columns of the permission matrix: the standard actions, then any others registered."""
    extra = sorted({a for m in modules() for a in m.actions} - set(STANDARD_ACTIONS))
    return [*STANDARD_ACTIONS, *extra]


# the kernel's ACTION_LABELS are Chinese literals; the console shows them in the user's language
ACTION_NAMES = {
    "view": _("View"),
    "create": _("New"),
    "edit": _("Edit"),
    "approve": _("Review"),
    "export": _("Export"),
    "delete": _("Delete"),
    "import": _("Import"),
}


def action_label(action: str) -> str:
    return str(ACTION_NAMES.get(action) or ACTION_LABELS.get(action, action))


def permission_label(permission: str) -> str:
    """'catalog.product.view' as the user reads it: 'Products · View'."""
    key, _dot, action = permission.rpartition(".")
    module = next((m for m in modules() if m.key == key), None)
    return f"{module.label} · {action_label(action)}" if module else permission


class RoleForm(forms.Form):
    code = forms.CharField(
        label=_("Role code"),
        max_length=32,
        help_text=_("1 to 32 letters, digits, dots, dashes or underscores; cannot change later."),
    )
    name = forms.CharField(label=_("Role name"), max_length=60)
    is_portal = forms.BooleanField(label=_("Portal role (dealer and store users)"), required=False)
    permissions = forms.MultipleChoiceField(
        label=_("Permissions"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]
        self.fields["permissions"].choices = [(p, p) for m in modules() for p in m.permissions()]

    def matrix(self, actor: Actor, *, readonly: bool = False) -> list[dict[str, Any]]:
        """Rows (one per module) of cells (one per action column) for the template."""
        if self.is_bound:
            chosen = set(self.data.getlist(self.add_prefix("permissions")))
        else:
            chosen = set(self.initial.get("permissions") or [])
        rows = []
        for m in modules():
            cells = []
            for action in matrix_actions():
                perm = f"{m.key}.{action}"
                cells.append(
                    {
                        "action": action,
                        "permission": perm if action in m.actions else None,
                        "checked": perm in chosen,
                        "locked": readonly or not actor.can(perm),
                    }
                )
            rows.append({"key": m.key, "label": m.label, "cells": cells})
        return rows


def role_initial(role: Role) -> dict[str, Any]:
    return {
        "name": role.name,
        "is_portal": role.is_portal,
        "permissions": list(role.permissions or []),
    }


def stale_permissions(perms: Iterable[str]) -> list[str]:
    """Permissions a role holds that no module registers any more (dropped on save)."""
    known = {p for m in modules() for p in m.permissions()}
    return sorted(p for p in perms if p not in known)
