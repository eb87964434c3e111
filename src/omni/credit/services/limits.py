"""Credit limits (信用额度) and the credit check.

Setting a limit posts the difference to the customer's credit account against the
organisation's credit line (a grant or a withdrawal): the account's balance is the unused
limit, its frozen amount what orders hold, so usage is always the ledger's, never a
separate counter. Lowering a limit below what is used and held is refused by the ledger's
guard itself."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError, NotFound
from omni.ledger import selectors as ledger
from omni.ledger.calculations import from_minor, to_minor
from omni.ledger.errors import InvalidAmount as LedgerInvalidAmount
from omni.ledger.services.accounts import counter_account, customer_account
from omni.ledger.services.posting import post_lines, snapshots
from omni.ledger.types import EntryCommand, EntryKind, Line
from omni.tenancy import directory
from omni.tenancy.scope import scope_q

from .. import errors
from ..calculations import Ageing, age
from ..models import CreditLimit, CreditPolicy, OverdueAction
from .temporary import customer_sums


def _customer(actor: Actor, customer_id: int, *, named_in_body: bool) -> tuple[int, int]:
    """The customer and its organisation; outside the actor's scope it does not exist (a
    body reference answers unknown_customer, the object of the URL not_found)."""
    row = directory.customers(actor).filter(pk=customer_id).values_list("pk", "org_id").first()
    if row is None:
        if named_in_body:
            raise errors.UnknownCustomer(details={"customer_id": customer_id})
        raise NotFound(details={"object": "customer", "id": customer_id})
    return row


AUDITED = ("limit", "term_days", "policy", "warn_ratio", "overdue_action")


def ageing(account_id: int, term_days: int) -> Ageing:
    """The credit account's receivables aged FIFO against its payment term, today."""
    usage, repaid = ledger.usage_and_repayments([account_id])[account_id]
    return age(usage, repaid, term_days, clock.today())


@transaction.atomic(durable=True)
def set_credit_limit(
    *,
    actor: Actor,
    customer_id: int,
    limit: Decimal | str,
    term_days: int = 30,
    policy: str = CreditPolicy.BLOCK,
    warn_ratio: int = 80,
    overdue_action: str = OverdueAction.BLOCK,
) -> CreditLimit:
    actor.require("credit.limit.edit")
    customer, org_id = _customer(actor, customer_id, named_in_body=False)
    try:
        new = to_minor(limit, 2, field="limit")
    except LedgerInvalidAmount as exc:
        raise errors.InvalidAmount(details=exc.details) from None
    if new < 0:
        raise errors.InvalidAmount(details={"field": "limit", "reason": "negative"})
    if policy not in CreditPolicy.values:
        raise errors.InvalidAmount(details={"field": "policy"})
    if overdue_action not in OverdueAction.values:
        raise errors.InvalidAmount(details={"field": "overdue_action"})
    account_id = customer_account(customer, org_id, "credit")
    row = CreditLimit.objects.select_for_update().filter(customer_id=customer).first()
    before = None
    if row is None:
        row = CreditLimit(org_id=org_id, customer_id=customer, account_id=account_id)
        # a grant made before this table knew of it (temporary credit is not the limit)
        old = ledger_balance_minor(account_id) - sum(customer_sums(customer))
    else:
        before = audit.snapshot(row, AUDITED)
        old = row.limit
    delta = new - old
    if delta:
        line = counter_account(org_id, "credit_line")
        value = from_minor(delta, 2)
        try:
            post_lines(
                actor=actor,
                command=EntryCommand(
                    kind=EntryKind.GRANT,
                    lines=(Line(account_id, value), Line(line, -value)),
                    source_type="credit.limit",
                    source_id=str(customer),
                    memo=f"信用额度调整 {from_minor(old, 2)} → {from_minor(new, 2)}",
                ),
                accounts=snapshots([account_id, line]),
            )
        except DomainError as exc:
            if exc.code == "insufficient_funds":
                raise errors.LimitBelowUsed(details={"customer_id": customer}) from None
            raise
    row.limit, row.term_days, row.policy, row.warn_ratio = new, term_days, policy, warn_ratio
    row.overdue_action = overdue_action
    row.updated_by = actor.name
    row.save()
    after = audit.snapshot(row, AUDITED)
    audit.record_change(actor, "credit.limit_set", row, before=before, after=after)
    return row


