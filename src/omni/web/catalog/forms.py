"""Forms for the catalog pages. They check shapes only (required, lengths, choices, the
"name: value, value" spec syntax); the rules live in the catalog services, whose errors are
put on the right field by `add_domain_error`."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from omni.catalog import errors, selectors
from omni.catalog.models import RuleEffect, SubjectKind, TargetKind  # choices only
from omni.kernel.actors import Actor
from omni.kernel.errors import PermissionDenied
from omni.party import selectors as party_selectors
from omni.tenancy import selectors as tenancy

from .. import forms as web_forms
from .. import outcomes
from ..forms import DateInput, ErrorPlacement

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


# Brands, categories and units are reference data with their own view permission. A user
# who may see products but not list the reference data is offered the entries used by the
# products they may see (a filter or form never fails for want of a permission).


def _in_use(actor: Actor, *fields: str) -> list[tuple[Any, ...]]:
    if not actor.can("catalog.product.view"):
        return []
    qs = selectors.list_products(actor=actor).order_by().values_list(*fields).distinct()
    return [row for row in qs if row[0] is not None]


def brand_choices(actor: Actor) -> list[tuple[str, str]]:
    if actor.can("catalog.brand.view"):
        rows = [(b.pk, b.name, b.code) for b in selectors.list_brands(actor=actor)]
    else:
        rows = sorted(_in_use(actor, "brand_id", "brand__name", "brand__code"), key=lambda r: r[2])
    return [(str(pk), f"{name} ({code})") for pk, name, code in rows]


def category_choices(actor: Actor) -> list[tuple[str, str]]:
    if actor.can("catalog.category.view"):
        cats = [(c.pk, c.name, c.code, c.depth) for c in selectors.list_categories(actor=actor)]
    else:
        used = _in_use(actor, "category_id", "category__name", "category__code", "category__path")
        cats = [(pk, name, code, 0) for pk, name, code, _path in sorted(used, key=lambda r: r[3])]
    top = min((c[3] for c in cats), default=0)
    return [(str(pk), f"{'　' * (depth - top)}{name} ({code})") for pk, name, code, depth in cats]


def unit_choices(actor: Actor) -> list[tuple[str, str]]:
    if actor.can("catalog.unit.view"):
        rows = [(u.pk, u.name, u.code) for u in selectors.list_units(actor=actor)]
    else:
        used = _in_use(actor, "base_unit_id", "base_unit__name", "base_unit__code")
        rows = sorted(used, key=lambda r: r[2])
    return [(str(pk), f"{name} ({code})") for pk, name, code in rows]


def org_choices(actor: Actor) -> list[tuple[str, str]]:
    orgs = list(tenancy.list_organizations(actor).order_by("path"))
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
            attrs={
                "rows": 3,
                "placeholder": format_lazy(
                    "{}\n{}", _("Size: 500ml, 1L"), _("Flavour: original, sugar-free")
                ),
            }
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


# Service error code → form field; otherwise the field named in the error's details. A form
# class may extend both with its own `code_fields` / `detail_fields`.
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


PLACEMENT = ErrorPlacement(
    code_fields=CODE_FIELDS,
    detail_fields=DETAIL_FIELDS,
    exact={
        ("duplicate_code", "sku_codes"): (
            "code",
            _("A SKU code made from this product code is already in use."),
        )
    },
    detail_keys="field_only",
    first_only=True,
    skip_disabled=True,
)
add_domain_error = partial(web_forms.add_domain_error, placement=PLACEMENT)
form_errors = partial(outcomes.form_errors, placement=PLACEMENT)


# --- brands, categories, units ------------------------------------------------------------

CODE_HELP = _("1 to 32 letters, digits, dots, dashes or underscores.")


class BrandForm(forms.Form):
    org = forms.ChoiceField(label=_("Organisation"))
    code = forms.CharField(label=_("Brand code"), max_length=32, help_text=CODE_HELP)
    name = forms.CharField(label=_("Brand name"), max_length=100)

    def __init__(self, *args: Any, actor: Actor, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = org_choices(actor)
        if editing:
            self.fields["org"].disabled = True
            self.fields["org"].required = False


class CategoryForm(forms.Form):
    """Create a category, or rename / move one (a new parent moves its whole subtree)."""

    org = forms.ChoiceField(label=_("Organisation"))
    code = forms.CharField(label=_("Category code"), max_length=32, help_text=CODE_HELP)
    name = forms.CharField(label=_("Category name"), max_length=60)
    parent = forms.ChoiceField(label=_("Parent category"), required=False)

    code_fields = {"category_cycle": "parent", "unknown_category": "parent"}
    detail_fields = {"parent_id": "parent"}

    def __init__(self, *args: Any, actor: Actor, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = org_choices(actor)
        self.fields["parent"].choices = [("", _("— top level —")), *category_choices(actor)]
        if editing:
            self.fields["org"].disabled = True
            self.fields["org"].required = False

    @property
    def parent_id(self) -> int | None:
        return int_or_none(self.cleaned_data.get("parent"))


class UnitForm(forms.Form):
    code = forms.CharField(
        label=_("Unit code"),
        max_length=16,
        help_text=_("Up to 16 letters, digits, dots, dashes or underscores; fixed once created."),
    )
    name = forms.CharField(label=_("Unit name"), max_length=20)
    allows_fraction = forms.BooleanField(
        label=_("Allows fractions (weighed units such as kg)"), required=False
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].required = False


# --- product detail: barcodes, unit conversions, bundle items -----------------------------


def _sku_choices(skus: list[Any]) -> list[tuple[str, str]]:
    return [(str(s.pk), f"{s.code} {s.spec_key}".strip()) for s in skus]


class BarcodeForm(forms.Form):
    sku = forms.ChoiceField(label=_("SKU"))
    code = forms.CharField(
        label=_("Barcode"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        help_text=_(
            "EAN-13 / EAN-8 / UPC-A / GTIN-14 with its check digit, or an internal code: "
            "1 to 4 capital letters then digits (SKU00017)."
        ),
    )
    unit = forms.ChoiceField(label=_("Packaging unit"))
    is_primary = forms.BooleanField(label=_("Primary barcode of this unit"), required=False)

    code_fields = {"invalid_barcode": "code", "duplicate_barcode": "code", "unknown_unit": "unit"}

    def __init__(self, *args: Any, product: Any, skus: list[Any], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "barcode")
        super().__init__(*args, **kwargs)
        self.fields["sku"].choices = _sku_choices(skus)
        units = {product.base_unit_id: product.base_unit.name}
        for sku in skus:
            for conv in sku.conversions.all():
                units.setdefault(conv.unit_id, conv.unit.name)
        self.fields["unit"].choices = [(str(pk), name) for pk, name in units.items()]


class ConversionForm(forms.Form):
    sku = forms.ChoiceField(label=_("SKU"))
    unit = forms.ChoiceField(label=_("Packaging unit"))
    factor = forms.CharField(
        label=_("Base units per packaging unit"),
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    code_fields = {"invalid_factor": "factor", "unknown_unit": "unit", "duplicate_code": "unit"}

    def __init__(
        self, *args: Any, product: Any, skus: list[Any], units: list[Any], **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", "conversion")
        super().__init__(*args, **kwargs)
        self.fields["sku"].choices = _sku_choices(skus)
        self.fields["unit"].choices = [
            (str(u.pk), f"{u.name} ({u.code})") for u in units if u.pk != product.base_unit_id
        ]


class BundleItemForm(forms.Form):
    bundle = forms.ChoiceField(label=_("Bundle SKU"))
    component = forms.CharField(
        label=_("Component SKU code"),
        max_length=40,
        widget=forms.TextInput(attrs={"list": "component-skus", "autocomplete": "off"}),
    )
    quantity = forms.CharField(
        label=_("Quantity"),
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    code_fields = {
        "invalid_quantity": "quantity",
        "duplicate_component": "component",
        "bundle_cycle": "component",
        "unknown_sku": "component",
    }

    def __init__(self, *args: Any, actor: Actor, skus: list[Any], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "bundle")
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["bundle"].choices = _sku_choices(skus)

    def clean_component(self) -> int:
        code = self.cleaned_data["component"]
        pk = selectors.list_skus(actor=self.actor).filter(code=code).values_list("pk", flat=True)
        found = pk.first()
        if found is None:
            raise forms.ValidationError(errors.MESSAGES["unknown_sku"], code="unknown_sku")
        return found


# --- authorisation rules ------------------------------------------------------------------


def _subject_lookups(actor: Actor) -> dict[str, Callable[[], QuerySet[Any]]]:
    """Subject kind → the rows that can be chosen for it (each has `code` and `name`)."""
    return {
        SubjectKind.CUSTOMER_CLASS: party_selectors.list_classes,
        SubjectKind.CUSTOMER_LEVEL: party_selectors.list_levels,
        SubjectKind.SALES_REGION: lambda: tenancy.list_sales_regions(actor),
        SubjectKind.CUSTOMER: lambda: party_selectors.list_customers_in_scope(actor).order_by(
            "code"
        ),
    }


def _target_lookups(actor: Actor) -> dict[str, Callable[[], QuerySet[Any]]]:
    return {
        TargetKind.BRAND: lambda: selectors.list_brands(actor=actor),
        TargetKind.CATEGORY: lambda: selectors.list_categories(actor=actor),
        TargetKind.PRODUCT: lambda: selectors.list_products(actor=actor),
        TargetKind.SKU: lambda: selectors.list_skus(actor=actor),
    }


PICKER_SIZE = 300


def _rows(lookup: Callable[[], QuerySet[Any]]) -> QuerySet[Any] | None:
    """The lookup's rows, or None when the actor may not list them (e.g. no brand.view)."""
    try:
        return lookup()
    except PermissionDenied:
        return None


