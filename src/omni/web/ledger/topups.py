"""Online top-up pages (在线充值): the dealer picks an amount and Alipay or WeChat Pay, then
scans the QR code on the next page; the page follows the payment until it is posted. The
list of top-ups (在线充值记录) shows finance those in its scope and a dealer its own."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.kernel.actors import Actor
from omni.ledger.calculations import from_minor
from omni.payment import providers, selectors
from omni.payment.services import online, refunds
from omni.payment.states import TopUpStatus

from ..forms import ErrorPlacement, FilterForm, choice_filter, search_field
from ..outcomes import form_errors
from ..permissions import needs
from ..tables import Column, ListPage, Table, badge, created_at, detail_link, filtered_by, timestamp
from .common import customer_choices, fund_page

VIEW = "payment.topup.view"
PROVIDER_LABELS = {"alipay": gettext_lazy("Alipay"), "wechatpay": gettext_lazy("WeChat Pay")}
STATUS_CSS = {"created": "prospect", "paid": "active", "failed": "exited", "closed": "exited"}


def _provider(t: Any) -> str:
    return str(PROVIDER_LABELS.get(t.provider, t.provider))


TOP_UPS = Table(
    "payment.top_ups",
    title=gettext_lazy("Top-up records"),
    default_sort="-created_at",
    row_attrs=lambda t: {"data-trade": t.out_trade_no},
    columns=[
        Column(
            "out_trade_no",
            gettext_lazy("Order number"),
            "out_trade_no",
            sort=("out_trade_no",),
            format="code",
            link=detail_link("ledger:top-up-detail"),
        ),
        Column(
            "customer", gettext_lazy("Customer"), "customer.name", sort=("customer__name", "pk")
        ),
        Column("provider", gettext_lazy("Pay with"), _provider, sort=("provider", "pk")),
        Column(
            "amount",
            gettext_lazy("Amount"),
            lambda t: f"{from_minor(t.amount, 2):,}",
            sort=("amount", "pk"),
            export=lambda t: from_minor(t.amount, 2),
            css="num",
        ),
        Column(
            "status",
            gettext_lazy("Status"),
            lambda t: t.get_status_display(),
            html=lambda t: badge(
                STATUS_CSS.get(t.status, ""), t.get_status_display(), status=t.status
            ),
        ),
        created_at(format="datetime"),
        timestamp("paid_at", gettext_lazy("Paid at")),
    ],
)


class TopUpFilterForm(FilterForm):
    search = search_field(gettext_lazy("Order number or customer"))
    provider = choice_filter(gettext_lazy("Pay with"), list(PROVIDER_LABELS.items()))
    status = choice_filter(gettext_lazy("Status"), TopUpStatus.choices)


def _top_ups(actor: Actor, form: TopUpFilterForm) -> QuerySet[Any]:
    qs = selectors.list_top_ups(actor)
    d = form.valid_data
    if search := (d.get("search") or "").strip():
        qs = qs.filter(
            Q(out_trade_no__icontains=search)
            | Q(customer__name__icontains=search)
            | Q(customer__code__icontains=search)
        )
    if d.get("provider"):
        qs = qs.filter(provider=d["provider"])
    if d.get("status"):
        qs = qs.filter(status=d["status"])
    return qs


class TopUpForm(forms.Form):
    customer = forms.ChoiceField(label=gettext_lazy("Customer"))
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (CNY)"),
        min_value=0.01,
        max_value=10_000_000,
        max_digits=15,
        decimal_places=2,
    )
    provider = forms.ChoiceField(label=gettext_lazy("Pay with"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices, self.fields["customer"].initial = customer_choices(actor)
        self.fields["provider"].choices = [(p, PROVIDER_LABELS[p]) for p in providers.available()]


PLACEMENT = ErrorPlacement(
    code_fields={
        "invalid_amount": "amount",
        "unknown_customer": "customer",
        "provider_not_configured": "provider",
        "refund_exceeds_paid": "amount",
        "insufficient_funds": "amount",
    }
)


def _page(actor: Actor, **context: Any) -> dict[str, Any]:
    return fund_page(actor, "top-up", **context)


def _list_page(actor: Actor, **context: Any) -> dict[str, Any]:
    return fund_page(actor, "top-ups", **context)


TOP_UP_LIST = ListPage(
    TOP_UPS,
    "ledger/top_up_list.html",
    filtered_by(TopUpFilterForm, _top_ups, with_actor=False),
    page=_list_page,
    export=(VIEW, "ledger:top-up-export"),  # top-ups have no export permission of their own
    create="payment.topup.create",
)
top_up_list = needs(VIEW)(TOP_UP_LIST.view)
top_up_export = needs(VIEW)(TOP_UP_LIST.export_view)


@needs("payment.topup.create")
def top_up_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = TopUpForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with form_errors(form, placement=PLACEMENT) as done:
            top_up = online.start_top_up(
                actor=actor,
                customer_id=int(d["customer"]),
                provider=d["provider"],
                amount=d["amount"],
            )
        if done:
            return redirect("ledger:top-up-detail", top_up.pk)
    return render(
        request,
        "ledger/top_up_form.html",
        _page(actor, form=form, none_available=not providers.available()),
    )


def qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode("utf-8")


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Refund amount (CNY)"), min_value=0.01, max_digits=15, decimal_places=2
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)


@needs(VIEW)
def top_up_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    top_up = selectors.get_top_up(actor, pk)
    can_refund = actor.can("payment.topup.refund") and top_up.status == "paid"
    refund_form = RefundForm(request.POST or None) if can_refund else None
    if request.method == "POST" and refund_form is not None and refund_form.is_valid():
        d = refund_form.cleaned_data
        with form_errors(refund_form, placement=PLACEMENT) as done:
            result = refunds.refund_top_up(
                actor=actor, top_up_id=pk, amount=d["amount"], reason=d["reason"]
            )
        if done:
            if result.status == "failed":
                messages.error(request, _("The refund failed: %(code)s") % {"code": result.failure})
            else:
                messages.success(request, _("Refund %(no)s sent.") % {"no": result.out_refund_no})
            return redirect("ledger:top-up-detail", pk)
    return render(
        request,
        "ledger/top_up_detail.html",
        _list_page(
            actor,
            top_up=top_up,
            amount=from_minor(top_up.amount, 2),
            provider_label=PROVIDER_LABELS.get(top_up.provider, top_up.provider),
            qr=mark_safe(qr_svg(top_up.code_url))  # noqa: S308 (SVG made here from a URL)
            if top_up.code_url and top_up.status == "created"
            else None,
            refund_form=refund_form,
            refund_rows=[(r, from_minor(r.amount, 2)) for r in top_up.refunds.order_by("id")],
            tabs=[],
            history=None,
        ),
    )
