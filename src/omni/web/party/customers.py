"""Customer pages: create, edit, and the detail page with its tabs and actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.kernel.actors import Actor
from omni.party import selectors
from omni.party.services import customers
from omni.party.states import (
    CUSTOMER_FLOW,
    REASON_REQUIRED,
    CustomerStatus,
)
from omni.web import audit_display
from omni.web.outcomes import flash_errors
from omni.web.permissions import needs

from ..nav import is_portal
from . import forms as f
from .common import (
    CUSTOMER_ACTIONS,
    _customer_data,
    _get_customer,
    _page,
    _place,
    _status_rows,
)


@needs("party.customer.create")
def customer_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = f.CustomerForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        with f.form_errors(form) as done:
            customer = customers.create_customer(
                actor=actor, code=form.cleaned_data["code"], data=_customer_data(form)
            )
        if done:
            messages.success(request, _("Customer %(code)s created.") % {"code": customer.code})
            return redirect("party:customer-detail", customer.pk)
    return render(
        request,
        "party/customer_form.html",
        _page(
            actor,
            "customers",
            form=form,
            customer=None,
            upper_suggestions=f.upper_suggestions(actor),
            breadcrumbs=[(gettext_lazy("Customers"), reverse("party:customers")), (_("New"), None)],
        ),
    )


@needs("party.customer.edit")
def customer_edit(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    customer = _get_customer(actor, pk)
    form = f.CustomerForm(
        request.POST or None,
        actor=actor,
        editing=True,
        initial=f.customer_initial(customer),
    )
    if request.method == "POST" and form.is_valid():
        with f.form_errors(form) as done:
            customers.update_customer(
                actor=actor,
                customer_id=customer.pk,
                data=_customer_data(form, account_manager_id=customer.account_manager_id),
            )
        if done:
            messages.success(request, _("Customer %(code)s saved.") % {"code": customer.code})
            return redirect("party:customer-detail", customer.pk)
    return render(
        request,
        "party/customer_form.html",
        _page(
            actor,
            "customers",
            form=form,
            customer=customer,
            upper_suggestions=f.upper_suggestions(actor),
            breadcrumbs=[
                (gettext_lazy("Customers"), reverse("party:customers")),
                (customer.name, reverse("party:customer-detail", args=[customer.pk])),
                (_("Edit"), None),
            ],
        ),
    )


def _customer_post(
    request: HttpRequest, actor: Actor, customer: Any, bound: dict[str, Any]
) -> HttpResponse | None:
    """Handle one of the detail page's forms; a redirect on success, None to re-render."""
    op = request.POST.get("op", "")
    url = reverse("party:customer-detail", args=[customer.pk])
    if op == "status":
        allowed = CUSTOMER_FLOW.allowed_actions(customer.status)
        form = f.StatusActionForm(request.POST, actions=allowed)
        if not form.is_valid():
            messages.error(request, _("This action is not allowed in the current status."))
            return redirect(url)
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"].strip()
        if action in REASON_REQUIRED and not reason:
            messages.error(request, _("Give a reason for this action."))
            return redirect(url)
        with flash_errors(request) as ok:
            changed = customers.change_customer_status(
                actor=actor, customer_id=customer.pk, action=action, reason=reason
            )
        if ok:
            messages.success(
                request,
                _("Status changed to %(status)s.") % {"status": changed.get_status_display()},
            )
        return redirect(url)
    if op in ("remove", "default"):
        kind = request.POST.get("kind", "")
        tab = {"contact": "contacts", "address": "addresses", "bank_account": "bank"}.get(kind, "")
        try:
            item_id = int(request.POST.get("item", ""))
            with flash_errors(request, _("Saved.")):
                if op == "remove":
                    customers.remove_customer_detail(
                        actor=actor, customer_id=customer.pk, kind=kind, item_id=item_id
                    )
                else:
                    customers.set_default_detail(
                        actor=actor, customer_id=customer.pk, kind=kind, item_id=item_id
                    )
        except ValueError:
            raise Http404 from None
        return redirect(f"{url}#{tab}")
    handlers: dict[str, tuple[type, str, Callable[[Any], Any]]] = {
        "contact": (
            f.ContactForm,
            "contacts",
            lambda d: customers.add_contact(actor=actor, customer_id=customer.pk, **d),
        ),
        "address": (
            f.AddressForm,
            "addresses",
            lambda d: customers.add_address(
                actor=actor,
                customer_id=customer.pk,
                district_code=d["district"],
                street=d["street"],
                receiver=d["receiver"],
                phone=d["phone"],
                is_default=d["is_default"],
            ),
        ),
        "bank": (
            f.BankAccountForm,
            "bank",
            lambda d: customers.add_bank_account(actor=actor, customer_id=customer.pk, **d),
        ),
    }
    if op not in handlers:
        return redirect(url)
    form_class, tab, call = handlers[op]
    form = form_class(request.POST)
    bound[op], bound["open_tab"] = form, tab
    if form.is_valid():
        with f.form_errors(form) as done:
            call(form.cleaned_data)
        if done:
            messages.success(request, _("Saved."))
            return redirect(f"{url}#{tab}")
    return None


@needs("party.customer.view")
def customer_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    customer = _get_customer(actor, pk)
    bound: dict[str, Any] = {}
    if request.method == "POST":
        response = _customer_post(request, actor, customer, bound)
        if response is not None:
            return response
    can_edit = actor.can("party.customer.edit")
    status_labels = dict(CustomerStatus.choices)
    actions = [
        (a, CUSTOMER_ACTIONS.get(a, a), a in REASON_REQUIRED)
        for a in CUSTOMER_FLOW.allowed_actions(customer.status)
    ]
    return render(
        request,
        "party/customer_detail.html",
        _page(
            actor,
            "customers",
            customer=customer,
            place=_place(customer.region),
            contacts=customer.contacts.order_by("-is_primary", "pk"),
            addresses=customer.addresses.select_related("province", "city", "district").order_by(
                "-is_default", "pk"
            ),
            bank_accounts=customer.bank_accounts.order_by("pk"),
            # the upper-level customer is linked only when this actor may open it
            upper_visible=customer.upper_id is not None
            and selectors.list_customers_in_scope(actor).filter(pk=customer.upper_id).exists(),
            lower_customers=selectors.list_customers_in_scope(actor)
            .filter(upper_id=customer.pk)
            .select_related("org", "customer_class")
            .order_by("code"),
            status_rows=_status_rows(type(customer), customer.pk, status_labels),
            status_actions=actions if actor.can("party.customer.approve") else [],
            can_edit=can_edit,
            contact_form=bound.get("contact") or f.ContactForm(),
            address_form=bound.get("address") or f.AddressForm(),
            bank_form=bound.get("bank") or f.BankAccountForm(),
            open_tab=bound.get("open_tab"),
            tabs=[
                ("basic", gettext_lazy("Basic information")),
                ("contacts", gettext_lazy("Contacts")),
                ("addresses", gettext_lazy("Addresses")),
                ("bank", gettext_lazy("Bank accounts")),
                ("lower", gettext_lazy("Lower-level customers")),
                ("status", gettext_lazy("Status history")),
            ],
            history=audit_display.history_rows("party.customer", customer.pk),
            breadcrumbs=[(customer.name, None)]
            if is_portal(actor)
            else [(gettext_lazy("Customers"), reverse("party:customers")), (customer.name, None)],
        ),
    )
