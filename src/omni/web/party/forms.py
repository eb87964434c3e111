"""Forms for the party pages. They only check shapes (required, lengths, choices); the rules
live in the party services, whose errors are put on the right field by `add_domain_error`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from omni.kernel.actors import Actor
from omni.party import selectors
from omni.party.models import CustomerKind
from omni.tenancy import selectors as tenancy
from omni.tenancy.types import OrgKind, SalesRegionKind

from .. import forms as web_forms
from .. import outcomes
from ..forms import ErrorPlacement
from ..widgets import CheckboxPicker

SUPPLYING_KINDS = ("distributor", "dealer")
UPPER_SUGGESTIONS = 300


def _all(label: Any = None) -> list[tuple[str, Any]]:
    return [("", label or _("All"))]


def org_choices(actor: Actor) -> list[tuple[str, str]]:
    orgs = list(tenancy.list_organizations(actor).order_by("path"))
    top = min((o.path.count("/") for o in orgs), default=0)
    return [(str(o.pk), f"{'　' * (o.path.count('/') - top)}{o.name} ({o.code})") for o in orgs]


def writable_org_choices(actor: Actor) -> list[tuple[str, str]]:
    """Organisations the actor may put a customer in: their organisation subtrees and, for a
    region-scoped actor (a sales rep), the organisations of their sales regions."""
    orgs = {o.pk: o for o in tenancy.list_organizations(actor)}
    if actor.scope.sales_region_ids:
        for region in tenancy.list_sales_regions(actor):
            orgs.setdefault(region.org_id, region.org)
    ordered = sorted(orgs.values(), key=lambda o: o.path)
    top = min((o.path.count("/") for o in ordered), default=0)
    return [(str(o.pk), f"{'　' * (o.path.count('/') - top)}{o.name} ({o.code})") for o in ordered]


def sales_region_choices(actor: Actor) -> list[tuple[str, str]]:
    return [(str(r.pk), f"{r.name} ({r.code})") for r in tenancy.list_sales_regions(actor)]


def class_choices() -> list[tuple[str, str]]:
    return [(str(c.pk), c.name) for c in selectors.list_classes()]


def level_choices() -> list[tuple[str, str]]:
    return [(str(lv.pk), lv.name) for lv in selectors.list_levels()]


def upper_suggestions(actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of customers in scope that can supply others (for a <datalist>)."""
    qs = (
        selectors.list_customers_in_scope(actor)
        .filter(kind__in=SUPPLYING_KINDS)
        .order_by("code")
        .values_list("code", "name")
    )
    return list(qs[:UPPER_SUGGESTIONS])


def int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# --- error mapping ----------------------------------------------------------------------------

# Service error code -> form field. Codes not listed fall back to the field named in the
# error's details, then to a form-wide error.
CODE_FIELDS: dict[str, str] = {
    "duplicate_code": "code",
    "unknown_region": "region",
    "invalid_tax_number": "tax_number",
    "invalid_phone": "phone",
    "upper_outside_organisation": "upper",
    "cyclic_hierarchy": "upper",
    "upper_cannot_supply": "upper",
    "invalid_bank_account": "account_no",
}
# Names the services use in `details` -> form field names.
DETAIL_FIELDS: dict[str, str] = {
    "org_id": "org",
    "upper_id": "upper",
    "class_id": "customer_class",
    "level_id": "level",
    "sales_region_id": "sales_region",
    "region_code": "region",
    "district_code": "district",
    "customer_code": "code",
}
# Our own wording for codes whose service message is generic.
CODE_MESSAGES: dict[str, Any] = {
    "upper_cannot_supply": _("Only distributors and level-2 dealers can supply other customers."),
    "invalid_bank_account": _("Enter the bank, the account name and an 8 to 30 digit account."),
    "invalid_invitation": _("This invitation link is invalid or has expired."),
    "unknown_reference": _("Unknown value; reload the page and choose again."),
}


