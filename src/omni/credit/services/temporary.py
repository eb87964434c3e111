"""Temporary credit (临时信用): extra credit for a customer until a date.

An account manager (or sales admin) requests an amount, an expiry date and a reason; a
different user holding `credit.temporary.approve` approves or rejects it. Approval grants
the amount to the customer's credit account against the organisation's credit line, in the
same transaction as the status change. After the expiry date the scheduled sweep
(`expire_due`, run by the worker's housekeeping and by `omni expire_temporary_credit`)
moves it to expired and withdraws it; a revocation does the same at once.

What the customer has already used of the credit cannot be withdrawn: the sweep takes what
is available now and the rest as repayments free it (`withdrawn` grows, each part keyed so
a repeated sweep posts nothing twice). Until then the credit check counts the part still
owed back as unavailable, so the customer cannot spend it again."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_noop

from omni.kernel import audit, clock, notices
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError, NotFound
from omni.kernel.states import apply_transition
from omni.ledger import selectors as ledger
from omni.ledger.calculations import from_minor, positive_minor, to_minor
from omni.ledger.errors import InvalidAmount as LedgerInvalidAmount
from omni.ledger.services.accounts import counter_account, customer_account
from omni.ledger.services.posting import post_lines, snapshots
from omni.ledger.types import EntryCommand, EntryKind, Line
from omni.tenancy import directory
from omni.tenancy.scope import Mode, scope_q

from .. import errors
from ..models import TemporaryCredit, TemporaryCreditStatus
from ..states import TEMPORARY_FLOW

log = logging.getLogger("omni.credit")
FIELDS = ("customer", "amount", "withdrawn", "expires_on", "reason", "manager", "status")
ENDED = (TemporaryCreditStatus.EXPIRED, TemporaryCreditStatus.REVOKED)
MAX_DAYS = 366


def temporary_q(actor: Actor, permission: str | None, mode: Mode = "read") -> Q | None:
    return scope_q(
        actor,
        permission,
        mode,
        org="org",
        customer="customer",
        sales_region="customer__sales_region",
        owner=("customer__account_manager", "manager"),
    )


def _snap(row: TemporaryCredit) -> dict[str, object]:
    return audit.snapshot(row, FIELDS)


def _reason(text: str | None) -> str:
    reason = (text or "").strip()[:200]
    if not reason:
        raise errors.ReasonRequired(details={"field": "reason"})
    return reason


@transaction.atomic(durable=True)
def request_temporary_credit(
    *,
    actor: Actor,
    customer_id: int,
    amount: Decimal | str,
    expires_on: dt.date,
    reason: str,
    manager_id: int | None = None,
) -> TemporaryCredit:
    actor.require("credit.temporary.request")
    row = (
        directory.customers(actor)
        .filter(pk=customer_id)
        .values_list("pk", "org_id", "account_manager_id")
        .first()
    )
    if row is None:
        raise errors.UnknownCustomer(details={"customer_id": customer_id})
    customer, org_id, customer_manager = row
    try:
        minor = positive_minor(amount, 2)
    except LedgerInvalidAmount as exc:
        raise errors.InvalidAmount(details={"field": "amount", **exc.details}) from None
    today = clock.today()
    if not today <= expires_on <= today + dt.timedelta(days=MAX_DAYS):
        raise errors.InvalidExpiry(details={"field": "expires_on", "max_days": MAX_DAYS})
    text = _reason(reason)
    manager = manager_id if manager_id is not None else customer_manager
    if manager is not None and not (
        get_user_model().objects.filter(pk=manager, is_active=True).exists()
    ):
        raise errors.UnknownManager(details={"field": "manager_id", "id": manager})
    credit = TemporaryCredit.objects.create(
        org_id=org_id,
        customer_id=customer,
        account_id=customer_account(customer, org_id, "credit"),
        amount=minor,
        expires_on=expires_on,
        reason=text,
        manager_id=manager,
        requested_by=actor.name,
    )
    audit.record_created(actor, "credit.temporary_requested", credit, FIELDS)
    return credit


def _for_update(actor: Actor, credit_id: int, permission: str) -> TemporaryCredit:
    qs = TemporaryCredit.objects.select_for_update().filter(pk=credit_id)
    q = temporary_q(actor, permission, "write")
    credit = (qs if q is None else qs.filter(q)).first()
    if credit is None:
        raise NotFound(details={"object": "temporary_credit", "id": credit_id})
    return credit


def _grant(actor: Actor, credit: TemporaryCredit, minor: int, *, key: str, memo: str) -> int:
    """Post `minor` fen to the customer's credit account (negative: take it back)."""
    line = counter_account(credit.org_id, "credit_line")
    value = from_minor(minor, 2)
    posted = post_lines(
        actor=actor,
        command=EntryCommand(
            kind=EntryKind.GRANT,
            lines=(Line(credit.account_id, value), Line(line, -value)),
            source_type="credit.temporary",
            source_id=str(credit.pk),
            memo=memo,
            key=key,
        ),
        accounts=snapshots([credit.account_id, line]),
    )
    return posted.id


