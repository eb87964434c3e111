"""Money received from a customer (a confirmed transfer, a paid top-up): the customer's
account is credited from the organisation's bank account, in the caller's transaction."""

from __future__ import annotations

from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.ledger.calculations import from_minor, positive_minor
from omni.ledger.errors import InvalidAmount as LedgerInvalidAmount
from omni.ledger.services.accounts import counter_account
from omni.ledger.services.posting import post_lines, snapshots
from omni.ledger.types import EntryCommand, Line, PostedEntry

from .. import errors


def post_receipt(
    *,
    actor: Actor,
    account_id: int,
    org_id: int,
    amount: int,
    kind: str,
    source_type: str,
    source_id: str,
    memo: str,
    key: str,
    check_status: bool = True,
) -> PostedEntry:
    """Post `amount` (fen) into the customer's account; `key` makes it happen once."""
    bank = counter_account(org_id, "bank")
    value = from_minor(amount, 2)
    return post_lines(
        actor=actor,
        command=EntryCommand(
            kind=kind,
            lines=(Line(account_id, value), Line(bank, -value)),
            source_type=source_type,
            source_id=source_id,
            memo=memo,
            business_date=clock.today(),
            key=key,
        ),
        accounts=snapshots([account_id, bank]),
        check_status=check_status,
    )


def amount_fen(amount: object) -> int:
    """A positive yuan amount (at most 2 decimals) from a caller, as fen; else
    `invalid_amount`."""
    try:
        return positive_minor(amount, 2)
    except LedgerInvalidAmount as exc:
        raise errors.InvalidAmount(details={"field": "amount", **exc.details}) from None
