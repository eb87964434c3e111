"""Offline transfers (线下转款确认): a dealer (or staff for it) registers a bank transfer with a
voucher image; finance confirms it, which posts the money to the dealer's cash/prepaid
account from the organisation's bank account in the same transaction, or rejects it with a
reason. A bank reference is registered once per organisation (a rejected one may be
registered again)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import IO

from django.core.files.base import File
from django.db import IntegrityError, transaction

from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.kernel.states import apply_transition
from omni.ledger.services.accounts import customer_account
from omni.ledger.types import EntryKind
from omni.tenancy import directory

from .. import errors
from ..models import Transfer
from ..scoping import transfers_q
from ..states import TRANSFER_FLOW, TransferStatus
from .receipts import amount_fen, post_receipt

MAX_VOUCHER_BYTES = 5 * 1024 * 1024
BANK_REFERENCE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
FIELDS = ("customer", "account", "amount", "bank_reference", "paid_on", "payer_name", "status")


def voucher_type(head: bytes) -> str | None:
    """The image type by its first bytes (never by the name or the client's header)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _check_voucher(voucher: IO[bytes], size: int | None) -> str:
    if size is None:
        voucher.seek(0, 2)
        size = voucher.tell()
    voucher.seek(0)
    kind = voucher_type(voucher.read(16))
    voucher.seek(0)
    if size <= 0 or size > MAX_VOUCHER_BYTES or kind is None:
        raise errors.InvalidVoucher(details={"field": "voucher", "max_bytes": MAX_VOUCHER_BYTES})
    return kind


@transaction.atomic(durable=True)
def register_transfer(
    *,
    actor: Actor,
    customer_id: int,
    amount: Decimal | str,
    bank_reference: str,
    paid_on: dt.date,
    payer_name: str,
    voucher: IO[bytes],
    voucher_name: str = "voucher",
    voucher_size: int | None = None,
) -> Transfer:
    actor.require("payment.transfer.create")
    customer = directory.customers(actor).filter(pk=customer_id).values_list("pk", "org_id").first()
    if customer is None:
        raise errors.UnknownCustomer(details={"customer_id": customer_id})
    minor = amount_fen(amount)
    reference = (bank_reference or "").strip()
    if not BANK_REFERENCE.match(reference):
        raise errors.InvalidBankReference(details={"field": "bank_reference"})
    if paid_on > clock.today():
        raise errors.InvalidPaidOn(details={"field": "paid_on"})
    payer = (payer_name or "").strip()[:120]
    kind = _check_voucher(voucher, voucher_size)
    org_id = customer[1]
    if (
        Transfer.objects.filter(org_id=org_id, bank_reference=reference)
        .exclude(status=TransferStatus.REJECTED)
        .exists()
    ):
        raise errors.DuplicateBankReference(details={"bank_reference": reference})
    account_id = customer_account(customer_id, org_id, "cash")
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[kind]
    try:
        with transaction.atomic():
            transfer = Transfer(
                org_id=org_id,
                customer_id=customer_id,
                account_id=account_id,
                amount=minor,
                bank_reference=reference,
                paid_on=paid_on,
                payer_name=payer,
                voucher_type=kind,
                created_by_id=actor.id if actor.kind == "user" else None,
            )
            transfer.voucher.save(f"{reference}.{extension}", File(voucher), save=False)
            transfer.save()
    except IntegrityError:
        raise errors.DuplicateBankReference(details={"bank_reference": reference}) from None
    audit.record_change(actor, "payment.transfer_registered", transfer, after=_snap(transfer))
    return transfer


def _for_update(actor: Actor, transfer_id: int) -> Transfer:
    qs = Transfer.objects.filter(pk=transfer_id)
    q = transfers_q(actor, "payment.transfer.approve", "write")
    transfer = (qs if q is None else qs.filter(q)).first()
    if transfer is None:
        raise NotFound(details={"object": "transfer", "id": transfer_id})
    return transfer


@transaction.atomic(durable=True)
def confirm_transfer(*, actor: Actor, transfer_id: int) -> Transfer:
    """Confirm: the status moves (compare-and-set) and the money is posted, together."""
    transfer = _for_update(actor, transfer_id)
    before = _snap(transfer)
    apply_transition(
        Transfer,
        transfer.pk,
        TRANSFER_FLOW,
        "confirm",
        actor=actor,
        extra_updates={"decided_by": actor.name, "decided_at": clock.now()},
    )
    posted = post_receipt(
        actor=actor,
        account_id=transfer.account_id,
        org_id=transfer.org_id,
        amount=transfer.amount,
        kind=EntryKind.TRANSFER,
        source_type="payment.transfer",
        source_id=str(transfer.pk),
        memo=f"线下转款 {transfer.bank_reference}",
        key=f"transfer:{transfer.pk}",
    )
    Transfer.objects.filter(pk=transfer.pk).update(entry_id=posted.id)
    transfer.refresh_from_db()
    audit.record_change(
        actor, "payment.transfer_confirmed", transfer, before=before, after=_snap(transfer)
    )
    return transfer


@transaction.atomic(durable=True)
def reject_transfer(*, actor: Actor, transfer_id: int, reason: str) -> Transfer:
    transfer = _for_update(actor, transfer_id)
    reason = (reason or "").strip()[:200]
    if not reason:
        raise errors.ReasonRequired(details={"field": "reason"})
    before = _snap(transfer)
    apply_transition(
        Transfer,
        transfer.pk,
        TRANSFER_FLOW,
        "reject",
        actor=actor,
        reason=reason,
        extra_updates={"reason": reason, "decided_by": actor.name, "decided_at": clock.now()},
    )
    transfer.refresh_from_db()
    audit.record_change(
        actor, "payment.transfer_rejected", transfer, before=before, after=_snap(transfer)
    )
    return transfer


def _snap(transfer: Transfer) -> dict[str, object]:
    return audit.snapshot(transfer, FIELDS)
