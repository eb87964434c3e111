"""商品授权: the authorisation rules page (list, filters, export, create, delete) with a
preview box that shows which SKUs one customer may order under the current rules.

The preview goes through party's selectors with the actor (the customer must be in the
actor's data scope) and then `omni.catalog.selectors.authorised_skus`, exactly like
``GET /api/v1/catalog/authorised-skus``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from omni.catalog import selectors
from omni.catalog.services import authorisation
from omni.catalog.types import AuthorisationSubject
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError, NotFound
from omni.party import selectors as party_selectors
from omni.web.permissions import needs

from ..excel import xlsx_response
from ..listing import paginate, resolve_sort, saved_filters
from . import forms as f
from .common import also_needs, page

RULE_SORTS = {
    "created_at": ("created_at", "id"),
    "effect": ("effect", "-id"),
    "subject_kind": ("subject_kind", "-id"),
    "target_kind": ("target_kind", "-id"),
    "org": ("org__name", "-id"),
    "valid_from": ("valid_from", "-id"),
}
PREVIEW_ROWS = 50


def _rules_filtered(request: HttpRequest, actor: Actor) -> tuple[f.RuleFilterForm, Any]:
    form = f.RuleFilterForm(request.GET or None, actor=actor)
    if form.is_bound:
        form.is_valid()  # invalid fields are shown on the page and left out of the filter
    qs = selectors.list_authorisation_rules(actor=actor, **form.filters()).select_related("org")
    if form.org_id is not None:
        qs = qs.filter(org_id=form.org_id)
    return form, qs


def _party(rule: Any, kind: str) -> Any:
    """The customer class / level / region / customer, or brand / category / product / SKU
    the rule names (its kinds are named like its fields); None for "all"."""
    return getattr(rule, kind, None) if kind != "all" else None


def _rule_row(rule: Any) -> dict[str, Any]:
    return {
        "rule": rule,
        "subject": _party(rule, rule.subject_kind),
        "target": _party(rule, rule.target_kind),
    }


def _preview(actor: Actor, form: f.PreviewForm) -> dict[str, Any] | None:
    if not form.is_bound or not form.is_valid():
        return None
    customer = party_selectors.get_customer(actor, form.cleaned_data["customer"])
    ref = party_selectors.customer_ref(customer)
    subject = AuthorisationSubject(
        customer_id=ref.id,
        org_id=ref.org_id,
        org_path=ref.org_path,
        class_id=ref.class_id,
        level_id=ref.level_id,
        sales_region_id=ref.sales_region_id,
    )
    on = form.cleaned_data.get("on") or timezone.localdate()
    skus = selectors.authorised_skus(subject, on=on)
    return {
        "customer": customer,
        "on": on,
        "rules": len(selectors.applicable_rules(subject, on)),
        "count": skus.count(),
        "skus": list(skus[:PREVIEW_ROWS]),
        "limit": PREVIEW_ROWS,
    }


def _render(request: HttpRequest, actor: Actor, rule_form: f.RuleForm | None) -> HttpResponse:
    filter_form, qs = _rules_filtered(request, actor)
    sort = resolve_sort(request, RULE_SORTS, default="-created_at")
    listing = paginate(request, qs.order_by(*sort.order_by), sort=sort)
    can_edit = actor.can("catalog.authorisation.edit")
    if rule_form is None and can_edit:
        rule_form = f.RuleForm(actor=actor)
    preview_form = f.PreviewForm(
        request.GET if "preview-customer" in request.GET else None, actor=actor
    )
    return render(
        request,
        "catalog/authorisation.html",
        page(
            actor,
            "authorisation",
            filter_form=filter_form,
            listing=listing,
            **saved_filters(request, "catalog.authorisation", filter_form),
            rule_rows=[_rule_row(r) for r in listing.rows],
            export_url=reverse("catalog:authorisation-export")
            if actor.can("catalog.authorisation.export")
            else None,
            can_edit=can_edit,
            rule_form=rule_form,
            # <datalist> suggestions: every kind for the rule form, customers for the preview
            pickers=f.picker_options(actor)
            if can_edit
            else {"customer": f.picker_options_for(actor, "customer")},
            preview_form=preview_form,
            preview=_preview(actor, preview_form),
            query=request.GET.urlencode(),
        ),
    )


@needs("catalog.authorisation.view")
def rule_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _render(request, actor, None)


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the rules page with the filters, sort and preview the form was posted from."""
    query = QueryDict(request.POST.get("query", "")[:2000]).urlencode()
    url = reverse("catalog:authorisation")
    return redirect(f"{url}?{query}" if query else url)


@needs("catalog.authorisation.edit")
def rule_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    also_needs(actor, "catalog.authorisation.view")
    if request.method != "POST":  # e.g. the filter bar of a page shown after a form error
        query = request.GET.urlencode()
        return redirect(reverse("catalog:authorisation") + (f"?{query}" if query else ""))
    form = f.RuleForm(request.POST, actor=actor)
    if form.is_valid():
        try:
            authorisation.create_authorisation_rule(actor=actor, **form.service_kwargs())
        except DomainError as err:
            f.add_domain_error(form, err)
        else:
            messages.success(request, _("Authorisation rule created."))
            return _back(request)
    # Show the page the form came from (its filters, sort and preview), with the errors: the
    # list helpers read request.GET.
    request.GET = QueryDict(request.POST.get("query", "")[:2000])
    return _render(request, actor, form)


@require_POST
@needs("catalog.authorisation.edit")
def rule_delete(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    also_needs(actor, "catalog.authorisation.view")
    try:
        authorisation.delete_authorisation_rule(actor=actor, rule_id=pk)
    except NotFound:
        raise
    except DomainError as err:
        messages.error(request, str(err.message))
    else:
        messages.success(request, _("Authorisation rule deleted."))
    return _back(request)


EXPORT_HEADERS = (
    gettext_lazy("Organisation"),
    gettext_lazy("Effect"),
    gettext_lazy("Customers"),
    gettext_lazy("Customer code"),
    gettext_lazy("Customer name"),
    gettext_lazy("Products"),
    gettext_lazy("Product code"),
    gettext_lazy("Product name"),
    gettext_lazy("Valid from"),
    gettext_lazy("Valid to"),
    gettext_lazy("Note"),
    gettext_lazy("Created at"),
)


@needs("catalog.authorisation.export")
def rule_export(request: HttpRequest, actor: Actor) -> HttpResponse:
    also_needs(actor, "catalog.authorisation.view")
    _form, qs = _rules_filtered(request, actor)
    sort = resolve_sort(request, RULE_SORTS, default="-created_at")

    def row(rule: Any) -> tuple[Any, ...]:
        subject, target = _party(rule, rule.subject_kind), _party(rule, rule.target_kind)
        return (
            rule.org.name,
            rule.get_effect_display(),
            rule.get_subject_kind_display(),
            subject.code if subject else "",
            subject.name if subject else "",
            rule.get_target_kind_display(),
            target.code if target else "",
            target.name if target else "",
            rule.valid_from,
            rule.valid_to,
            rule.note,
            rule.created_at,
        )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(
        filename=f"{_('Product authorisation')}-{stamp}.xlsx",
        sheet_title=_("Product authorisation"),
        headers=[str(h) for h in EXPORT_HEADERS],
        rows=(row(r) for r in qs.order_by(*sort.order_by).iterator(chunk_size=2000)),
    )
