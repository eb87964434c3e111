"""The filter bars of the catalog lists (products, brands and units, authorisation rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from omni.catalog.filters import ProductFilter
from omni.catalog.states import ProductStatus
from omni.kernel.actors import Actor
from omni.kernel.filters import build

from ..forms import FilterForm, search_field
from .forms import (  # choices via forms (models)
    RuleEffect,
    SubjectKind,
    TargetKind,
    _all,
    brand_choices,
    category_choices,
    int_or_none,
    org_choices,
)


class ProductFilterForm(FilterForm):
    search = search_field(_("Search"), _("Code / name / barcode"))
    brand = forms.ChoiceField(label=_("Brand"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brand"].choices = _all() + brand_choices(actor)
        self.fields["category"].choices = _all() + category_choices(actor)
        self.fields["status"].choices = _all() + list(ProductStatus.choices)

    def filters(self) -> ProductFilter:
        """The products filter (`omni.catalog.filters`, shared with the API) from the valid
        fields (invalid ones are left out)."""
        data = self.valid_data
        return build(
            ProductFilter,
            {
                "search": data.get("search"),
                "brand_id": int_or_none(data.get("brand")),
                "category_id": int_or_none(data.get("category")),
                "status": data.get("status"),
            },
        )


class SearchForm(FilterForm):
    search = search_field(_("Search"), _("Code / name"))


# --- product form -------------------------------------------------------------------------


class RuleFilterForm(FilterForm):
    org = forms.ChoiceField(label=_("Organisation"), required=False)
    effect = forms.ChoiceField(label=_("Effect"), required=False)
    subject_kind = forms.ChoiceField(label=_("Customers"), required=False)
    target_kind = forms.ChoiceField(label=_("Products"), required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = _all() + org_choices(actor)
        self.fields["effect"].choices = _all() + list(RuleEffect.choices)
        self.fields["subject_kind"].choices = _all() + list(SubjectKind.choices)
        self.fields["target_kind"].choices = _all() + list(TargetKind.choices)

    def filters(self) -> dict[str, Any]:
        data = self.valid_data
        return {
            "effect": data.get("effect") or None,
            "subject_kind": data.get("subject_kind") or None,
            "target_kind": data.get("target_kind") or None,
        }

    @property
    def org_id(self) -> int | None:
        return int_or_none(self.valid_data.get("org"))
