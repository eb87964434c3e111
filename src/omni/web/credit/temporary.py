"""Temporary credit pages (临时信用): the list with filters and export, the request form, and
the credit's page where an approver approves, rejects or revokes it and the requester
withdraws it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.credit import selectors
from omni.credit.models import TemporaryCreditStatus
from omni.credit.services import temporary
from omni.credit.states import TEMPORARY_FLOW
from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.ledger.calculations import from_minor

from ..forms import DateInput, ErrorPlacement, FilterForm, choice_filter, search_field
from ..ledger.common import customer_choices
from ..outcomes import flash_errors, form_errors
from ..permissions import needs, needs_all
from ..tables import Column, ListPage, Table, badge, detail_link, filtered_by, narrowed, timestamp
from .views import credit_page

VIEW = "credit.temporary.view"
STATUS_CSS = {
    "requested": "prospect",
    "active": "active",
    "rejected": "exited",
    "cancelled": "exited",
    "expired": "suspended",
    "revoked": "suspended",
}


def _money(minor: int) -> str:
    return f"{from_minor(minor, 2):,}"


TEMPORARY = Table(
    "credit.temporary",
    title=gettext_lazy("Temporary credit"),
    default_sort="-requested_at",
    row_attrs=lambda r: {"data-credit": r.pk},
    columns=[
        Column(
            "customer",
            gettext_lazy("Customer"),
            "customer.name",
            sort=("customer__name", "pk"),
            link=detail_link("credit:temporary-detail"),
        ),
        Column(
            "amount",
            gettext_lazy("Amount"),
            lambda r: _money(r.amount),
            sort=("amount", "pk"),
            export=lambda r: from_minor(r.amount, 2),
            css="num",
        ),
        Column(
            "expires_on",
            gettext_lazy("Expires on"),
            "expires_on",
            format="date",
            sort=("expires_on", "pk"),
        ),
        Column("reason", gettext_lazy("Reason"), "reason"),
        Column(
            "manager",
            gettext_lazy("Account manager"),
            lambda r: (r.manager.display_name or r.manager.username) if r.manager_id else "",
        ),
        Column(
            "status",
            gettext_lazy("Status"),
            lambda r: r.get_status_display(),
            html=lambda r: badge(STATUS_CSS.get(r.status, ""), r.get_status_display()),
        ),
        Column("requested_by", gettext_lazy("Requested by"), "requested_by"),
        timestamp("requested_at", gettext_lazy("Requested at")),
    ],
)


class TemporaryFilterForm(FilterForm):
    search = search_field()
    status = choice_filter(gettext_lazy("Status"), TemporaryCreditStatus.choices)


def _page(actor: Actor, **context: Any) -> dict[str, Any]:
    return credit_page(actor, "temporary", **context)


TEMPORARY_LIST = ListPage(
    TEMPORARY,
    "credit/temporary_list.html",
    filtered_by(
        TemporaryFilterForm,
        narrowed(
            selectors.list_temporary,
            search=("customer__code", "customer__name"),
            exact={"status": "status"},
        ),
        with_actor=False,
    ),
    page=_page,
    export=("credit.temporary.export", "credit:temporary-export"),
    create="credit.temporary.request",
)
temporary_list = needs(VIEW)(TEMPORARY_LIST.view)
temporary_export = needs_all("credit.temporary.export", VIEW)(TEMPORARY_LIST.export_view)


class RequestForm(forms.Form):
    customer = forms.ChoiceField(label=gettext_lazy("Customer"))
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (CNY)"), min_value=0.01, max_digits=15, decimal_places=2
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on"),
        widget=DateInput(),
        help_text=gettext_lazy("The last day the credit may be used (at most a year ahead)."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices, self.fields["customer"].initial = customer_choices(actor)
        self.fields["expires_on"].initial = clock.today() + dt.timedelta(days=30)


PLACEMENT = ErrorPlacement(
    code_fields={
        "invalid_amount": "amount",
        "invalid_expiry": "expires_on",
        "reason_required": "reason",
        "unknown_customer": "customer",
    }
)


@needs("credit.temporary.request")
def temporary_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = RequestForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with form_errors(form, placement=PLACEMENT) as done:
            row = temporary.request_temporary_credit(
                actor=actor,
                customer_id=int(d["customer"]),
                amount=d["amount"],
                expires_on=d["expires_on"],
                reason=d["reason"],
            )
        if done:
            messages.success(request, _("Temporary credit requested: it waits for approval."))
            return redirect("credit:temporary-detail", row.pk)
    return render(request, "credit/temporary_form.html", _page(actor, form=form))


# action → (service, needs a note, permission, message)
ACTIONS = {
    "approve": (
        temporary.approve_temporary_credit,
        False,
        "credit.temporary.approve",
        gettext_lazy("Temporary credit approved: the amount is available until its date."),
    ),
    "reject": (
        temporary.reject_temporary_credit,
        True,
        "credit.temporary.approve",
        gettext_lazy("Temporary credit rejected."),
    ),
    "revoke": (
        temporary.revoke_temporary_credit,
        True,
        "credit.temporary.approve",
        gettext_lazy("Temporary credit revoked: what is unused has been taken back."),
    ),
    "cancel": (
        temporary.cancel_temporary_credit,
        None,
        "credit.temporary.request",
        gettext_lazy("Request withdrawn."),
    ),
}


def _allowed(actor: Actor, row: Any) -> list[str]:
    """The actions this user may take on this credit now (no button leads to a refusal)."""
    out = []
    for action in TEMPORARY_FLOW.allowed_actions(row.status):
        spec = ACTIONS.get(action)
        if spec is None or not actor.can(spec[2]):
            continue
        if action == "approve" and row.requested_by == actor.name:
            continue  # four eyes
        if action == "cancel" and row.requested_by != actor.name:
            continue
        out.append(action)
    return out


@needs(VIEW)
def temporary_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    row = selectors.get_temporary(actor, pk)
    allowed = _allowed(actor, row)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in allowed:
            service, with_note, _perm, message = ACTIONS[action]
            note = (request.POST.get("note") or "").strip()
            with flash_errors(request, str(message)):
                if with_note is None:
                    service(actor=actor, credit_id=pk)
                else:
                    service(actor=actor, credit_id=pk, note=note)
        return redirect("credit:temporary-detail", pk)
    return render(
        request,
        "credit/temporary_detail.html",
        _page(
            actor,
            credit=row,
            amount=from_minor(row.amount, 2),
            withdrawn=from_minor(row.withdrawn, 2),
            owed=from_minor(row.amount - row.withdrawn, 2)
            if row.status in ("expired", "revoked")
            else None,
            allowed=allowed,
            tabs=[],
            history=audit.history_rows("credit.temporarycredit", pk),
        ),
    )
