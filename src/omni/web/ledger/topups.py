"""Online top-up pages (在线充值): the dealer picks an amount and Alipay or WeChat Pay, then
scans the QR code on the next page; the page follows the payment until it is posted."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.kernel.actors import Actor
from omni.ledger.calculations import from_minor
from omni.payment import providers, selectors
from omni.payment.services import online, refunds

from ..forms import ErrorPlacement
from ..outcomes import form_errors
from ..permissions import needs
from .common import customer_choices, fund_page

PROVIDER_LABELS = {"alipay": gettext_lazy("Alipay"), "wechatpay": gettext_lazy("WeChat Pay")}


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


@needs("payment.topup.view")
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
        _page(
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
