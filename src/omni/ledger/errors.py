"""Ledger error codes (stable: never rename one): one row each, code, HTTP status and message.

=====================  ====  ====================================================================
code                   HTTP  when
=====================  ====  ====================================================================
invalid_amount         422   zero, negative where a positive amount is due, or more decimals than
                             the account's unit has (details.places)
unbalanced_entry       422   the lines of an entry do not sum to zero per currency
too_few_lines          422   an entry with fewer than two lines
currency_mismatch      422   a line whose currency is not its account's
wrong_holder           422   a customer account type for an organisation or the reverse
unknown_account_type   404   an account type code that names nothing
unknown_account        404   an account id that names nothing the actor may use
unknown_customer       404   a customer id that names nothing the actor may use
insufficient_funds     409   the account's available balance (balance − held) would go below 0
account_frozen         409   posting to or holding on a frozen account
customer_frozen        409   posting to or holding on an account of a frozen or exited customer
already_reversed       409   reversing an entry that has been reversed (or is a reversal)
hold_closed            409   capturing or releasing a hold that is captured or released
hold_exceeded          422   capturing more than the hold holds
duplicate_hold         409   another hold for the same account and source document
key_reused             409   an idempotency key reused for a different entry
period_not_closed      409   answering a statement for a month that has not ended
period_answered        409   confirming or disputing a month already confirmed, or resolving
                             one that is not disputed
invalid_month          422   a month that is not YYYY-MM
comment_required       422   disputing without a comment, resolving without a resolution
unknown_posting        404   a disputed line that is not a posting of that account and month
=====================  ====  ====================================================================
"""

from django.utils.translation import gettext_lazy as _

from omni.kernel.errors import Conflict, InvalidInput, InvalidTransition, UnknownReference, coded

InvalidAmount = coded(
    InvalidInput,
    "invalid_amount",
    _("Amounts must be greater than zero, with no more decimals than the currency allows."),
)
UnbalancedEntry = coded(
    InvalidInput, "unbalanced_entry", _("The lines of an entry must sum to zero.")
)
TooFewLines = coded(InvalidInput, "too_few_lines", _("An entry needs at least two lines."))
CurrencyMismatch = coded(
    InvalidInput, "currency_mismatch", _("The currency does not match the account's.")
)
WrongHolder = coded(
    InvalidInput,
    "wrong_holder",
    _("This account type is for another kind of holder (customer or organisation)."),
)
UnknownAccountType = coded(UnknownReference, "unknown_account_type", _("Unknown account type."))
UnknownAccount = coded(UnknownReference, "unknown_account", _("Unknown account."))
UnknownCustomer = coded(UnknownReference, "unknown_customer", _("Unknown customer."))
InsufficientFunds = coded(
    Conflict, "insufficient_funds", _("The account's available balance is not enough.")
)
AccountFrozen = coded(Conflict, "account_frozen", _("This account is frozen."))
CustomerFrozen = coded(
    Conflict, "customer_frozen", _("The customer is frozen or has exited: no money can move.")
)
AlreadyReversed = coded(Conflict, "already_reversed", _("This entry cannot be reversed again."))
HoldClosed = coded(
    InvalidTransition, "hold_closed", _("This hold has already been captured or released.")
)
HoldExceeded = coded(InvalidInput, "hold_exceeded", _("You cannot capture more than is held."))
DuplicateHold = coded(
    Conflict, "duplicate_hold", _("This document already holds a different amount here.")
)
KeyReused = coded(Conflict, "key_reused", _("This idempotency key was used for a different entry."))
PeriodNotClosed = coded(
    Conflict, "period_not_closed", _("A month can be confirmed once it has ended.")
)
PeriodAnswered = coded(
    Conflict, "period_answered", _("This month's statement cannot be answered this way now.")
)
InvalidMonth = coded(InvalidInput, "invalid_month", _("Give the month as YYYY-MM."))
UnknownPosting = coded(
    UnknownReference, "unknown_posting", _("A line is not in this account's statement.")
)
CommentRequired = coded(InvalidInput, "comment_required", _("Say what is wrong."))
