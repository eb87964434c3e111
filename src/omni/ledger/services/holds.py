"""Holds (冻结): money set aside on an account for a source document. An order holds at
submission, captures at shipment and releases on cancel. A hold is captured or released
once, never both (a compare-and-set on its status)."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound

from .. import errors
from ..calculations import check_can_move, from_minor, positive_minor
from ..models import Hold
from ..scoping import accounts_q
from ..types import EntryCommand, EntryKind, HoldStatus, Line, PostedEntry
from . import _rows
from .accounts import counter_account
from .posting import post_lines, snapshots

PERMISSION = "ledger.hold.edit"


def _hold_in_scope(actor: Actor, hold_id: int) -> Hold:
    qs = Hold.objects.select_related("account__type").filter(pk=hold_id)
    q = accounts_q(actor, PERMISSION, "write", prefix="account__")
    hold = (qs if q is None else qs.filter(q)).first()
    if hold is None:
        raise NotFound(details={"object": "hold", "id": hold_id})
    return hold


def _audit(actor: Actor, action: str, hold: Hold, **after: object) -> None:
    places = hold.account.type.places
    audit.record(
        actor=actor,
        action=f"ledger.hold_{action}",
        object_type="ledger.hold",
        object_id=hold.pk,
        after={
            "account_id": hold.account_id,
            "amount": str(from_minor(hold.amount, places)),
            "source": f"{hold.source_type}:{hold.source_id}",
            **after,
        },
        org_id=hold.account.org_id,
    )


@transaction.atomic(durable=True)
def hold_funds(
    *, actor: Actor, account_id: int, amount: Decimal | str, source_type: str, source_id: str
) -> Hold:
    """Hold `amount` on the account for (source_type, source_id). The same document asking
    again for the same amount gets the same hold (a repeat); for another amount, refused."""
    account = snapshots([account_id], actor, PERMISSION).get(account_id)
    if account is None:
        raise errors.UnknownAccount(details={"account_id": account_id})
    minor = positive_minor(amount, account.places)
    check_can_move(account)
    source_type, source_id = str(source_type)[:40], str(source_id)[:64]
    try:
        with transaction.atomic():
            hold = Hold.objects.create(
                account_id=account_id,
                amount=minor,
                source_type=source_type,
                source_id=source_id,
                actor_name=actor.name,
            )
    except IntegrityError:
        hold = Hold.objects.select_related("account__type").get(
            account_id=account_id, source_type=source_type, source_id=source_id
        )
        if hold.amount != minor:
            raise errors.DuplicateHold(
                details={"hold_id": hold.pk, "amount": str(from_minor(hold.amount, account.places))}
            ) from None
        return hold
    if _rows.freeze(account_id, minor, may_go_negative=account.may_go_negative) is None:
        raise errors.InsufficientFunds(details={"account_id": account_id, "amount": str(amount)})
    hold = Hold.objects.select_related("account__type").get(pk=hold.pk)
    _audit(actor, "placed", hold)
    return hold


@transaction.atomic(durable=True)
def release_hold(*, actor: Actor, hold_id: int) -> Hold:
    """Give the held money back to the available balance (order cancelled)."""
    hold = _hold_in_scope(actor, hold_id)
    if not _rows.close_hold(hold.pk, HoldStatus.RELEASED, 0, None, clock.now()):
        raise errors.HoldClosed(details={"hold_id": hold.pk, "status": _status(hold.pk)})
    if _rows.unfreeze(hold.account_id, hold.amount) is None:  # cannot happen unless drifted
        raise errors.HoldClosed(details={"hold_id": hold.pk, "reason": "frozen_drift"})
    _audit(actor, "released", hold)
    return Hold.objects.get(pk=hold.pk)


@transaction.atomic(durable=True)
def capture_hold(
    *,
    actor: Actor,
    hold_id: int,
    amount: Decimal | str | None = None,
    to_account_id: int | None = None,
    memo: str = "",
) -> PostedEntry:
    """Take `amount` (all of it by default) of the held money: the account pays it to
    `to_account_id` (the organisation's sales account by default); the rest of the hold is
    released. One entry, posted with the hold closed in the same transaction."""
    hold = _hold_in_scope(actor, hold_id)
    places = hold.account.type.places
    minor = hold.amount if amount is None else positive_minor(amount, places)
    if minor > hold.amount:
        raise errors.HoldExceeded(
            details={"hold_id": hold.pk, "held": str(from_minor(hold.amount, places))}
        )
    target = to_account_id or counter_account(hold.account.org_id, "sales", hold.account.currency)
    accounts = snapshots([hold.account_id, target])
    if target not in accounts or accounts[target].currency != hold.account.currency:
        raise errors.UnknownAccount(details={"account_id": target})
    if not _rows.close_hold(hold.pk, HoldStatus.CAPTURED, minor, None, clock.now()):
        raise errors.HoldClosed(details={"hold_id": hold.pk, "status": _status(hold.pk)})
    if _rows.unfreeze(hold.account_id, hold.amount) is None:
        raise errors.HoldClosed(details={"hold_id": hold.pk, "reason": "frozen_drift"})
    value = from_minor(minor, places)
    posted = post_lines(
        actor=actor,
        command=EntryCommand(
            kind=EntryKind.CAPTURE,
            lines=(Line(hold.account_id, -value), Line(target, value)),
            source_type=hold.source_type,
            source_id=hold.source_id,
            memo=memo,
        ),
        accounts=accounts,
        check_status=False,  # the hold was placed while the account could move money
    )
    Hold.objects.filter(pk=hold.pk).update(entry_id=posted.id)  # holds are not append-only
    _audit(actor, "captured", hold, captured=str(value), entry_id=posted.id)
    return posted


def _status(hold_id: int) -> str:
    return Hold.objects.filter(pk=hold_id).values_list("status", flat=True).first() or ""
