"""Deposit interest (保证金利息): the organisations' yearly rates, the form finance sets a
rate with (what PUT /api/v1/ledger/interest-policies/{org_id} needs), and the interest paid
in the last months. Console page: organisation scopes only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.kernel.actors import Actor
from omni.ledger import selectors
from omni.ledger.calculations import from_minor
from omni.ledger.services import interest
from omni.ledger.types import EntryKind
from omni.tenancy.scope import path_ids
from omni.tenancy.selectors import list_organizations

from ..forms import ErrorPlacement
from ..outcomes import form_errors
from ..permissions import needs_all
from .common import fund_page

VIEW = ("ledger.account.view", "ledger.entry.view")
EDIT = "ledger.account.edit"  # what set_interest_policy (and the API route) needs
RECENT = 50


class InterestPolicyForm(forms.Form):
    org = forms.ChoiceField(label=gettext_lazy("Organisation"))
    annual_rate = forms.DecimalField(
        label=gettext_lazy("Annual rate (%)"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=7,
        decimal_places=4,
        help_text=gettext_lazy(
            "Deposit accounts of the organisation and of those below it without a rate of "
            "their own earn it, paid monthly into the customer's allowance account."
        ),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = list_organizations(actor, mode="write").order_by("path")
        self.fields["org"].choices = [
            (str(o.pk), "\u3000" * (len(path_ids(o.path)) - 1) + o.name) for o in orgs
        ]


PLACEMENT = ErrorPlacement(
    code_fields={"invalid_amount": "annual_rate", "not_found": "org"},
    detail_keys="field_only",
)


def rate_text(rate: Decimal) -> str:
    """1.5000 -> "1.5", 10.0000 -> "10"."""
    return f"{rate.normalize():f}"


def _recent(actor: Actor) -> list[dict[str, Any]]:
    """The latest interest postings on customer accounts the actor may read."""
    postings = (
        selectors.list_postings(actor, permission="ledger.entry.view")
        .filter(entry__kind=EntryKind.INTEREST, account__customer__isnull=False)
        .select_related("account__customer")
        .order_by("-business_date", "-id")[:RECENT]
    )
    return [
        {
            "posting": p,
            "customer": p.account.customer.name,
            "amount": from_minor(p.amount, p.account.type.places),
        }
        for p in postings
    ]


@needs_all(*VIEW)
def interest_policies(request: HttpRequest, actor: Actor) -> HttpResponse:
    can_edit = actor.can(EDIT)
    form = None
    if can_edit:
        form = InterestPolicyForm(request.POST or None, actor=actor)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            with form_errors(form, placement=PLACEMENT) as done:
                policy = interest.set_interest_policy(
                    actor=actor,
                    org_id=int(d["org"]),
                    annual_rate=d["annual_rate"],
                    is_active=d["is_active"],
                )
            if done:
                messages.success(
                    request,
                    _("Deposit interest of %(org)s set to %(rate)s%% a year.")
                    % {"org": policy.org.name, "rate": rate_text(policy.annual_rate)},
                )
                return redirect("ledger:interest")
    return render(
        request,
        "ledger/interest.html",
        fund_page(
            actor,
            "interest",
            policies=[
                {"policy": p, "rate": rate_text(p.annual_rate)}
                for p in selectors.list_interest_policies(actor)
            ],
            form=form,
            recent=_recent(actor),
        ),
    )