def _decide(
    actor: Actor, credit_id: int, action: str, note: str, permission: str
) -> TemporaryCredit:
    credit = _for_update(actor, credit_id, permission)
    before = _snap(credit)
    apply_transition(
        TemporaryCredit,
        credit.pk,
        TEMPORARY_FLOW,
        action,
        actor=actor,
        reason=note,
        extra_updates={"decided_by": actor.name, "decided_at": clock.now(), "decision_note": note},
    )
    credit.refresh_from_db()
    audit.record_change(
        actor, f"credit.temporary_{action}", credit, before=before, after=_snap(credit)
    )
    _tell_requester(credit, action, note)
    return credit


DECIDED = {
    "approve": gettext_noop("Temporary credit for %(customer)s approved"),
    "reject": gettext_noop("Temporary credit for %(customer)s rejected"),
    "revoke": gettext_noop("Temporary credit for %(customer)s revoked"),
}
DECIDED_BODY = gettext_noop("%(amount)s until %(date)s. %(note)s")


def _tell_requester(credit: TemporaryCredit, action: str, note: str) -> None:
    """A notice to whoever asked for it and to the responsible manager."""
    if action not in DECIDED:
        return
    requester = (
        get_user_model()
        .objects.filter(username=credit.requested_by)
        .values_list("pk", flat=True)
        .first()
    )
    notices.notify(
        [requester, credit.manager_id],
        kind=f"credit.temporary_{action}",
        title=DECIDED[action],
        body=DECIDED_BODY,
        params={
            "customer": credit.customer.name,
            "amount": f"{from_minor(credit.amount, 2):,}",
            "date": credit.expires_on.isoformat(),
            "note": note,
        },
        link=reverse("credit:temporary-detail", args=[credit.pk]),
        key=f"credit.temporary:{credit.pk}:{action}",
    )


@transaction.atomic(durable=True)
def approve_temporary_credit(*, actor: Actor, credit_id: int, note: str = "") -> TemporaryCredit:
    """Approve (four eyes: not the requester) and grant the amount, together."""
    credit = _for_update(actor, credit_id, "credit.temporary.approve")
    if credit.requested_by == actor.name and actor.kind == "user":
        raise errors.OwnRequest(details={"id": credit_id})
    if credit.expires_on < clock.today():
        raise errors.InvalidExpiry(details={"field": "expires_on", "reason": "passed"})
    credit = _decide(actor, credit_id, "approve", (note or "").strip()[:200], "")
    _grant(
        actor,
        credit,
        credit.amount,
        key=f"credit.temporary:{credit.pk}:grant",
        memo=f"临时信用 {from_minor(credit.amount, 2)} 至 {credit.expires_on:%Y-%m-%d}",
    )
    return credit


@transaction.atomic(durable=True)
def reject_temporary_credit(*, actor: Actor, credit_id: int, note: str) -> TemporaryCredit:
    return _decide(actor, credit_id, "reject", _reason(note), "credit.temporary.approve")