def ledger_balance_minor(account_id: int) -> int:
    view = ledger.get_balance(Actor.system("credit"), account_id)
    return to_minor(view.balance, 2)


@dataclass(frozen=True, slots=True)
class CreditCheck:
    allowed: bool
    reason: str  # within_limit | over_limit | over_limit_warning | needs_approval | no_limit
    #              | overdue
    policy: str
    limit: Decimal
    used: Decimal
    held: Decimal
    temporary: Decimal
    available: Decimal
    overdue: Decimal
    warning: bool  # usage at or above the warning ratio after this amount, or overdue (warn)
    overdue_days: int = 0


def check_credit(*, actor: Actor, customer_id: int, amount: Decimal | str) -> CreditCheck:
    """Can this customer take `amount` more on credit now, and why (with the numbers)."""
    actor.require("credit.limit.view")
    customer, org_id = _customer(actor, customer_id, named_in_body=True)
    try:
        want = to_minor(amount, 2, field="amount")
    except LedgerInvalidAmount as exc:
        raise errors.InvalidAmount(details=exc.details) from None
    if want <= 0:
        raise errors.InvalidAmount(details={"field": "amount", "reason": "not_positive"})
    row = CreditLimit.objects.filter(customer_id=customer).first()
    active, owed = customer_sums(customer)
    zero = Decimal("0.00")
    if row is None and not (active or owed):
        return CreditCheck(
            False, "no_limit", CreditPolicy.BLOCK, zero, zero, zero, zero, zero, zero, False
        )
    aged = ageing(account_id_of(customer, org_id, row), row.term_days if row else 0)
    overdue = from_minor(aged.overdue, 2)
    policy = row.policy if row else CreditPolicy.BLOCK
    view = ledger.get_balance(Actor.system("credit"), account_id_of(customer, org_id, row))
    limit = from_minor(row.limit if row else 0, 2)
    temporary, still_owed = from_minor(active, 2), from_minor(owed, 2)
    held = view.frozen
    # what an ended temporary credit still owes back is not free to spend again
    available = max(view.available - still_owed, zero)
    used = limit + temporary + still_owed - view.balance
    value = from_minor(want, 2)
    within = value <= available
    ratio = row.warn_ratio if row else 80
    granted = limit + temporary
    warning = bool(granted) and (used + held + value) * 100 >= granted * ratio
    action = row.overdue_action if row else OverdueAction.BLOCK
    if overdue and action == OverdueAction.BLOCK:
        allowed, reason = False, "overdue"
    elif within:
        allowed, reason = True, "within_limit"
    elif policy == CreditPolicy.WARN:
        allowed, reason = True, "over_limit_warning"
    elif policy == CreditPolicy.APPROVE:
        allowed, reason = False, "needs_approval"
    else:
        allowed, reason = False, "over_limit"
    warning = warning or bool(overdue and action == OverdueAction.WARN)
    return CreditCheck(
        allowed,
        reason,
        policy,
        limit,
        used,
        held,
        temporary,
        available,
        overdue,
        warning,
        aged.overdue_days,
    )


def account_id_of(customer_id: int, org_id: int, row: CreditLimit | None) -> int:
    return row.account_id if row else customer_account(customer_id, org_id, "credit")


def list_limits_q(actor: Actor):
    return scope_q(
        actor,
        "credit.limit.view",
        "read",
        org="org",
        customer="customer",
        sales_region="customer__sales_region",
        owner="customer__account_manager",
    )
