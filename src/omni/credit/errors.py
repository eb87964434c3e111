"""Credit error codes (stable: never rename one).

=================  ====  ==========================================================
code               HTTP  when
=================  ====  ==========================================================
invalid_amount     422   a negative limit, or more than 2 decimals
limit_below_used   409   lowering a limit below what is used and held
unknown_customer   404   a customer the actor may not use
=================  ====  ==========================================================
"""

from django.utils.translation import gettext_lazy as _

from omni.kernel.errors import Conflict, InvalidInput, UnknownReference, coded

InvalidAmount = coded(
    InvalidInput,
    "invalid_amount",
    _("Amounts must be greater than zero, with no more decimals than the currency allows."),
)
LimitBelowUsed = coded(
    Conflict, "limit_below_used", _("The limit cannot be lower than what is used and held.")
)
UnknownCustomer = coded(UnknownReference, "unknown_customer", _("Unknown customer."))
