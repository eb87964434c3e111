"""Catalog error codes (stable: never rename one) and their messages.

Each code maps to one kernel error class (and so one HTTP status):

=====================  ====  ==============================================================
code                   HTTP  when
=====================  ====  ==============================================================
duplicate_code         409   a brand / category / unit / product / SKU code is taken
duplicate_barcode      409   the barcode is already on some SKU
duplicate_spec         409   two SKUs of one product would have the same spec values
spec_value_in_use      409   removing a spec value or attribute that SKUs still use
base_unit_in_use       409   changing the base unit of a product whose SKUs have conversions
unit_in_use            409   removing a conversion whose unit still labels barcodes
invalid_code           422   a code is not 1 to details.max_length (the column's length: units
                             16, SKUs 40, others 32) of A-Z a-z 0-9 . _ -
invalid_barcode        422   not a GTIN-8/12/13/14 with its check digit nor an internal code
invalid_spec           422   spec attributes / values malformed (details.reason says how)
category_cycle         422   moving a category under itself or one of its descendants
shelf_life_required    422   expiry tracking without a positive shelf life
invalid_factor         422   a conversion factor that is not > 0, or for the base unit
invalid_quantity       422   a bundle quantity that is not > 0
duplicate_component    422   the same component twice in one bundle
not_a_bundle           422   bundle items on a SKU whose product is not a bundle
bundle_cycle           422   a bundle containing itself, directly or through other bundles
invalid_rule           422   an authorisation rule's subject/target does not match its kind
invalid_date_range     422   valid_to before valid_from
inconsistent_rows      422   rows of one product in a bulk write disagree on its fields
duplicate_primary      422   two rows of a bulk write make primary the same SKU and unit
duplicate_rule         409   an authorisation rule with the same organisation, effect, subject,
                             target and dates exists (or comes earlier in the batch)
read_only              403   a row the actor can see but not change (group data seen from a
                             subsidiary), named in a bulk row
unknown_org / unknown_brand / unknown_category / unknown_unit / unknown_product /
unknown_sku / unknown_customer_class / unknown_customer_level / unknown_sales_region /
unknown_customer       404   an id in the request body names nothing (or nothing the actor
                             sees); an InvalidInput whose status is 404 (UnknownReference)
not_found              404   the object in the URL does not exist or is outside the scope
=====================  ====  ==============================================================
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from omni.kernel.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    UnknownReference,
)

MESSAGES: dict[str, Any] = {
    "duplicate_code": _("This code is already in use."),
    "duplicate_barcode": _("This barcode is already in use."),
    "duplicate_spec": _("Two SKUs would have the same spec values."),
    "spec_value_in_use": _("Spec values that SKUs use cannot be removed."),
    "base_unit_in_use": _("The base unit cannot change while SKUs have unit conversions."),
    "unit_in_use": _("Barcodes still label this unit; remove them first."),
    "duplicate_component": _("Each component can appear only once in a bundle."),
    "invalid_code": _(
        "Codes are letters, digits, dots, dashes or underscores, no longer than the field allows."
    ),
    "invalid_barcode": _(
        "Not a valid barcode: an EAN/UPC/GTIN of 8, 12, 13 or 14 digits with a right check "
        "digit, or an internal code of 1 to 4 capital letters then digits (SKU00017)."
    ),
    "invalid_spec": _("The spec attributes are not valid."),
    "category_cycle": _("A category cannot be moved under itself or its own subcategory."),
    "shelf_life_required": _("Expiry tracking needs a shelf life of at least one day."),
    "invalid_factor": _("A conversion factor must be greater than zero and not for the base unit."),
    "invalid_quantity": _("Quantities must be greater than zero."),
    "not_a_bundle": _("Only a bundle product can have bundle items."),
    "bundle_cycle": _("A bundle cannot contain itself."),
    "invalid_rule": _("The rule's customers or products do not match its kind."),
    "invalid_date_range": _("The end date is before the start date."),
    "inconsistent_rows": _(
        "Every row of a product must give the same name, brand, category, base unit, "
        "organisation and spec attribute names."
    ),
    "duplicate_primary": _("A SKU has only one primary barcode per unit."),
    "duplicate_rule": _("The same authorisation rule exists already."),
    "read_only": _("This belongs to another organisation: you cannot change it."),
    "unknown_org": _("Unknown organisation."),
    "unknown_brand": _("Unknown brand."),
    "unknown_category": _("Unknown category."),
    "unknown_unit": _("Unknown unit."),
    "unknown_product": _("Unknown product."),
    "unknown_sku": _("Unknown SKU."),
    "unknown_customer_class": _("Unknown customer class."),
    "unknown_customer_level": _("Unknown customer level."),
    "unknown_sales_region": _("Unknown sales region."),
    "unknown_customer": _("Unknown customer."),
}

# a more precise message for a code with this details["reason"]
REASONS: dict[tuple[str, str], Any] = {
    ("duplicate_barcode", "other_unit"): _(
        "This barcode already labels another unit of the same SKU."
    ),
}

CONFLICTS = {
    "duplicate_code",
    "duplicate_rule",
    "duplicate_barcode",
    "duplicate_spec",
    "spec_value_in_use",
    "base_unit_in_use",
    "unit_in_use",
}


def message(code: str, details: dict[str, Any] | None = None) -> Any:
    """The message of `code`, or of its `details["reason"]` when that has its own."""
    reason = (details or {}).get("reason")
    return (
        REASONS.get((code, reason), MESSAGES[code]) if isinstance(reason, str) else MESSAGES[code]
    )


def invalid(code: str, /, **details: Any) -> InvalidInput:
    if code.startswith("unknown_"):  # an id that names nothing: 404, see UnknownReference
        return UnknownReference(code, message(code, details), details)
    return InvalidInput(code, message(code, details), details)


def conflict(code: str, /, **details: Any) -> Conflict:
    return Conflict(code, message(code, details), details)


def read_only(**details: Any) -> PermissionDenied:
    return PermissionDenied("read_only", MESSAGES["read_only"], details)


def not_found(kind: str, object_id: Any) -> NotFound:
    return NotFound(details={"object": kind, "id": object_id})
