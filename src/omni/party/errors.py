"""Party error codes (stable: never rename one): one row each, code, HTTP status and message.

=================================  ====  ========================================================
code                               HTTP  when
=================================  ====  ========================================================
invalid_phone                      422   not a phone number
invalid_tax_number                 422   not a unified social credit code
upper_outside_organisation         422   an upper-level supplier in another organisation
reason_required                    422   an action that needs a reason, without one
lower_customers_in_organisation    422   moving a customer whose lower-level customers stay
lower_customers_need_supplier      422   a customer with lower-level customers stops supplying
upper_cannot_supply                422   a store or key account as upper-level supplier
upper_row_rejected                 422   the upper-level supplier's row of the batch is refused
invalid_tags                       422   too many or too long tags
several_defaults                   422   two primary contacts or default addresses
duplicate_contact                  409   the same contact twice
duplicate_address                  409   the same address twice
duplicate_code / cyclic_hierarchy / unknown_region   from ``omni.tenancy.errors``
=================================  ====  ========================================================
"""

from django.utils.translation import gettext_lazy as _

from omni.kernel.errors import Conflict, InvalidInput, coded

# organisation and region errors live in tenancy; party raises the same ones for its rows
from omni.tenancy.errors import CyclicHierarchy, DuplicateCode, UnknownRegion  # noqa: F401

InvalidPhone = coded(InvalidInput, "invalid_phone", _("Not a valid phone number."))
InvalidTaxNumber = coded(
    InvalidInput,
    "invalid_tax_number",
    _("Not a valid unified social credit code (tax number)."),
)
SupplierOutsideOrganisation = coded(
    InvalidInput,
    "upper_outside_organisation",
    _("The upper-level supplier must belong to the same organisation."),
)
ReasonRequired = coded(InvalidInput, "reason_required", _("Give a reason for this action."))
LowerCustomersElsewhere = coded(
    InvalidInput,
    "lower_customers_in_organisation",
    _(
        "Lower-level customers still buy from this customer in its organisation: move or "
        "reassign them first."
    ),
)
LowerCustomersNeedSupplier = coded(
    InvalidInput,
    "lower_customers_need_supplier",
    _(
        "Lower-level customers still buy from this customer: a customer with lower-level "
        "customers must stay a distributor or dealer."
    ),
)
UpperCannotSupply = coded(
    InvalidInput,
    "upper_cannot_supply",
    _("A store or key account cannot be an upper-level supplier: choose a distributor or dealer."),
)
UpperRowRejected = coded(
    InvalidInput,
    "upper_row_rejected",
    _("The upper-level supplier's own row of this batch is refused."),
)
InvalidTags = coded(
    InvalidInput, "invalid_tags", _("At most 20 tags of at most 30 characters each.")
)
SeveralDefaults = coded(
    InvalidInput,
    "several_defaults",
    _("A customer has only one primary contact and one default address."),
)
DuplicateContact = coded(
    Conflict,
    "duplicate_contact",
    _("This customer already has a contact with this name and phone."),
)
DuplicateAddress = coded(
    Conflict,
    "duplicate_address",
    _("This customer already has this address (same region, street and receiver)."),
)
