"""Supplier detail page and forms (the list is in lists.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.kernel.actors import Actor
from omni.party import selectors
from omni.party.services import suppliers
from omni.web import audit_display
from omni.web.permissions import needs

from . import forms as f
from .common import (
    _page,
)


def _supplier(actor: Actor, pk: int) -> Any:
    supplier = selectors.list_suppliers(actor, permission=None).filter(pk=pk).first()
    if supplier is None:
        raise Http404
    return supplier


@needs("party.supplier.view")
def supplier_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    """Key facts and the change history (the only tab)."""
    supplier = _supplier(actor, pk)
    return render(
        request,
        "party/supplier_detail.html",
        _page(
            actor,
            "suppliers",
            supplier=supplier,
            tabs=[],
            history=audit_display.history_rows("party.supplier", supplier.pk),
            can_edit=actor.can("party.supplier.edit"),
            breadcrumbs=[
                (gettext_lazy("Suppliers"), reverse("party:suppliers")),
                (supplier.name, None),
            ],
        ),
    )


@needs("party.supplier.create")
def supplier_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = f.SupplierForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with f.form_errors(form) as done:
            supplier = suppliers.create_supplier(
                actor=actor,
                org_id=int(d["org"]),
                code=d["code"],
                name=d["name"],
                contact_name=d.get("contact_name") or "",
                phone=d.get("phone") or "",
                tax_number=d.get("tax_number") or "",
            )
        if done:
            messages.success(request, _("Supplier %(code)s created.") % {"code": supplier.code})
            return redirect("party:suppliers")
    return render(
        request,
        "party/supplier_form.html",
        _page(
            actor,
            "suppliers",
            form=form,
            breadcrumbs=[(gettext_lazy("Suppliers"), reverse("party:suppliers")), (_("New"), None)],
        ),
    )


@needs("party.supplier.edit")
def supplier_edit(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    supplier = _supplier(actor, pk)
    initial = {
        "org": str(supplier.org_id),
        "code": supplier.code,
        "name": supplier.name,
        "contact_name": supplier.contact_name,
        "phone": supplier.phone,
        "tax_number": supplier.tax_number,
        "is_active": supplier.is_active,
    }
    form = f.SupplierForm(request.POST or None, actor=actor, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with f.form_errors(form) as done:
            suppliers.update_supplier(
                actor=actor,
                supplier_id=supplier.pk,
                name=d["name"],
                contact_name=d.get("contact_name") or "",
                phone=d.get("phone") or "",
                tax_number=d.get("tax_number") or "",
                is_active=d.get("is_active", True),
            )
        if done:
            messages.success(request, _("Saved."))
            return redirect("party:supplier-detail", supplier.pk)
    return render(
        request,
        "party/supplier_form.html",
        _page(
            actor,
            "suppliers",
            form=form,
            supplier=supplier,
            breadcrumbs=[
                (gettext_lazy("Suppliers"), reverse("party:suppliers")),
                (supplier.name, reverse("party:supplier-detail", args=[supplier.pk])),
                (_("Edit"), None),
            ],
        ),
    )