PLACEMENT = ErrorPlacement(
    code_fields=CODE_FIELDS,
    detail_fields=DETAIL_FIELDS,
    code_messages=CODE_MESSAGES,
    field_messages={"not_found": _("Unknown or invalid value.")},
    input_messages={"code": _("Codes are 1 to 32 letters, digits, dots, dashes or underscores.")},
    detail_keys="field_first",
)
add_domain_error = partial(web_forms.add_domain_error, placement=PLACEMENT)
form_errors = partial(outcomes.form_errors, placement=PLACEMENT)


# --- region cascade (province -> city -> district) -----------------------------------------


class RegionCascadeMixin:
    """Three selects filled from the region table; changing one reloads the next by htmx.

    Subclasses name the three fields in `cascade` (province, city, district). Options of a
    level are those under the value chosen one level up, so a re-rendered form keeps them.
    """

    cascade: tuple[str, str, str] = ("province", "city", "district")

    def setup_cascade(self) -> None:
        form: Any = self
        url = reverse("party:region-options")
        names = self.cascade
        values = [form.data.get(form.add_prefix(n)) or form.initial.get(n) or "" for n in names]
        parents = [None, values[0], values[1]]
        for i, name in enumerate(names):
            field = form.fields[name]
            placeholder = [("", _("— choose —"))]
            if i == 0:
                options = [(r.code, r.name) for r in tenancy.list_regions(None)]
            elif parents[i]:
                options = [(r.code, r.name) for r in tenancy.list_regions(parents[i])]
            else:
                options = []
            field.widget.choices = placeholder + options
            if i < 2:
                attrs = {
                    "hx-get": url,
                    "hx-trigger": "change",
                    "hx-target": f"#{form[names[i + 1]].auto_id}",
                    "hx-swap": "innerHTML",
                }
                if i == 0:
                    attrs["hx-vals"] = json.dumps({"clear": form[names[2]].auto_id})
                field.widget.attrs.update(attrs)

    def cascade_code(self) -> str:
        """The most precise region chosen (district, else city, else province)."""
        data: Mapping[str, Any] = self.cleaned_data  # type: ignore[attr-defined]
        for name in reversed(self.cascade):
            if data.get(name):
                return data[name]
        return ""


def _region_select(label: Any, *, required: bool) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=12, widget=forms.Select())


# --- customers ----------------------------------------------------------------------------------


