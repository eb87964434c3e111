"""Forms for the catalog pages. They check shapes only (required, lengths, choices, the
"name: value, value" spec syntax); the rules live in the catalog services, whose errors are
put on the right field by `add_domain_error`."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from omni.catalog import selectors
from omni.catalog.states import ProductStatus
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError
from omni.party import selectors as party_selectors

SPEC_LINE = re.compile(r"^\s*([^:：]+)[:：]\s*(.+)$")
SPEC_SPLIT = re.compile(r"[,，、]")


def _all() -> list[tuple[str, Any]]:
    return [("", _("All"))]


def _none() -> list[tuple[str, Any]]:
    return [("", _("— none —"))]


def int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def brand_choices(actor: Actor) -> list[tuple[str, str]]:
    return [(str(b.pk), f"{b.name} ({b.code})") for b in selectors.list_brands(actor=actor)]


def category_choices(actor: Actor) -> list[tuple[str, str]]:
    cats = list(selectors.list_categories(actor=actor))
    top = min((c.depth for c in cats), default=0)
    return [(str(c.pk), f"{'　' * (c.depth - top)}{c.name} ({c.code})") for c in cats]


def unit_choices(actor: Actor) -> list[tuple[str, str]]:
    return [(str(u.pk), f"{u.name} ({u.code})") for u in selectors.list_units(actor=actor)]


def org_choices(actor: Actor) -> list[tuple[str, str]]:
    orgs = list(party_selectors.scoped_organizations(actor).order_by("path"))
    top = min((o.path.count("/") for o in orgs), default=0)
    return [(str(o.pk), f"{'　' * (o.path.count('/') - top)}{o.name} ({o.code})") for o in orgs]


def spec_to_text(spec: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}: {', '.join(values)}" for name, values in spec.items())


def parse_spec_text(text: str) -> dict[str, list[str]]:
    """'规格: 500ml, 1L' one attribute per line → {"规格": ["500ml", "1L"]}."""
    spec: dict[str, list[str]] = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        match = SPEC_LINE.match(line)
        if not match:
            raise forms.ValidationError(
                _("Write one attribute per line as “name: value, value”, e.g. 规格: 500ml, 1L."),
                code="spec_syntax",
            )
        name = match.group(1).strip()
        values = [v.strip() for v in SPEC_SPLIT.split(match.group(2)) if v.strip()]
        if name in spec:
            raise forms.ValidationError(
                _("The attribute “%(name)s” appears twice."), params={"name": name}
            )
        spec[name] = values
    return spec


# --- filters ------------------------------------------------------------------------------


class ProductFilterForm(forms.Form):
    search = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": _("Code / name / barcode"), "type": "search"}),
    )
    brand = forms.ChoiceField(label=_("Brand"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brand"].choices = _all() + brand_choices(actor)
        self.fields["category"].choices = _all() + category_choices(actor)
        self.fields["status"].choices = _all() + list(ProductStatus.choices)

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `selectors.list_products` (invalid fields are left out)."""
        data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        return {
            "search": (data.get("search") or "").strip(),
            "brand_id": int_or_none(data.get("brand")),
            "category_id": int_or_none(data.get("category")),
            "status": data.get("status") or None,
        }


class SearchForm(forms.Form):
    search = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": _("Code / name"), "type": "search"}),
    )


# --- product form -------------------------------------------------------------------------


class ProductForm(forms.Form):
    org = forms.ChoiceField(label=_("Organisation"))
    code = forms.CharField(
        label=_("Product code"),
        max_length=32,
        help_text=_("1 to 32 letters, digits, dots, dashes or underscores."),
    )
    name = forms.CharField(label=_("Product name"), max_length=120)
    brand = forms.ChoiceField(label=_("Brand"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    base_unit = forms.ChoiceField(label=_("Base unit"))
    spec = forms.CharField(
        label=_("Spec attributes"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "规格: 500ml, 1L\n口味: 原味, 无糖"}
        ),
        help_text=_(
            "One attribute per line, “name: value, value”. One SKU is created for every "
            "combination; values can be added later but not removed once used."
        ),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    track_batch = forms.BooleanField(label=_("Batch tracking"), required=False)
    track_expiry = forms.BooleanField(label=_("Expiry tracking"), required=False)
    shelf_life_days = forms.IntegerField(
        label=_("Shelf life (days)"), required=False, min_value=1, max_value=36500
    )
    track_serial = forms.BooleanField(label=_("Serial numbers"), required=False)
    weighed = forms.BooleanField(label=_("Weighed goods"), required=False)
    is_bundle = forms.BooleanField(label=_("Bundle (gift box)"), required=False)

    def __init__(self, *args: Any, actor: Actor, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        f = self.fields
        f["org"].choices = org_choices(actor)
        f["brand"].choices = _none() + brand_choices(actor)
        f["category"].choices = _none() + category_choices(actor)
        f["base_unit"].choices = unit_choices(actor)
        if editing:
            f["org"].disabled = True
            f["org"].required = False

    def clean_spec(self) -> dict[str, list[str]]:
        return parse_spec_text(self.cleaned_data.get("spec") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("track_expiry") and not data.get("shelf_life_days"):
            self.add_error("shelf_life_days", _("Expiry tracking needs a shelf life in days."))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "code": d["code"],
            "name": d["name"],
            "brand_id": int_or_none(d.get("brand")),
            "category_id": int_or_none(d.get("category")),
            "base_unit_id": int_or_none(d.get("base_unit")),
            "spec_attributes": d.get("spec") or {},
            "description": d.get("description") or "",
            "track_batch": d.get("track_batch", False),
            "track_expiry": d.get("track_expiry", False),
            "shelf_life_days": d.get("shelf_life_days"),
            "track_serial": d.get("track_serial", False),
            "weighed": d.get("weighed", False),
            "is_bundle": d.get("is_bundle", False),
        }


# Service error code → form field; otherwise the field named in the error's details.
CODE_FIELDS = {
    "duplicate_code": "code",
    "invalid_code": "code",
    "invalid_spec": "spec",
    "duplicate_spec": "spec",
    "spec_value_in_use": "spec",
    "shelf_life_required": "shelf_life_days",
    "unknown_org": "org",
    "unknown_brand": "brand",
    "unknown_category": "category",
    "unknown_unit": "base_unit",
    "base_unit_in_use": "base_unit",
}
DETAIL_FIELDS = {"sku_codes": "code", "name": "name", "description": "description"}


def add_domain_error(form: forms.Form, err: DomainError) -> None:
    """Show a service error on the field it is about, or above the form."""
    details = err.details or {}
    target = CODE_FIELDS.get(err.code)
    if err.code == "duplicate_code" and details.get("field") == "sku_codes":
        form.add_error("code", _("A SKU code made from this product code is already in use."))
        return
    if target is None and isinstance(details.get("field"), str):
        target = DETAIL_FIELDS.get(details["field"])
    form.add_error(target if target in form.fields else None, err.message)
