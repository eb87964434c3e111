"""商品授权: the authorisation rules page (list, filters, export, create, delete) with a
preview box that shows which SKUs one customer may order under the current rules.

The preview goes through party's selectors with the actor (the customer must be in the
actor's data scope) and then `omni.catalog.selectors.list_authorised_skus`, exactly like
``GET /api/v1/catalog/authorised-skus``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from omni.catalog import selectors
from omni.catalog.services import authorisation
from omni.catalog.types import AuthorisationSubject
from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.party import selectors as party_selectors
from omni.web.outcomes import flash_errors
from omni.web.permissions import needs, needs_all

from ..tables import Column, ListPage, Table, badge, created_at, filtered_by
from . import filters as ff
from . import forms as f
from .common import also_needs, page

PREVIEW_ROWS = 50


def _rules(actor: Actor, form: ff.RuleFilterForm) -> Any:
    qs = selectors.list_authorisation_rules(actor=actor, **form.filters()).select_related("org")
    if form.org_id is not None:
        qs = qs.filter(org_id=form.org_id)
    return qs


def _party(rule: Any, kind: str) -> Any:
    """The customer class / level / region / customer, or brand / category / product / SKU
    the rule names (its kinds are named like its fields); None for "all"."""
    return getattr(rule, kind, None) if kind != "all" else None


def _named(kind_field: str) -> Any:
    """The page's cell: the kind, then the named customer / product group, if any."""

    def cell(rule: Any) -> Any:
        named = _party(rule, getattr(rule, kind_field))
        kind = getattr(rule, f"get_{kind_field}_display")()
        if named is None:
            return kind
        return format_html("{}: {} <code>{}</code>", kind, named.name, named.code)

    return cell


def _named_attr(kind_field: str, attr: str) -> Any:
    def value(rule: Any) -> Any:
        named = _party(rule, getattr(rule, kind_field))
        return getattr(named, attr) if named is not None else None

    return value


def _validity(rule: Any) -> Any:
    if not (rule.valid_from or rule.valid_to):
        return _("Always")
    days = [d.isoformat() if d else "…" for d in (rule.valid_from, rule.valid_to)]
    return f"{days[0]} ~ {days[1]}"


RULES = Table(
    "catalog.authorisation",
    title=gettext_lazy("Product authorisation"),
    default_sort="-created_at",
    row_attrs=lambda r: {"data-rule": r.pk},
    columns=[
        Column("org", gettext_lazy("Organisation"), "org.name", sort=("org__name", "-id")),
        Column(
            "effect",
            gettext_lazy("Effect"),
            "get_effect_display",
            sort=("effect", "-id"),
            html=lambda r: badge(r.effect, r.get_effect_display()),
        ),
        Column(
            "subject_kind",
            gettext_lazy("Customers"),
            "get_subject_kind_display",
            sort=("subject_kind", "-id"),
            html=_named("subject_kind"),
        ),
        Column(
            "subject_code",
            gettext_lazy("Customer code"),
            _named_attr("subject_kind", "code"),
            page=False,
        ),
        Column(
            "subject_name",
            gettext_lazy("Customer name"),
            _named_attr("subject_kind", "name"),
            page=False,
        ),
        Column(
            "target_kind",
            gettext_lazy("Products"),
            "get_target_kind_display",
            sort=("target_kind", "-id"),
            html=_named("target_kind"),
        ),
        Column(
            "target_code",
            gettext_lazy("Product code"),
            _named_attr("target_kind", "code"),
            page=False,
        ),
        Column(
            "target_name",
            gettext_lazy("Product name"),
            _named_attr("target_kind", "name"),
            page=False,
        ),
        Column(
            "valid_from",
            gettext_lazy("Validity"),
            _validity,
            sort=("valid_from", "-id"),
            css="nowrap",
            export=False,
        ),
        Column("from", gettext_lazy("Valid from"), "valid_from", page=False),
        Column("to", gettext_lazy("Valid to"), "valid_to", page=False),
        Column("note", gettext_lazy("Note"), "note"),
        created_at(format="datetime"),
    ],
)


def _preview(actor: Actor, form: f.PreviewForm) -> dict[str, Any] | None:
    if not form.is_bound or not form.is_valid():
        return None
    customer = party_selectors.get_customer(actor, form.cleaned_data["customer"], permission=None)
    ref = party_selectors.customer_ref(customer)
    subject = AuthorisationSubject(
        customer_id=ref.id,
        org_id=ref.org_id,
        org_path=ref.org_path,
        class_id=ref.class_id,
        level_id=ref.level_id,
        sales_region_id=ref.sales_region_id,
    )
    on = form.cleaned_data.get("on") or clock.today()
    skus = selectors.list_authorised_skus(subject, on=on)
    return {
        "customer": customer,
        "on": on,
        "rules": len(selectors.list_applicable_rules(subject, on)),
        "count": skus.count(),
        "skus": list(skus[:PREVIEW_ROWS]),
        "limit": PREVIEW_ROWS,
    }


def _context(
    request: HttpRequest, actor: Actor, rule_form: f.RuleForm | None = None
) -> dict[str, Any]:
    can_edit = actor.can("catalog.authorisation.edit")
    if rule_form is None and can_edit:
        rule_form = f.RuleForm(actor=actor)
    preview_form = f.PreviewForm(
        request.GET if "preview-customer" in request.GET else None, actor=actor
    )
    return {
        "row_actions": "catalog/_rule_actions.html" if can_edit else None,
        "can_edit": can_edit,
        "rule_form": rule_form,
        # <datalist> suggestions: every kind for the rule form, customers for the preview
        "pickers": f.picker_options(actor)
        if can_edit
        else {"customer": f.picker_options_for(actor, "customer")},
        "preview_form": preview_form,
        "preview": _preview(actor, preview_form),
        "query": request.GET.urlencode(),
    }


RULE_LIST = ListPage(
    RULES,
    "catalog/authorisation.html",
    filtered_by(ff.RuleFilterForm, _rules),
    page=partial(page, section="authorisation"),
    export=("catalog.authorisation.export", "catalog:authorisation-export"),
    context=_context,
)


def _render(request: HttpRequest, actor: Actor, rule_form: f.RuleForm | None) -> HttpResponse:
    return RULE_LIST.view(request, actor, rule_form=rule_form)


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
        with f.form_errors(form) as done:
            authorisation.create_authorisation_rule(actor=actor, **form.service_kwargs())
        if done:
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
    with flash_errors(request, _("Authorisation rule deleted."), not_found_is_404=True):
        authorisation.delete_authorisation_rule(actor=actor, rule_id=pk)
    return _back(request)


rule_export = needs_all("catalog.authorisation.export", "catalog.authorisation.view")(
    RULE_LIST.export_view
)