class CustomerForm(RegionCascadeMixin, forms.Form):
    cascade = ("province", "city", "region")

    code = forms.CharField(
        label=_("Customer code"),
        max_length=32,
        help_text=_("1 to 32 letters, digits, dots, dashes or underscores; cannot change later."),
    )
    name = forms.CharField(label=_("Customer name"), max_length=120)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    kind = forms.ChoiceField(label=_("Customer type"), choices=CustomerKind.choices)
    org = forms.ChoiceField(label=_("Organisation"))
    customer_class = forms.ChoiceField(label=_("Customer class"), required=False)
    level = forms.ChoiceField(label=_("Customer level"), required=False)
    sales_region = forms.ChoiceField(label=_("Sales region"), required=False)
    province = _region_select(_("Province"), required=False)
    city = _region_select(_("City"), required=False)
    region = _region_select(_("District"), required=False)
    upper = forms.CharField(
        label=_("Upper-level customer"),
        max_length=32,
        required=False,
        help_text=_("Code of the distributor this customer orders from; empty = the brand."),
        widget=forms.TextInput(attrs={"list": "upper-suggestions", "autocomplete": "off"}),
    )
    tags = forms.CharField(
        label=_("Tags"),
        max_length=300,
        required=False,
        help_text=_("Separate tags with commas."),
    )
    invoice_title = forms.CharField(label=_("Invoice title"), max_length=120, required=False)
    tax_number = forms.CharField(
        label=_("Tax number"),
        max_length=20,
        required=False,
        help_text=_("Unified social credit code, 18 characters."),
    )

    def __init__(self, *args: Any, actor: Actor, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        f = self.fields
        if editing:
            del f["code"]
        none = [("", "—")]
        orgs = writable_org_choices(actor)
        f["org"].choices = [("", _("— choose —")), *orgs]
        if len(orgs) == 1 and not self.is_bound:
            f["org"].initial = orgs[0][0]
        f["customer_class"].choices = none + class_choices()
        f["level"].choices = none + level_choices()
        f["sales_region"].choices = none + sales_region_choices(actor)
        # Outside their organisation subtrees, a region-scoped actor writes only customers of
        # their own sales regions: the region is then required.
        self.org_scoped = {
            str(pk) for pk in tenancy.list_organizations(actor).values_list("pk", flat=True)
        }
        self.setup_cascade()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        org = data.get("org")
        if (
            org
            and not self.actor.scope.everything
            and org not in self.org_scoped
            and not data.get("sales_region")
        ):
            self.add_error("sales_region", _("Choose one of your sales regions."))
        return data

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [t.strip() for t in raw.replace("，", ",").split(",") if t.strip()]

    def clean_upper(self) -> int | None:
        code = (self.cleaned_data.get("upper") or "").strip()
        if not code:
            return None
        found = (
            selectors.list_customers_in_scope(self.actor)
            .filter(code=code)
            .values_list("pk", flat=True)
            .first()
        )
        if found is None:
            raise forms.ValidationError(_("Unknown customer."))
        return found


def customer_initial(customer: Any) -> dict[str, Any]:
    """Initial values of CustomerForm for an existing customer."""
    region = customer.region
    chain: list[Any] = []
    while region is not None:
        chain.insert(0, region)
        region = region.parent
    province = chain[0].code if chain else ""
    city = chain[1].code if len(chain) > 1 else ""
    district = chain[2].code if len(chain) > 2 else ""
    return {
        "name": customer.name,
        "short_name": customer.short_name,
        "kind": customer.kind,
        "org": str(customer.org_id),
        "customer_class": str(customer.customer_class_id or ""),
        "level": str(customer.level_id or ""),
        "sales_region": str(customer.sales_region_id or ""),
        "province": province,
        "city": city,
        "region": district,
        "upper": customer.upper.code if customer.upper_id else "",
        "tags": ", ".join(customer.tags or []),
        "invoice_title": customer.invoice_title,
        "tax_number": customer.tax_number,
    }


class StatusActionForm(forms.Form):
    action = forms.ChoiceField(choices=[])
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(self, *args: Any, actions: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(a, a) for a in actions]


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Contact name"), max_length=60)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    position = forms.CharField(label=_("Position"), max_length=60, required=False)
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)