def picker_options_for(actor: Actor, kind: str) -> list[tuple[str, str]]:
    lookup = {**_subject_lookups(actor), **_target_lookups(actor)}[kind]
    rows = _rows(lookup)
    return [] if rows is None else list(rows.values_list("code", "name")[:PICKER_SIZE])


def picker_options(actor: Actor) -> dict[str, list[tuple[str, str]]]:
    """(code, name) suggestions for every subject and target kind, for <datalist>s."""
    kinds = [*_subject_lookups(actor), *_target_lookups(actor)]
    return {str(kind): picker_options_for(actor, kind) for kind in kinds}


class RuleForm(forms.Form):
    org = forms.ChoiceField(label=_("Organisation"))
    effect = forms.ChoiceField(label=_("Effect"), choices=RuleEffect.choices)
    subject_kind = forms.ChoiceField(label=_("Customers"), choices=SubjectKind.choices)
    subject_code = forms.CharField(
        label=_("Customer class / level / region / customer code"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    target_kind = forms.ChoiceField(label=_("Products"), choices=TargetKind.choices)
    target_code = forms.CharField(
        label=_("Brand / category / product / SKU code"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    code_fields = {
        "invalid_date_range": "valid_to",
        "unknown_customer_class": "subject_code",
        "unknown_customer_level": "subject_code",
        "unknown_sales_region": "subject_code",
        "unknown_customer": "subject_code",
        "unknown_brand": "target_code",
        "unknown_category": "target_code",
        "unknown_product": "target_code",
        "unknown_sku": "target_code",
    }
    detail_fields = {"subject_id": "subject_code", "target_id": "target_code"}

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "rule")  # its fields share names with the filter bar's
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["org"].choices = org_choices(actor)
        # The code inputs follow the chosen kinds (Alpine: hidden for "all", suggestions from
        # the <datalist id="picker-KIND"> of that kind).
        self.fields["subject_kind"].widget.attrs["x-model"] = "subject"
        self.fields["target_kind"].widget.attrs["x-model"] = "target"
        self.fields["subject_code"].widget.attrs["x-bind:list"] = "'picker-' + subject"
        self.fields["target_code"].widget.attrs["x-bind:list"] = "'picker-' + target"
        self.subject_id: int | None = None
        self.target_id: int | None = None

    def _resolve(
        self, kind_field: str, code_field: str, lookups: dict[str, Callable[[], QuerySet[Any]]]
    ) -> int | None:
        kind = self.cleaned_data.get(kind_field)
        code = (self.cleaned_data.get(code_field) or "").strip()
        if kind not in lookups:  # "all" (the code is ignored) or an invalid kind
            self.cleaned_data[code_field] = ""
            return None
        if not code:
            return None  # the service says a code is required for this kind (invalid_rule)
        rows = _rows(lookups[kind])
        found = (
            None if rows is None else rows.filter(code=code).values_list("pk", flat=True).first()
        )
        if found is None:
            # kinds are named like the rule's fields: "customer_class" → unknown_customer_class
            self.add_error(code_field, errors.MESSAGES[f"unknown_{kind}"])
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.subject_id = self._resolve(
            "subject_kind", "subject_code", _subject_lookups(self.actor)
        )
        self.target_id = self._resolve("target_kind", "target_code", _target_lookups(self.actor))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "org_id": int(d["org"]),
            "effect": d["effect"],
            "subject_kind": d["subject_kind"],
            "subject_id": self.subject_id,
            "target_kind": d["target_kind"],
            "target_id": self.target_id,
            "valid_from": d.get("valid_from"),
            "valid_to": d.get("valid_to"),
            "note": d.get("note") or "",
        }


class PreviewForm(forms.Form):
    """Which SKUs would this customer be allowed to order (on this day)?"""

    customer = forms.CharField(
        label=_("Customer code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"list": "picker-customer", "autocomplete": "off", "placeholder": "C-001"}
        ),
    )
    on = forms.DateField(label=_("On date"), required=False, widget=DateInput())

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "preview")
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_customer(self) -> int:
        code = self.cleaned_data["customer"].strip()
        found = (
            party_selectors.list_customers_in_scope(self.actor)
            .filter(code=code)
            .values_list("pk", flat=True)
            .first()
        )
        if found is None:
            raise forms.ValidationError(errors.MESSAGES["unknown_customer"], code="unknown")
        return found
