"""The audit trail in people's words: action labels (客户启用, not `party.customer_activate`),
object types and names (客户 上海金穗商贸, not `party.customer #2`), field labels (组织, not
`org`), names of referenced objects (清泉饮品集团, not `3`) and choice labels (潜在客户 →
合作中, not `prospect→active`).

Audit rows store codes and ids (they must outlive renames); this module turns them into words
for pages and exports. Referenced objects are loaded in one query per model for a whole page
of entries. Models are looked up by app label (`django.apps`), so no domain module is imported.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from omni.kernel import audit

ACTION_LABELS: dict[str, Any] = {
    "access.login_failed": _("Login failed"),
    "access.login_succeeded": _("Logged in"),
    "access.login_throttled": _("Login throttled"),
    "access.password_reset": _("Password reset"),
    "access.role_assigned": _("Role assigned"),
    "access.role_created": _("Role created"),
    "access.role_revoked": _("Role revoked"),
    "access.role_updated": _("Role changed"),
    "access.token_issued": _("API token issued"),
    "access.token_revoked": _("API token revoked"),
    "access.user_created": _("User created"),
    "access.user_deactivated": _("User deactivated"),
    "access.user_reactivated": _("User reactivated"),
    "access.user_updated": _("User changed"),
    "catalog.authorisation_created": _("Authorisation rule created"),
    "catalog.authorisation_deleted": _("Authorisation rule deleted"),
    "catalog.authorisation_updated": _("Authorisation rule changed"),
    "catalog.brand_created": _("Brand created"),
    "catalog.brand_updated": _("Brand changed"),
    "catalog.category_created": _("Category created"),
    "catalog.category_moved": _("Category moved"),
    "catalog.category_updated": _("Category changed"),
    "catalog.demo_loaded": _("Demo data loaded"),
    "catalog.product_created": _("Product created"),
    "catalog.product_status_changed": _("Product status changed"),
    "catalog.product_updated": _("Product changed"),
    "catalog.sku_status_changed": _("SKU status changed"),
    "catalog.sku_updated": _("SKU changed"),
    "catalog.unit_created": _("Unit created"),
    "catalog.unit_updated": _("Unit changed"),
    "import.applied": _("Import applied"),
    "party.address_added": _("Address added"),
    "party.address_made_default": _("Default address set"),
    "party.address_updated": _("Address changed"),
    "party.address_removed": _("Address removed"),
    "party.application_approved": _("Application approved"),
    "party.application_more_info": _("More information requested"),
    "party.application_rejected": _("Application rejected"),
    "party.application_resubmitted": _("Application resubmitted"),
    "party.application_submitted": _("Application submitted"),
    "party.bank_account_added": _("Bank account added"),
    "party.bank_account_removed": _("Bank account removed"),
    "party.contact_added": _("Contact added"),
    "party.contact_made_default": _("Primary contact set"),
    "party.contact_updated": _("Contact changed"),
    "party.contact_removed": _("Contact removed"),
    "party.customer_activate": _("Customer activated"),
    "party.customer_class_created": _("Customer class created"),
    "party.customer_created": _("Customer created"),
    "party.customer_exit": _("Customer exited"),
    "party.customer_freeze": _("Customer frozen"),
    "party.customer_level_created": _("Customer level created"),
    "party.customer_unfreeze": _("Customer unfrozen"),
    "party.customer_updated": _("Customer changed"),
    "party.invitation_created": _("Invitation created"),
    "party.organization_created": _("Organisation created"),
    "party.organization_moved": _("Organisation moved"),
    "party.organization_updated": _("Organisation changed"),
    "party.sales_region_created": _("Sales region created"),
    "party.sales_region_updated": _("Sales region changed"),
    "party.supplier_created": _("Supplier created"),
    "party.supplier_updated": _("Supplier changed"),
}

OBJECT_TYPE_LABELS: dict[str, Any] = {
    "access.user": _("User"),
    "access.role": _("Role"),
    "access.apitoken": _("API token"),
    "catalog.authorisationrule": _("Authorisation rule"),
    "catalog.brand": _("Brand"),
    "catalog.category": _("Category"),
    "catalog.demo": _("Demo data"),
    "catalog.product": _("Product"),
    "catalog.sku": _("SKU"),
    "catalog.unit": _("Unit of measure"),
    "party.customer": _("Customer"),
    "party.customerclass": _("Customer class"),
    "party.customerlevel": _("Customer level"),
    "party.dealerapplication": _("Dealer application"),
    "party.organization": _("Organisation"),
    "party.salesregion": _("Sales region"),
    "party.supplier": _("Supplier"),
    "tenancy.organization": _("Organisation"),
    "tenancy.salesregion": _("Sales region"),
}

FIELD_LABELS: dict[str, Any] = {
    "account_manager": _("Account manager"),
    "base_unit": _("Base unit"),
    "brand": _("Brand"),
    "category": _("Category"),
    "channel": _("Channel"),
    "code": _("Code"),
    "contact": _("Contact name"),
    "contact_name": _("Contact person"),
    "created": _("Created"),
    "customer": _("Customer"),
    "customer_class": _("Customer class"),
    "customer_level": _("Customer level"),
    "description": _("Description"),
    "display_name": _("Display name"),
    "effect": _("Effect"),
    "email": _("Email"),
    "factor": _("Factor"),
    "invoice_title": _("Invoice title"),
    "ip": _("IP address"),
    "is_active": _("Active"),
    "is_bundle": _("Bundle (gift box)"),
    "kind": _("Kind"),
    "level": _("Customer level"),
    "name": _("Record name"),
    "note": _("Note"),
    "org": _("Organisation"),
    "parent": _("Parent"),
    "permissions": _("Permissions"),
    "phone": _("Phone"),
    "product": _("Product"),
    "reason": _("Reason"),
    "region": _("Location"),
    "role": _("Role"),
    "sales_region": _("Sales region"),
    "scope": _("Data scope"),
    "shelf_life_days": _("Shelf life (days)"),
    "short_name": _("Short name"),
    "sku": _("SKU"),
    "skus": _("SKUs"),
    "spec_attributes": _("Spec attributes"),
    "status": _("Status"),
    "subject_kind": _("Subject kind"),
    "tags": _("Tags"),
    "target_kind": _("Target kind"),
    "tax_number": _("Tax number"),
    "totals": _("Totals"),
    "track_batch": _("Batch tracking"),
    "track_expiry": _("Expiry tracking"),
    "track_serial": _("Serial numbers"),
    "unit": _("Unit of measure"),
    "upper": _("Upper-level customer"),
    "username": _("Username"),
    "valid_from": _("Valid from"),
    "valid_to": _("Valid to"),
    "weighed": _("Weighed goods"),
}

# Fields holding the id of another object: the model(s) to name it from, first found wins
# (organisations and sales regions are moving from party to tenancy).
REFERENCES: dict[str, tuple[str, ...]] = {
    "org": ("tenancy.Organization", "party.Organization"),
    "sales_region": ("tenancy.SalesRegion", "party.SalesRegion"),
    "customer_class": ("party.CustomerClass",),
    "customer_level": ("party.CustomerLevel",),
    "level": ("party.CustomerLevel",),
    "upper": ("party.Customer",),
    "customer": ("party.Customer",),
    "account_manager": ("access.User",),
    "brand": ("catalog.Brand",),
    "category": ("catalog.Category",),
    "base_unit": ("catalog.Unit",),
    "unit": ("catalog.Unit",),
    "product": ("catalog.Product",),
    "sku": ("catalog.Sku",),
}
# (object type, field) → (model, field) whose choices label the stored code
CHOICES_FROM: dict[tuple[str, str], tuple[str, str]] = {
    ("access.user", "scope"): ("access.RoleAssignment", "scope_kind"),
}


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _reference_model(field: str, object_type: str) -> type[models.Model] | None:
    if field == "parent":  # a tree: the parent is of the object's own type
        return _model(object_type)
    for label in REFERENCES.get(field, ()):
        model = _model(label)
        if model is not None:
            return model
    return None


def _choices(object_type: str, field: str) -> dict[str, Any]:
    model_label, field_name = CHOICES_FROM.get((object_type, field), (object_type, field))
    model = _model(model_label)
    if model is None:
        return {}
    try:
        model_field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return {}
    return {str(k): v for k, v in getattr(model_field, "flatchoices", None) or ()}


def action_label(action: str) -> Any:
    """Every action the product writes has a label; an unknown one is shown as it is."""
    return ACTION_LABELS.get(action, action)


def object_type_label(object_type: str) -> Any:
    if object_type in OBJECT_TYPE_LABELS:
        return OBJECT_TYPE_LABELS[object_type]
    model = _model(object_type)
    return model._meta.verbose_name if model is not None else object_type


def field_label(field: str) -> Any:
    return FIELD_LABELS.get(field) or field.replace("_", " ")


class AuditWords:
    """Words for a batch of audit entries; names of referenced objects are loaded in bulk."""

    def __init__(self, entries: Iterable[Any]) -> None:
        wanted: dict[type[models.Model], set[int]] = defaultdict(set)
        objects: dict[str, set[int]] = defaultdict(set)
        org_model = _reference_model("org", "")
        for e in entries:
            if org_model is not None and getattr(e, "org_id", None) is not None:
                wanted[org_model].add(e.org_id)
            object_id = _int(e.object_id)
            if object_id is not None:
                objects[e.object_type].add(object_id)
            for data in (e.before or {}, e.after or {}):
                for field, value in data.items():
                    model = _reference_model(field, e.object_type)
                    if model is not None and _int(value) is not None:
                        wanted[model].add(_int(value))  # type: ignore[arg-type]
        for object_type, ids in objects.items():
            model = _model(object_type)
            if model is not None:
                wanted[model] |= ids
        self._names: dict[type[models.Model], dict[int, str]] = {
            model: {
                pk: name
                for pk, obj in model._default_manager.in_bulk(ids).items()
                if (name := _name(obj)) is not None
            }
            for model, ids in wanted.items()
        }

    def _name_of(self, model: type[models.Model] | None, value: Any) -> str | None:
        pk = _int(value)
        if model is None or pk is None:
            return None
        return self._names.get(model, {}).get(pk)

    def object_name(self, object_type: str, object_id: Any) -> str | None:
        return self._name_of(_model(object_type), object_id)

    def value(self, object_type: str, field: str, value: Any) -> str:
        """A before/after value as people read it."""
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, bool):
            return str(_("Yes") if value else _("No"))
        name = self._name_of(_reference_model(field, object_type), value)
        if name is not None:
            return name
        if isinstance(value, str):
            label = _choices(object_type, field).get(value)
            return str(label) if label is not None else value
        if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
            return "、".join(str(v) for v in value)
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return str(value)

    def describe(self, entry: Any) -> dict[str, Any]:
        """An entry as words: action, object (type, name), changed fields with their values."""
        before, after = entry.before or {}, entry.after or {}
        fields = audit.changed_fields(entry.before, entry.after)
        return {
            "action": action_label(entry.action),
            "object_type": object_type_label(entry.object_type),
            "object_name": self.object_name(entry.object_type, entry.object_id),
            "org_name": self._name_of(_reference_model("org", ""), getattr(entry, "org_id", None)),
            "fields": [field_label(f) for f in fields],
            "changes": [
                {
                    "field": f,
                    "label": field_label(f),
                    "before": self.value(entry.object_type, f, before.get(f)),
                    "after": self.value(entry.object_type, f, after.get(f)),
                    "added": f not in before,
                }
                for f in fields
            ],
        }


def describe_entries(entries: list[Any]) -> list[Any]:
    """Set `entry.words` (see `AuditWords.describe`) on each entry; returns the entries."""
    words = AuditWords(entries)
    for e in entries:
        e.words = words.describe(e)
    return entries


def history_rows(object_type: str, object_id: Any) -> list[dict[str, Any]]:
    """`omni.kernel.audit.history_rows` in people's words, for the 变更记录 tab."""
    entries = list(audit.list_entries(object_type=object_type, object_id=object_id)[:200])
    words = AuditWords(entries)
    rows = []
    for e in entries:
        described = words.describe(e)
        rows.append(
            {
                "at": e.at,
                "actor": e.actor_name,
                "action": described["action"],
                "action_code": e.action,
                "changes": described["changes"],
                "request_id": e.request_id,
            }
        )
    return rows


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def _name(obj: Any) -> str | None:
    """What people call the object: its name, else its own text, else its code; None for a
    row with nothing but an id (the page shows #id)."""
    name = getattr(obj, "name", None)
    if name:
        return str(name)
    if type(obj).__str__ is not models.Model.__str__:
        return str(obj)
    code = getattr(obj, "code", None)
    return str(code) if code else None