class AddressForm(RegionCascadeMixin, forms.Form):
    province = _region_select(_("Province"), required=True)
    city = _region_select(_("City"), required=True)
    district = _region_select(_("District"), required=True)
    street = forms.CharField(label=_("Street address"), max_length=200)
    receiver = forms.CharField(label=_("Receiver"), max_length=60)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    is_default = forms.BooleanField(label=_("Default address"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_cascade()


class BankAccountForm(forms.Form):
    bank_name = forms.CharField(label=_("Bank"), max_length=100)
    account_name = forms.CharField(label=_("Account name"), max_length=120)
    account_no = forms.CharField(label=_("Account number"), max_length=40)


# --- dealer onboarding --------------------------------------------------------------------------


class ApplicationForm(RegionCascadeMixin, forms.Form):
    cascade = ("province", "city", "district")

    company_name = forms.CharField(
        label=_("Company name"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    contact_name = forms.CharField(
        label=_("Contact person"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    province = _region_select(_("Province"), required=True)
    city = _region_select(_("City"), required=True)
    district = _region_select(_("District"), required=False)
    address = forms.CharField(label=_("Street address"), max_length=200, required=False)
    business_scope = forms.CharField(
        label=_("Business scope"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you sell, where, and through which channels."),
    )
    tax_number = forms.CharField(
        label=_("Tax number"),
        max_length=20,
        required=False,
        help_text=_("Unified social credit code, 18 characters."),
    )
    # a field people do not see: bots fill it in, and their submissions are dropped
    website = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_cascade()


APPLICATION_FIELDS = {
    "region": "district",
    "region_code": "district",
    "company_name": "company_name",
    "contact_name": "contact_name",
}


class ApproveForm(forms.Form):
    code = forms.CharField(label=_("Customer code"), max_length=32)
    org = forms.ChoiceField(label=_("Organisation"))
    kind = forms.ChoiceField(label=_("Customer type"), choices=CustomerKind.choices)
    customer_class = forms.ChoiceField(label=_("Customer class"), required=False)
    level = forms.ChoiceField(label=_("Customer level"), required=False)
    sales_region = forms.ChoiceField(label=_("Sales region"), required=False)
    upper = forms.CharField(
        label=_("Upper-level customer"),
        max_length=32,
        required=False,
        help_text=_("Code of the distributor this customer orders from; empty = the brand."),
        widget=forms.TextInput(attrs={"list": "upper-suggestions", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("kind", "dealer")
        super().__init__(*args, **kwargs)
        self.actor = actor
        none = [("", "—")]
        self.fields["org"].choices = [("", _("— choose —")), *org_choices(actor)]
        self.fields["customer_class"].choices = none + class_choices()
        self.fields["level"].choices = none + level_choices()
        self.fields["sales_region"].choices = none + sales_region_choices(actor)

    clean_upper = CustomerForm.clean_upper


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["note"].label = label


class InvitationForm(forms.Form):
    org = forms.ChoiceField(label=_("Organisation"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = org_choices(actor)


# --- organisations and suppliers ----------------------------------------------------------------


def org_kind_label(kind: str) -> Any:
    return dict(OrgKind.choices).get(kind, kind)


class SupplierForm(forms.Form):
    org = forms.ChoiceField(label=_("Organisation"))
    code = forms.CharField(label=_("Supplier code"), max_length=32)
    name = forms.CharField(label=_("Supplier name"), max_length=120)
    contact_name = forms.CharField(label=_("Contact person"), max_length=60, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    tax_number = forms.CharField(
        label=_("Tax number"),
        max_length=20,
        required=False,
        help_text=_("Unified social credit code, 18 characters."),
    )

    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, actor: Actor, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [("", _("— choose —")), *org_choices(actor)]
        if editing:  # the code and organisation are the supplier's key
            for name in ("org", "code"):
                self.fields[name].disabled = True
        else:
            del self.fields["is_active"]


class ResubmitForm(forms.Form):
    business_scope = forms.CharField(
        label=_("Business scope"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    tax_number = forms.CharField(label=_("Tax number"), max_length=20, required=False)
    address = forms.CharField(label=_("Street address"), max_length=200, required=False)


class OrganizationForm(forms.Form):
    parent = forms.ChoiceField(label=_("Parent organisation"))
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[c for c in OrgKind.choices if c[0] != "group"]
    )
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("— choose —")), *org_choices(actor)]


class MoveOrganizationForm(forms.Form):
    org = forms.ChoiceField(label=_("Organisation"))
    parent = forms.ChoiceField(label=_("New parent organisation"))

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— choose —")), *org_choices(actor)]
        self.fields["org"].choices = choices
        self.fields["parent"].choices = choices


class SalesRegionForm(forms.Form):
    org = forms.ChoiceField(label=_("Organisation"))
    kind = forms.ChoiceField(label=_("Kind"), choices=SalesRegionKind.choices)
    parent = forms.ChoiceField(label=_("Parent sales region"), required=False)
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=60)
    provinces = forms.MultipleChoiceField(
        label=_("Provinces covered"),
        required=False,
        widget=CheckboxPicker,
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [("", _("— choose —")), *org_choices(actor)]
        self.fields["parent"].choices = [("", _("— none —"))] + [
            (str(r.pk), f"{r.name} ({r.code})") for r in tenancy.list_sales_regions(actor)
        ]
        self.fields["provinces"].choices = [(r.code, r.name) for r in tenancy.list_regions(None)]


class ClassForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=60)


class LevelForm(ClassForm):
    rank = forms.IntegerField(
        label=_("Rank"), min_value=1, max_value=99, help_text=_("1 is the best level.")
    )
