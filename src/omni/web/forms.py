"""Console forms (filter bars and the like). Validation messages come from Django's own
translations (zh-Hans by default) or from our .po file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from omni.access.errors import InvalidCredentials
from omni.access.services.logins import check_password_login
from omni.kernel.errors import DomainError
from omni.kernel.requestid import client_ip
from omni.kernel.throttle import Throttled


@dataclass(frozen=True)
class ErrorPlacement:
    """Where one app's service errors go on its forms, and what they say there.

    The field is found from the error code (the call's `fields`, the form class's
    `code_fields`, then `code_fields` here), then from the names in the error's details (the
    call's `fields`, the form class's `detail_fields`, then `detail_fields` here, else the name
    itself). The first candidate that is a field of the form wins; else the error goes above
    the form."""

    code_fields: Mapping[str, str] = field(default_factory=dict)
    detail_fields: Mapping[str, str] = field(default_factory=dict)
    # Shown wherever the error lands, instead of the service's message.
    code_messages: Mapping[str, Any] = field(default_factory=dict)
    # Shown when the error lands on a field (error code -> message).
    field_messages: Mapping[str, Any] = field(default_factory=dict)
    # For "invalid_input" on a field: that field's own wording (field -> message) ...
    input_messages: Mapping[str, Any] = field(default_factory=dict)
    # ... or, for these fields, the service's own words from `details[field]`.
    details_as_message: tuple[str, ...] = ()
    # (code, details["field"]) -> (form field, message): checked before anything else.
    exact: Mapping[tuple[str, str], tuple[str, Any]] = field(default_factory=dict)
    # Which detail names to look at: all of them; `details["field"]` first, then the others;
    # or only `details["field"]`.
    detail_keys: Literal["all", "field_first", "field_only"] = "all"
    # Only the first field named is tried (a later candidate is not a fallback).
    first_only: bool = False
    # A disabled field is not a target (the error goes above the form).
    skip_disabled: bool = False


def _detail_keys(details: Mapping[str, Any], how: str) -> list[str]:
    if how == "all":
        return list(details)
    named = details.get("field")
    keys = [named] if isinstance(named, str) else []
    return keys if how == "field_only" else keys + [k for k in details if k != "field"]


def add_domain_error(
    form: forms.Form,
    err: DomainError,
    *,
    placement: ErrorPlacement,
    fields: Mapping[str, str] | None = None,
) -> None:
    """Show a service error on the field it is about, or above the form (see
    `ErrorPlacement`); `fields` overrides the placement for one form (code or detail name ->
    field)."""
    fields = fields or {}
    details = err.details or {}
    named = details.get("field")
    if isinstance(named, str) and (err.code, named) in placement.exact:
        form.add_error(*placement.exact[(err.code, named)])
        return
    form_codes: Mapping[str, str] = getattr(form, "code_fields", {})
    form_details: Mapping[str, str] = getattr(form, "detail_fields", {})
    code = err.code
    candidates = [fields.get(code), form_codes.get(code), placement.code_fields.get(code)]
    candidates += [
        fields.get(k) or form_details.get(k) or placement.detail_fields.get(k, k)
        for k in _detail_keys(details, placement.detail_keys)
    ]
    if placement.first_only:
        candidates = [c for c in candidates if c][:1]
    target = next(
        (
            c
            for c in candidates
            if c and c in form.fields and not (placement.skip_disabled and form.fields[c].disabled)
        ),
        None,
    )
    message: Any = placement.code_messages.get(code, err.message)
    if target is not None and code in placement.field_messages:
        message = placement.field_messages[code]
    elif target is not None and code == "invalid_input":
        if target in placement.details_as_message and details.get(target):
            message = " ".join(str(m) for m in details[target])
        else:
            message = placement.input_messages.get(target, _("Enter a valid value."))
    form.add_error(target, message)


CODE_OR_NAME = _("Code or name")


def search_field(label: Any = CODE_OR_NAME, placeholder: Any = None) -> forms.CharField:
    """The search box of a list's filter bar."""
    attrs: dict[str, Any] = {"type": "search"}
    if placeholder is not None:
        attrs["placeholder"] = placeholder
    return forms.CharField(
        label=label, required=False, max_length=60, widget=forms.TextInput(attrs=attrs)
    )


def choice_filter(label: Any, choices: Iterable[tuple[str, Any]]) -> forms.ChoiceField:
    """A filter bar's drop-down: "All" first, then `choices` (a TextChoices' .choices)."""
    return forms.ChoiceField(label=label, required=False, choices=[("", _("All")), *choices])


class FilterForm(forms.Form):
    """A list's filter bar: invalid fields are shown on the page and left out of the filter."""

    @property
    def valid_data(self) -> dict[str, Any]:
        """The valid fields' values (nothing when the bar is not bound)."""
        return getattr(self, "cleaned_data", {}) if self.is_bound else {}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _label(choice: tuple[str, str]) -> str:
    return choice[1]


class AuditFilterForm(forms.Form):
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    action = forms.CharField(
        label=_("Action contains"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. price")}),
    )
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    date_from = forms.DateField(label=_("From date"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To date"), required=False, widget=DateInput())

    def __init__(self, *args: Any, object_types: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .audit_display import object_type_label

        labelled = sorted(((t, str(object_type_label(t))) for t in object_types), key=_label)
        self.fields["object_type"].choices = [("", _("All")), *labelled]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start: dt.date | None = data.get("date_from")
        end: dt.date | None = data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class ThrottledLoginForm(AuthenticationForm):
    """Django's login form, but the password is checked by `access.services.logins`:
    throttled after repeated failures, and every attempt audited."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = check_password_login(
                    username=username,
                    password=password,
                    ip=client_ip(self.request) if self.request else "",
                    channel="web",
                    request_id=getattr(self.request, "request_id", ""),
                )
            except Throttled:
                raise forms.ValidationError(
                    _("Too many failed attempts. Try again in 15 minutes."),
                    code="too_many_requests",
                ) from None
            except InvalidCredentials:
                raise self.get_invalid_login_error() from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
