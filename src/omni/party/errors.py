from django.utils.translation import gettext_lazy as _

from omni.kernel.errors import Conflict, InvalidInput


class DuplicateCode(Conflict):
    code = "duplicate_code"
    default_message = _("This code is already in use.")


class CyclicHierarchy(InvalidInput):
    code = "cyclic_hierarchy"
    default_message = _("An item cannot be placed under itself or one of its descendants.")


class UnknownRegion(InvalidInput):
    code = "unknown_region"
    default_message = _("Unknown region code.")


class InvalidPhone(InvalidInput):
    code = "invalid_phone"
    default_message = _("Not a valid phone number.")


class InvalidTaxNumber(InvalidInput):
    code = "invalid_tax_number"
    default_message = _("Not a valid unified social credit code (tax number).")


class SupplierOutsideOrganisation(InvalidInput):
    code = "upper_outside_organisation"
    default_message = _("The upper-level supplier must belong to the same organisation.")
