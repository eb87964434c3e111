"""The one-time link a new portal user (an approved applicant) follows to choose their
password. Public URL; the link itself is the credential (access.services.portal)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from omni.access.services import portal
from omni.kernel.errors import DomainError


class ChoosePasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("New password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("New password again"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


@never_cache
def welcome(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = portal.check_setup_link(uidb64=uidb64, token=token)
    except DomainError as err:
        return render(request, "access/welcome.html", {"error": err.message}, status=404)
    form = ChoosePasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            portal.set_password_with_link(
                uidb64=uidb64, token=token, password=form.cleaned_data["password"]
            )
        except DomainError as err:
            details = err.details.get("password")
            form.add_error("password", " ".join(details) if details else str(err.message))
        else:
            messages.success(request, _("Your password is set. Log in with your username."))
            return redirect(f"{_login_url()}?username={user.get_username()}")
    return render(request, "access/welcome.html", {"form": form, "username": user.username})


def _login_url() -> str:
    from django.urls import reverse

    return reverse("web:login")


# --- what the approver and the applicant see of the new login ----------------------------


def _view(request: HttpRequest, login: portal.PortalLogin | None) -> dict | None:
    if login is None:
        return {"pending": True}
    from django.urls import reverse

    url = None
    if login.uidb64 and login.token:
        url = request.build_absolute_uri(
            reverse("web:welcome", kwargs={"uidb64": login.uidb64, "token": login.token})
        )
    return {"username": login.username, "password_set": login.password_set, "setup_url": url}


def login_for_approver(request: HttpRequest, actor, customer_id: int | None) -> dict | None:
    """The portal login of an approved application's customer, for its detail page."""
    if customer_id is None:
        return None
    try:
        return _view(request, portal.find_portal_login(actor, customer_id))
    except DomainError:
        return None  # not theirs to see: the page shows nothing


def login_for_applicant(request: HttpRequest, customer_id: int | None) -> dict | None:
    """For the applicant's private status page (the status token was checked)."""
    if customer_id is None:
        return None
    return _view(request, portal.applicant_login(customer_id))
