"""The filter bars of the party lists (customers, dealer applications, suppliers)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from omni.kernel.actors import Actor
from omni.kernel.filters import build
from omni.party.filters import CustomerFilter
from omni.party.states import ApplicationStatus, CustomerStatus
from omni.tenancy import selectors as tenancy

from ..forms import FilterForm, search_field
from .forms import (  # CustomerKind: the choices, through forms (no models import)
    CustomerKind,
    _all,
    class_choices,
    int_or_none,
    level_choices,
    org_choices,
    sales_region_choices,
)


class CustomerFilterForm(FilterForm):
    search = search_field(placeholder=_("Code / name"))
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Customer type"), required=False)
    org = forms.ChoiceField(label=_("Organisation"), required=False)
    sales_region = forms.ChoiceField(label=_("Sales region"), required=False)
    customer_class = forms.ChoiceField(label=_("Customer class"), required=False)
    level = forms.ChoiceField(label=_("Customer level"), required=False)
    province = forms.ChoiceField(label=_("Province"), required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        f = self.fields
        f["status"].choices = _all() + list(CustomerStatus.choices)
        f["kind"].choices = _all() + list(CustomerKind.choices)
        f["org"].choices = _all() + org_choices(actor)
        f["sales_region"].choices = _all() + sales_region_choices(actor)
        f["customer_class"].choices = _all() + class_choices()
        f["level"].choices = _all() + level_choices()
        f["province"].choices = _all() + [(r.code, r.name) for r in tenancy.list_regions(None)]

    def filters(self) -> CustomerFilter:
        """The customers filter (`omni.party.filters`, shared with the API) from the valid
        fields (invalid ones are left out)."""
        data = self.valid_data
        return build(
            CustomerFilter,
            {
                "search": data.get("search"),
                "status": data.get("status"),
                "kind": data.get("kind"),
                "org_id": int_or_none(data.get("org")),
                "sales_region_id": int_or_none(data.get("sales_region")),
                "class_id": int_or_none(data.get("customer_class")),
                "level_id": int_or_none(data.get("level")),
                "province_code": data.get("province"),
            },
        )


class ApplicationFilterForm(FilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False)
    search = search_field(_("Company, contact or phone"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = _all() + list(ApplicationStatus.choices)


class SupplierFilterForm(FilterForm):
    search = search_field()
    org = forms.ChoiceField(label=_("Organisation"), required=False)
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Inactive"))],
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = _all() + org_choices(actor)
