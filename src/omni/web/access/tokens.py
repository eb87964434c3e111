"""我的 API 令牌: a user's own bearer tokens for integrations (ERP, WMS, scripts).

Any logged-in user may manage their own tokens; a token may be limited to some of the
user's permissions (a scoped token), never more. The secret is shown once, right after
creation, and stored only as a hash.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.access.services import tokens
from omni.kernel.errors import DomainError
from omni.kernel.permissions import all_permissions

from ..permissions import actor_for
from .forms import permission_label


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Token name"), max_length=100)
    permissions = forms.MultipleChoiceField(
        label=gettext_lazy("Only these permissions"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Leave all unticked to give the token all of your permissions."),
    )

    def __init__(self, *args, held: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["permissions"].choices = [(p, permission_label(p)) for p in held]


@login_required
def my_tokens(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    held = sorted(p for p in all_permissions() if actor.can(p))
    form = TokenForm(request.POST or None, held=held)
    if request.method == "POST" and request.POST.get("op") == "revoke":
        try:
            token_id = int(request.POST.get("token", ""))
        except ValueError:
            token_id = 0
        if tokens.revoke_token(actor=actor, token_id=token_id):
            messages.success(request, _("The token was revoked."))
        else:
            messages.error(request, _("No such active token."))
        return redirect("access:tokens")
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["permissions"] or None
        try:
            issued = tokens.create_token(
                actor=actor, name=form.cleaned_data["name"], permissions=chosen
            )
        except DomainError as err:
            form.add_error(None, str(err.message))
        else:
            request.session["access.new_token"] = issued.token
            return redirect("access:tokens")
    response = render(
        request,
        "access/my_tokens.html",
        {
            "active": "tokens",
            "form": form,
            "tokens": tokens.list_tokens(actor=actor)[:100],
            "new_token": request.session.pop("access.new_token", None),
        },
    )
    response["Cache-Control"] = "no-store"  # the page may show a secret once
    return response
