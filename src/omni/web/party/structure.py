"""Organisations, sales regions, customer classes and levels."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from omni.kernel.actors import Actor
from omni.party import selectors
from omni.party.services import classification as classifier
from omni.tenancy import selectors as tenancy
from omni.tenancy.services import organizations, regions
from omni.web.permissions import needs

from . import forms as f
from .common import (
    _page,
)

# --- organisations ------------------------------------------------------------------------------


@needs("party.organization.view")
def organization_tree(request: HttpRequest, actor: Actor) -> HttpResponse:
    orgs = list(tenancy.list_organizations(actor))
    ids = {o.pk for o in orgs}
    counts = dict(
        selectors.list_customers_in_scope(actor)
        .order_by()
        .values("org")
        .annotate(n=Count("id"))
        .values_list("org", "n")
    )
    children: dict[int | None, list[Any]] = {}
    for o in orgs:
        children.setdefault(o.parent_id if o.parent_id in ids else None, []).append(o)
    rows: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for o in sorted(children.get(parent, []), key=lambda o: o.code):
            rows.append(
                {
                    "org": o,
                    "depth": depth,
                    "indent": depth * 24,
                    "kind_label": f.org_kind_label(o.kind),
                    "customers": counts.get(o.pk, 0),
                    "has_children": bool(children.get(o.pk)),
                }
            )
            walk(o.pk, depth + 1)

    walk(None, 0)
    create_form = move_form = None
    if actor.can("party.organization.create"):
        create_form = f.OrganizationForm(
            request.POST if request.POST.get("form") == "create" else None, actor=actor
        )
    if actor.can("party.organization.edit"):
        move_form = f.MoveOrganizationForm(
            request.POST if request.POST.get("form") == "move" else None, actor=actor
        )
    if request.method == "POST":
        done = _org_post(request, actor, create_form, move_form)
        if done:
            return redirect("party:organizations")
    return render(
        request,
        "party/organization_tree.html",
        _page(actor, "organizations", rows=rows, create_form=create_form, move_form=move_form),
    )


def _org_post(request: HttpRequest, actor: Actor, create_form: Any, move_form: Any) -> bool:
    """Create or move an organisation; True when done (errors stay on the bound form)."""
    form = create_form if request.POST.get("form") == "create" else move_form
    if form is None:
        raise Http404
    if not form.is_valid():
        return False
    d = form.cleaned_data
    fields = {"cyclic_hierarchy": "parent", "duplicate_code": "code"}
    with f.form_errors(form, fields=fields) as ok:
        if form is create_form:
            org = organizations.create_organization(
                actor=actor,
                code=d["code"],
                name=d["name"],
                kind=d["kind"],
                parent_id=int(d["parent"]),
            )
            messages.success(request, _("Organisation %(code)s created.") % {"code": org.code})
        else:
            org = organizations.move_organization(
                actor=actor, org_id=int(d["org"]), new_parent_id=int(d["parent"])
            )
            messages.success(request, _("Organisation %(code)s moved.") % {"code": org.code})
    return bool(ok)


@needs("party.region.view")
def sales_regions(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Sales regions (大区/片区) as a tree, with the provinces each covers; create form."""
    form = None
    if actor.can("party.region.create"):
        form = f.SalesRegionForm(request.POST or None, actor=actor)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            with f.form_errors(form, fields={"duplicate_code": "code"}) as done:
                sr = regions.create_sales_region(
                    actor=actor,
                    org_id=int(d["org"]),
                    code=d["code"],
                    name=d["name"],
                    kind=d["kind"],
                    parent_id=int(d["parent"]) if d.get("parent") else None,
                    region_codes=list(d.get("provinces") or []),
                )
            if done:
                messages.success(request, _("Sales region %(code)s created.") % {"code": sr.code})
                return redirect("party:sales-regions")
    elif request.method == "POST":
        raise Http404
    items = list(tenancy.list_sales_regions(actor).prefetch_related("regions"))
    by_parent: dict[int | None, list[Any]] = {}
    ids = {r.pk for r in items}
    for r in items:
        by_parent.setdefault(r.parent_id if r.parent_id in ids else None, []).append(r)
    rows: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for r in by_parent.get(parent, []):
            rows.append(
                {"region": r, "indent": depth * 24, "provinces": [x.name for x in r.regions.all()]}
            )
            walk(r.pk, depth + 1)

    walk(None, 0)
    return render(
        request, "party/sales_regions.html", _page(actor, "sales-regions", rows=rows, form=form)
    )


@needs("party.classification.view", "party.customer.view")
def classification(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Customer classes (客户分类) and levels (客户级别)."""
    can_edit = actor.can("party.classification.edit")
    which = request.POST.get("form")
    class_form = f.ClassForm(request.POST if which == "class" else None, prefix="class")
    level_form = f.LevelForm(request.POST if which == "level" else None, prefix="level")
    if request.method == "POST":
        if not can_edit or which not in ("class", "level"):
            raise Http404
        form = class_form if which == "class" else level_form
        if form.is_valid():
            d = form.cleaned_data
            with f.form_errors(form, fields={"duplicate_code": "code"}) as done:
                if which == "class":
                    classifier.create_customer_class(actor=actor, code=d["code"], name=d["name"])
                else:
                    classifier.create_customer_level(
                        actor=actor, code=d["code"], name=d["name"], rank=d["rank"]
                    )
            if done:
                messages.success(request, _("Saved."))
                return redirect("party:classification")
    return render(
        request,
        "party/classification.html",
        _page(
            actor,
            "classification",
            classes=selectors.list_classes(),
            levels=selectors.list_levels(),
            class_form=class_form if can_edit else None,
            level_form=level_form if can_edit else None,
        ),
    )