@transaction.atomic(durable=True)
def cancel_temporary_credit(*, actor: Actor, credit_id: int) -> TemporaryCredit:
    """The requester withdraws a request not yet decided."""
    return _decide(actor, credit_id, "cancel", "", "credit.temporary.request")


@transaction.atomic(durable=True)
def revoke_temporary_credit(*, actor: Actor, credit_id: int, note: str) -> TemporaryCredit:
    """End an active temporary credit before its date and take back what is unused."""
    credit = _decide(actor, credit_id, "revoke", _reason(note), "credit.temporary.approve")
    TemporaryCredit.objects.filter(pk=credit.pk).update(ended_at=clock.now())
    _withdraw(actor, credit)
    credit.refresh_from_db()
    return credit


def _withdraw(actor: Actor, credit: TemporaryCredit) -> int:
    """Take back what the customer has not used of an ended credit (up to what is owed),
    inside the caller's transaction with the row locked. Returns the fen taken."""
    owed = credit.amount - credit.withdrawn
    if owed <= 0:
        return 0
    view = ledger.get_balance(Actor.system("credit"), credit.account_id)
    free = to_minor(view.available, 2)
    take = min(owed, free)
    if take <= 0:
        return 0
    try:
        with transaction.atomic():
            _grant(
                actor,
                credit,
                -take,
                key=f"credit.temporary:{credit.pk}:withdraw:{credit.withdrawn}",
                memo=f"临时信用收回 {from_minor(take, 2)}",
            )
    except DomainError as exc:
        if exc.code != "insufficient_funds":
            raise
        return 0  # a hold came in between; the next sweep takes it
    TemporaryCredit.objects.filter(pk=credit.pk).update(withdrawn=F("withdrawn") + take)
    return take


def expire_due(*, today: dt.date | None = None, limit: int = 500) -> dict[str, int]:
    """Expire active temporary credits whose date has passed and take back what is free of
    every ended one still owed. Safe to run anywhere at once: each credit is handled in its
    own transaction with its row locked, and each withdrawal is keyed."""
    day = today or clock.today()
    actor = Actor.system("credit.expiry")
    expired = withdrawn = 0
    due = list(
        TemporaryCredit.objects.filter(
            Q(status=TemporaryCreditStatus.ACTIVE, expires_on__lt=day)
            | Q(status__in=ENDED, withdrawn__lt=F("amount"))
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        try:
            with transaction.atomic(durable=True):
                ended, took = _expire_one(actor, pk, day)
            expired += ended
            withdrawn += took
        except Exception:
            log.exception("temporary credit %s: expiry failed; the next sweep retries", pk)
    return {"expired": expired, "withdrawn_fen": withdrawn}


def _expire_one(actor: Actor, pk: int, day: dt.date) -> tuple[int, int]:
    credit = TemporaryCredit.objects.select_for_update().filter(pk=pk).first()
    if credit is None:
        return 0, 0
    ended = 0
    if credit.status == TemporaryCreditStatus.ACTIVE and credit.expires_on < day:
        before = _snap(credit)
        apply_transition(TemporaryCredit, pk, TEMPORARY_FLOW, "expire", actor=actor)
        TemporaryCredit.objects.filter(pk=pk).update(ended_at=clock.now())
        credit.refresh_from_db()
        after = _snap(credit)
        audit.record_change(actor, "credit.temporary_expired", credit, before=before, after=after)
        ended = 1
    took = _withdraw(actor, credit) if credit.status in ENDED else 0
    return ended, took


def customer_sums(customer_id: int) -> tuple[int, int]:
    """(active temporary credit, ended temporary credit still owed back) in fen."""
    rows = TemporaryCredit.objects.filter(customer_id=customer_id)
    active = rows.filter(status=TemporaryCreditStatus.ACTIVE).aggregate(s=Sum("amount"))["s"]
    owed = rows.filter(status__in=ENDED).aggregate(s=Sum(F("amount") - F("withdrawn")))["s"]
    return active or 0, owed or 0
