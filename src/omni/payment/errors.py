"""Payment error codes (stable: never rename one).

========================  ====  ================================================================
code                      HTTP  when
========================  ====  ================================================================
invalid_amount            422   zero, negative or more than 2 decimals
invalid_voucher           422   the voucher is not a JPEG, PNG or WebP image, or larger than
                                details.max_bytes
invalid_bank_reference    422   not 1 to 64 letters, digits, dashes or underscores
invalid_paid_on           409   a payment date after today (on the business clock)
duplicate_bank_reference  409   a transfer with this bank reference is registered (not rejected)
reason_required           422   rejecting without a reason
unknown_customer          404   a customer the actor may not use
provider_not_configured   409   the payment provider has no merchant configuration here
provider_failed           409   the provider refused or could not be reached (details.code)
not_paid                  409   refunding a top-up that is not paid
refund_exceeds_paid       409   refunds would exceed what was paid (details.refundable)
unknown_organization      404   an organisation the actor may not change (auto-pay rules)
unknown_customer_class    404   a customer class code that names nothing
unknown_account_type      404   an account type code that names no active type of the chart
account_type_cannot_pay   409   an account type the chart does not let pay for goods on orders,
                                or not in yuan (details.account_type)
duplicate_account_type    409   an account type named in two steps of one auto-pay rule
invalid_ratio             422   a step's maximum ratio not a whole percent from 1 to 100
invalid_steps             422   an auto-pay rule without steps, or with more than details.max
========================  ====  ================================================================
"""

from django.utils.translation import gettext_lazy as _

from omni.kernel.errors import Conflict, InvalidInput, UnknownReference, coded

InvalidAmount = coded(
    InvalidInput,
    "invalid_amount",
    _("Amounts must be greater than zero, with no more decimals than the currency allows."),
)
InvalidVoucher = coded(
    InvalidInput,
    "invalid_voucher",
    _("The voucher must be a JPEG, PNG or WebP image of at most 5 MB."),
)
InvalidBankReference = coded(
    InvalidInput,
    "invalid_bank_reference",
    _("The bank reference is 1 to 64 letters, digits, dashes or underscores."),
)
# 409: the date is well formed; it conflicts with today's date (the business clock)
InvalidPaidOn = coded(Conflict, "invalid_paid_on", _("The payment date is in the future."))
DuplicateBankReference = coded(
    Conflict,
    "duplicate_bank_reference",
    _("A transfer with this bank reference has already been registered."),
)
ReasonRequired = coded(InvalidInput, "reason_required", _("Give a reason."))
UnknownCustomer = coded(UnknownReference, "unknown_customer", _("Unknown customer."))
ProviderNotConfigured = coded(
    Conflict,
    "provider_not_configured",
    _("Online payment through this provider is not set up."),
)
ProviderFailed = coded(
    Conflict, "provider_failed", _("The payment provider could not take the order. Try again.")
)
NotPaid = coded(Conflict, "not_paid", _("Only a paid top-up can be refunded."))
RefundExceedsPaid = coded(
    Conflict, "refund_exceeds_paid", _("The refund is more than what is left to refund.")
)
UnknownOrganization = coded(UnknownReference, "unknown_organization", _("Unknown organisation."))
UnknownCustomerClass = coded(
    UnknownReference, "unknown_customer_class", _("Unknown customer class.")
)
UnknownAccountType = coded(UnknownReference, "unknown_account_type", _("Unknown account type."))
AccountTypeCannotPay = coded(
    Conflict,
    "account_type_cannot_pay",
    _("This account type cannot pay for orders."),
)
DuplicateAccountType = coded(
    Conflict,
    "duplicate_account_type",
    _("Each account type may appear only once in a rule."),
)
InvalidRatio = coded(
    InvalidInput,
    "invalid_ratio",
    _("The maximum share of the order is a whole percent from 1 to 100."),
)
InvalidSteps = coded(
    InvalidInput, "invalid_steps", _("A rule has at least one and at most ten steps.")
)
