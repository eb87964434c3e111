"""Credit error codes (stable: never rename one).

=================  ====  ==========================================================
code               HTTP  when
=================  ====  ==========================================================
invalid_amount     422   a negative limit, or more than 2 decimals
limit_below_used   409   lowering a limit below what is used and held
unknown_customer   404   a customer the actor may not use
invalid_expiry     409   a temporary credit expiring in the past or over a year ahead
reason_required    422   no reason given (request, rejection, revocation)
unknown_manager    404   an account manager who is not an active user
own_request        409   approving one's own temporary credit request (four eyes)
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
InvalidExpiry = coded(
    Conflict,
    "invalid_expiry",
    _("The expiry date must be between today and one year ahead."),
)
ReasonRequired = coded(InvalidInput, "reason_required", _("Give a reason."))
UnknownManager = coded(UnknownReference, "unknown_manager", _("Unknown account manager."))
OwnRequest = coded(
    Conflict, "own_request", _("A temporary credit must be approved by someone else.")
)
