"""Credit limit pages (信用额度): the list with the ledger's numbers (limit, used, held,
available) and a form to set a customer's limit, term and policy."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.credit import selectors
from omni.credit.models import CreditPolicy, OverdueAction
from omni.credit.services import limits, overview
from omni.kernel.actors import Actor
from omni.ledger.calculations import from_minor

from ..forms import ErrorPlacement, FilterForm, choice_filter, search_field
from ..ledger.common import customer_choices
from ..outcomes import form_errors
from ..permissions import needs, needs_all
from ..tables import Column, ListPage, Table, filtered_by, narrowed


def _numbers(row: Any) -> dict[str, Any]:
    """Used, held, temporary and available from the sums `selectors.list_limits` annotates
    (the same arithmetic as the credit check)."""
    balance, frozen = row.balance_minor or 0, row.frozen_minor or 0
    temporary, owed = row.temporary_minor, row.owed_minor
    return {
        "used": from_minor(row.limit + temporary + owed - balance, 2),
        "held": from_minor(frozen, 2),
        "temporary": from_minor(temporary, 2),
        "available": from_minor(max(balance - frozen - owed, 0), 2),
    }


LIMITS = Table(
    "credit.limits",
    title=gettext_lazy("Credit limits"),
    default_sort="customer",
    row_attrs=lambda r: {"data-customer": r.customer_id},
    columns=[
        Column("customer", gettext_lazy("Customer"), "customer.name", sort=("customer__name",)),
        Column("code", gettext_lazy("Customer code"), "customer.code", format="code"),
        Column(
            "limit",
            gettext_lazy("Credit limit"),
            lambda r: f"{from_minor(r.limit, 2):,}",
            sort=("limit", "pk"),
            export=lambda r: from_minor(r.limit, 2),
            css="num",
        ),
        Column(
            "used",
            gettext_lazy("Used"),
            lambda r: f"{_numbers(r)['used']:,}",
            export=lambda r: _numbers(r)["used"],
            css="num",
        ),
        Column(
            "held",
            gettext_lazy("Held"),
            lambda r: f"{_numbers(r)['held']:,}",
            export=lambda r: _numbers(r)["held"],
            css="num",
        ),
        Column(
            "temporary",
            gettext_lazy("Temporary credit"),
            lambda r: f"{_numbers(r)['temporary']:,}",
            export=lambda r: _numbers(r)["temporary"],
            css="num",
        ),
        Column(
            "available",
            gettext_lazy("Available"),
            lambda r: f"{_numbers(r)['available']:,}",
            export=lambda r: _numbers(r)["available"],
            css="num",
        ),
        Column("term_days", gettext_lazy("Payment term (days)"), "term_days", css="num"),
        Column("policy", gettext_lazy("Over the limit"), lambda r: r.get_policy_display()),
    ],
)


class LimitFilterForm(FilterForm):
    search = search_field()
    policy = choice_filter(gettext_lazy("Over the limit"), CreditPolicy.choices)


def credit_page(actor: Actor, tab: str, **context: Any) -> dict[str, Any]:
    """Context of every credit page: the area, the tab, and which tabs this user may see."""
    return {
        "active": "credit",
        "tab": tab,
        "can_see_limits": actor.can("credit.limit.view"),
        "can_see_temporary": actor.can("credit.temporary.view"),
        **context,
    }


def _page(actor: Actor, **context: Any) -> dict[str, Any]:
    return credit_page(actor, "limits", **context)


@needs("credit.limit.view", "credit.temporary.view")
def credit_home(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The credit area's entry: the first tab this user may see."""
    return redirect("credit:dashboard" if actor.can("credit.limit.view") else "credit:temporary")


LIMIT_LIST = ListPage(
    LIMITS,
    "credit/limit_list.html",
    filtered_by(
        LimitFilterForm,
        narrowed(
            selectors.list_limits,
            search=("customer__code", "customer__name"),
            exact={"policy": "policy"},
        ),
        with_actor=False,
    ),
    page=_page,
    export=("credit.limit.export", "credit:limit-export"),
    create="credit.limit.edit",
)
limit_list = needs("credit.limit.view")(LIMIT_LIST.view)
limit_export = needs_all("credit.limit.export", "credit.limit.view")(LIMIT_LIST.export_view)


