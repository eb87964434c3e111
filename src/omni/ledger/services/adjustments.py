"""Adjustments (调账): finance moves money into or out of a customer's account against the
organisation's adjustment account, with a memo; refused like any posting (frozen account or
customer, not enough available money)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from omni.kernel.actors import Actor

from .. import errors
from ..calculations import from_minor, positive_minor
from ..types import EntryCommand, EntryKind, Line, PostedEntry
from .accounts import counter_account
from .posting import post_lines, snapshots

PERMISSION = "ledger.entry.create"


@transaction.atomic(durable=True)
def adjust_balance(
    *, actor: Actor, account_id: int, direction: str, amount: Decimal | str, memo: str = ""
) -> PostedEntry:
    actor.require(PERMISSION)
    account = snapshots([account_id], actor, PERMISSION).get(account_id)
    if account is None or account.customer_id is None:
        raise errors.UnknownAccount(details={"account_id": account_id})
    value = from_minor(positive_minor(amount, account.places), account.places)
    if direction not in ("in", "out"):
        raise errors.InvalidAmount(details={"field": "direction"})
    signed = value if direction == "in" else -value
    counter = counter_account(
        account.org_id,
        "adjustment" if account.currency != "PTS" else "points_issued",
        account.currency,
    )
    accounts = {**snapshots([counter]), account_id: account}
    return post_lines(
        actor=actor,
        command=EntryCommand(
            kind=EntryKind.ADJUSTMENT,
            lines=(Line(account_id, signed), Line(counter, -signed)),
            source_type="ledger.adjustment",
            memo=memo,
        ),
        accounts=accounts,
    )
