"""Console forms (filter bars and the like). Validation messages come from Django's own
translations (zh-Hans by default) or from our .po file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from omni.access.errors import InvalidCredentials
from omni.access.services.logins import check_password_login
from omni.kernel.requestid import client_ip
from omni.kernel.throttle import Throttled


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
