"""Offline transfer pages (线下转款): the list (console and portal), the registration form
(a dealer for itself, staff for a customer in their scope) with the voucher image, and the
transfer's page where finance confirms or rejects it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.ledger.calculations import from_minor
from omni.payment import selectors
from omni.payment.services import transfers
from omni.payment.states import TransferStatus

from ..forms import DateInput, ErrorPlacement, FilterForm, choice_filter, search_field
from ..outcomes import flash_errors, form_errors
from ..permissions import needs, needs_all
from ..tables import Column, ListPage, Table, badge, created_at, detail_link, filtered_by, narrowed
from .common import customer_choices, fund_page

VIEW = "payment.transfer.view"
STATUS_CSS = {"submitted": "prospect", "confirmed": "active", "rejected": "exited"}

TRANSFERS = Table(
    "payment.transfers",
    title=gettext_lazy("Offline transfers"),
    default_sort="-created_at",
    row_attrs=lambda t: {"data-reference": t.bank_reference},
    columns=[
        Column(
            "bank_reference",
            gettext_lazy("Bank reference"),
            "bank_reference",
            sort=("bank_reference",),
            format="code",
            link=detail_link("ledger:transfer-detail"),
        ),
        Column(
            "customer", gettext_lazy("Customer"), "customer.name", sort=("customer__name", "pk")
        ),
        Column(
            "amount",
            gettext_lazy("Amount"),
            lambda t: f"{from_minor(t.amount, 2):,}",
            sort=("amount", "pk"),
            export=lambda t: from_minor(t.amount, 2),
            css="num",
        ),
        Column(
            "paid_on", gettext_lazy("Paid on"), "paid_on", format="date", sort=("paid_on", "pk")
        ),
        Column("payer_name", gettext_lazy("Payer"), "payer_name"),
        Column(
            "status",
            gettext_lazy("Status"),
            lambda t: t.get_status_display(),
            html=lambda t: badge(STATUS_CSS.get(t.status, ""), t.get_status_display()),
        ),
        created_at(gettext_lazy("Registered at"), format="datetime"),
    ],
)


class TransferFilterForm(FilterForm):
    search = search_field(gettext_lazy("Bank reference or customer"))
    status = choice_filter(gettext_lazy("Status"), TransferStatus.choices)


def _page(actor: Actor, **context: Any) -> dict[str, Any]:
    return fund_page(actor, "transfers", **context)


TRANSFER_LIST = ListPage(
    TRANSFERS,
    "ledger/transfer_list.html",
    filtered_by(
        TransferFilterForm,
        narrowed(
            selectors.list_transfers,
            search=("bank_reference", "customer__name"),
            exact={"status": "status"},
        ),
        with_actor=False,
    ),
    page=_page,
    export=("payment.transfer.export", "ledger:transfer-export"),
    create="payment.transfer.create",
)
transfer_list = needs(VIEW)(TRANSFER_LIST.view)
transfer_export = needs_all("payment.transfer.export", VIEW)(TRANSFER_LIST.export_view)


class TransferForm(forms.Form):
    customer = forms.ChoiceField(label=gettext_lazy("Customer"))
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (CNY)"), min_value=0.01, max_digits=15, decimal_places=2
    )
    bank_reference = forms.RegexField(
        label=gettext_lazy("Bank reference"),
        regex=r"^[A-Za-z0-9_-]{1,64}$",
        max_length=64,
        help_text=gettext_lazy("The transaction number on the bank slip (letters and digits)."),
    )
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), widget=DateInput())
    payer_name = forms.CharField(label=gettext_lazy("Payer"), max_length=120)
    voucher = forms.FileField(
        label=gettext_lazy("Voucher image"),
        help_text=gettext_lazy(
            "A photo or scan of the bank slip: JPEG, PNG or WebP, at most 5 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices, self.fields["customer"].initial = customer_choices(actor)
        self.fields["paid_on"].initial = clock.today()


PLACEMENT = ErrorPlacement(
    code_fields={
        "invalid_amount": "amount",
        "invalid_voucher": "voucher",
        "invalid_bank_reference": "bank_reference",
        "duplicate_bank_reference": "bank_reference",
        "invalid_paid_on": "paid_on",
        "unknown_customer": "customer",
    }
)


@needs("payment.transfer.create")
def transfer_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = TransferForm(request.POST or None, request.FILES or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        upload = d["voucher"]
        with form_errors(form, placement=PLACEMENT) as done:
            transfer = transfers.register_transfer(
                actor=actor,
                customer_id=int(d["customer"]),
                amount=d["amount"],
                bank_reference=d["bank_reference"],
                paid_on=d["paid_on"],
                payer_name=d["payer_name"],
                voucher=upload,
                voucher_size=upload.size,
            )
        if done:
            messages.success(
                request,
                _("Transfer %(ref)s registered: finance will confirm it.")
                % {"ref": transfer.bank_reference},
            )
            return redirect("ledger:transfer-detail", transfer.pk)
    return render(request, "ledger/transfer_form.html", _page(actor, form=form))


class RejectForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


@needs(VIEW)
def transfer_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    transfer = selectors.get_transfer(actor, pk)
    can_decide = actor.can("payment.transfer.approve") and transfer.status == "submitted"
    reject_form = RejectForm()
    if request.method == "POST" and can_decide:
        action = request.POST.get("action")
        if action == "confirm":
            with flash_errors(request, _("Transfer confirmed: the money is in the account.")):
                transfers.confirm_transfer(actor=actor, transfer_id=pk)
            return redirect("ledger:transfer-detail", pk)
        if action == "reject":
            reject_form = RejectForm(request.POST)
            if reject_form.is_valid():
                with flash_errors(request, _("Transfer rejected.")):
                    transfers.reject_transfer(
                        actor=actor, transfer_id=pk, reason=reject_form.cleaned_data["reason"]
                    )
                return redirect("ledger:transfer-detail", pk)
    return render(
        request,
        "ledger/transfer_detail.html",
        _page(
            actor,
            transfer=transfer,
            amount=from_minor(transfer.amount, 2),
            can_decide=can_decide,
            reject_form=reject_form,
            voucher_url=reverse("ledger:transfer-voucher", args=[pk]),
            account_url=reverse("ledger:account-detail", args=[transfer.account_id])
            if actor.can("ledger.account.view")
            else None,
            tabs=[],
            history=audit.history_rows("payment.transfer", pk),
        ),
    )


@needs(VIEW)
def transfer_voucher(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    """The voucher image, to those who may see the transfer; never guessed from a URL."""
    transfer = selectors.get_transfer(actor, pk)
    response = FileResponse(transfer.voucher.open("rb"), content_type=transfer.voucher_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="voucher-{pk}"'
    return response