class LimitForm(forms.Form):
    customer = forms.ChoiceField(label=gettext_lazy("Customer"))
    limit = forms.DecimalField(
        label=gettext_lazy("Credit limit (CNY)"), min_value=0, max_digits=15, decimal_places=2
    )
    term_days = forms.IntegerField(
        label=gettext_lazy("Payment term (days)"), min_value=0, max_value=365, initial=30
    )
    policy = forms.ChoiceField(
        label=gettext_lazy("Over the limit"), choices=CreditPolicy.choices, initial="block"
    )
    warn_ratio = forms.IntegerField(
        label=gettext_lazy("Warning threshold (percent used)"),
        min_value=1,
        max_value=100,
        initial=80,
    )
    overdue_action = forms.ChoiceField(
        label=gettext_lazy("When anything is overdue"),
        choices=OverdueAction.choices,
        initial="block",
        required=False,  # older clients post without it: block, the default
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices, _initial = customer_choices(actor)


PLACEMENT = ErrorPlacement(
    code_fields={
        "limit_below_used": "limit",
        "invalid_amount": "limit",
        "not_found": "customer",
        "unknown_customer": "customer",
    }
)


@needs("credit.limit.edit")
def limit_edit(request: HttpRequest, actor: Actor) -> HttpResponse:
    initial: dict[str, Any] = {"customer": request.GET.get("customer", "")}
    if initial["customer"].isdigit():
        current = selectors.list_limits(actor).filter(customer_id=int(initial["customer"])).first()
        if current is not None:  # editing: the form starts from the limit as it is
            initial.update(
                limit=from_minor(current.limit, 2),
                term_days=current.term_days,
                policy=current.policy,
                warn_ratio=current.warn_ratio,
                overdue_action=current.overdue_action,
            )
    form = LimitForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with form_errors(form, placement=PLACEMENT) as done:
            limits.set_credit_limit(
                actor=actor,
                customer_id=int(d["customer"]),
                limit=d["limit"],
                term_days=d["term_days"],
                policy=d["policy"],
                warn_ratio=d["warn_ratio"],
                overdue_action=d["overdue_action"] or OverdueAction.BLOCK,
            )
        if done:
            messages.success(request, _("Credit limit saved."))
            return redirect("credit:limits")
    return render(request, "credit/limit_form.html", _page(actor, form=form))


def _yuan(minor: int) -> float:
    return float(from_minor(minor, 2))


@needs("credit.limit.view")
def dashboard(request: HttpRequest, actor: Actor) -> HttpResponse:
    """信用看板: exposure by region and customer, overdue, near the limit, expiring."""
    data = overview.credit_overview(actor)
    regions = data.by_region[:12]
    top = data.top_exposure
    totals = {
        name: f"{from_minor(data.total(name), 2):,}"
        for name in ("limit", "temporary", "used", "held", "available", "overdue")
    }
    charts = {
        "regions": {
            "labels": [r[0] or str(_("No sales region")) for r in regions],
            "series": [
                {"name": str(_("Used")), "data": [_yuan(r[1]) for r in regions], "stack": "x"},
                {"name": str(_("Held")), "data": [_yuan(r[2]) for r in regions], "stack": "x"},
                {"name": str(_("Overdue")), "data": [_yuan(r[3]) for r in regions]},
            ],
        },
        "customers": {
            "labels": [c.name for c in top],
            "horizontal": True,
            "series": [
                {"name": str(_("Used")), "data": [_yuan(c.used) for c in top], "stack": "x"},
                {"name": str(_("Held")), "data": [_yuan(c.held) for c in top], "stack": "x"},
            ],
        },
    }
    return render(
        request,
        "credit/dashboard.html",
        credit_page(
            actor,
            "dashboard",
            data=data,
            totals=totals,
            charts=charts,
            has_exposure=bool(regions),
            expiring_days=overview.EXPIRING_DAYS,
        ),
    )
