"""Refunds of online top-ups to the original method (原路退回), partial or full.

1. In one transaction: the top-up is locked, the refund may not exceed what is left
   (paid − refunds not failed), the money leaves the customer's cash account (guarded:
   money already spent cannot be refunded) under a key, and the refund is recorded pending.
2. Outside any transaction: the provider is asked (idempotent per refund number).
3. A definite answer settles it: accepted, or failed with the money put back (keyed, once).
   No answer (network, timeout, the provider's "unknown") leaves it pending;
   `retry_pending_refunds` asks again with the same number.
"""

from __future__ import annotations

import logging
import secrets
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from omni.integration.alipay import AlipayError
from omni.integration.alipay.errors import AlipayApiError
from omni.integration.wechatpay.errors import WechatPayAPIError, WechatPayError
from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.kernel.states import apply_transition
from omni.ledger.calculations import from_minor
from omni.ledger.types import EntryKind

from .. import errors, providers
from ..models import Refund, TopUp
from ..scoping import transfers_q
from ..states import REFUND_FLOW, RefundStatus, TopUpStatus
from .receipts import amount_fen, post_receipt

log = logging.getLogger(__name__)


def _locked_top_up(actor: Actor, top_up_id: int) -> TopUp:
    qs = TopUp.objects.select_for_update().filter(pk=top_up_id)
    q = transfers_q(actor, "payment.topup.refund", "write")
    top_up = (qs if q is None else qs.filter(q)).first()
    if top_up is None:
        raise NotFound(details={"object": "top_up", "id": top_up_id})
    return top_up


def refunded(top_up_id: int) -> int:
    """Fen refunded or being refunded (failed refunds do not count)."""
    total = (
        Refund.objects.filter(top_up_id=top_up_id)
        .exclude(status=RefundStatus.FAILED)
        .aggregate(s=Sum("amount"))["s"]
    )
    return total or 0


def refund_top_up(
    *, actor: Actor, top_up_id: int, amount: Decimal | str, reason: str = ""
) -> Refund:
    with transaction.atomic(durable=True):
        top_up = _locked_top_up(actor, top_up_id)
        minor = amount_fen(amount)
        if top_up.status != TopUpStatus.PAID:
            raise errors.NotPaid(details={"top_up_id": top_up_id, "status": top_up.status})
        left = top_up.amount - refunded(top_up.pk)
        if minor > left:
            raise errors.RefundExceedsPaid(details={"refundable": str(from_minor(left, 2))})
        number = f"RF{clock.local_now():%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"
        posted = post_receipt(
            actor=actor,
            account_id=top_up.account_id,
            org_id=top_up.org_id,
            amount=-minor,
            kind=EntryKind.REFUND,
            source_type="payment.refund",
            source_id=number,
            memo=f"原路退款 {top_up.out_trade_no}",
            key=f"refund:{number}",
        )
        refund = Refund.objects.create(
            top_up=top_up,
            out_refund_no=number,
            amount=minor,
            reason=(reason or "").strip()[:200],
            entry_id=posted.id,
            created_by=actor.name,
        )
        audit.record_change(
            actor,
            "payment.refund_started",
            refund,
            after={"top_up": top_up.out_trade_no, "amount": str(from_minor(minor, 2))},
        )
    return ask_provider(refund.pk)


def ask_provider(refund_id: int) -> Refund:
    """Ask the provider (outside any transaction) and settle what it definitely answers."""
    refund = Refund.objects.select_related("top_up").get(pk=refund_id)
    top_up = refund.top_up
    try:
        if top_up.provider == "alipay":
            client = providers.alipay()
            if client is None:
                return refund
            result = client.refund(
                top_up.out_trade_no,
                from_minor(refund.amount, 2),
                refund.out_refund_no,
                refund.reason,
            )
            provider_id = result.trade_no
        else:
            client = providers.wechatpay()
            if client is None:
                return refund
            answer = client.refund(
                top_up.out_trade_no,
                refund.out_refund_no,
                refund.amount,
                top_up.amount,
                refund.reason or None,
            )
            provider_id = answer.refund_id
    except (AlipayApiError, WechatPayAPIError) as exc:
        if getattr(exc, "outcome_unknown", False) or getattr(exc, "status", 400) >= 500:
            log.warning("refund %s: outcome unknown (%s)", refund.out_refund_no, exc)
            return refund
        return _fail(refund, str(getattr(exc, "sub_code", "") or getattr(exc, "code", "") or exc))
    except (AlipayError, WechatPayError) as exc:  # transport: we do not know; ask again later
        log.warning("refund %s: no answer (%s)", refund.out_refund_no, exc)
        return refund
    with transaction.atomic(durable=True):
        apply_transition(
            Refund,
            refund.pk,
            REFUND_FLOW,
            "accept",
            actor=Actor.system(top_up.provider),
            extra_updates={"provider_refund_id": provider_id[:64], "settled_at": clock.now()},
        )
    return Refund.objects.get(pk=refund.pk)


@transaction.atomic(durable=True)
def _fail(refund: Refund, code: str) -> Refund:
    """The provider refused: the refund fails and the money goes back, once."""
    top_up = refund.top_up
    system = Actor.system(top_up.provider)
    apply_transition(
        Refund,
        refund.pk,
        REFUND_FLOW,
        "fail",
        actor=system,
        reason=code[:200],
        extra_updates={"failure": code[:200], "settled_at": clock.now()},
    )
    undo = post_receipt(
        actor=system,
        account_id=top_up.account_id,
        org_id=top_up.org_id,
        amount=refund.amount,
        kind=EntryKind.REVERSAL,
        source_type="payment.refund",
        source_id=refund.out_refund_no,
        memo=f"退款失败退回 {refund.out_refund_no}",
        key=f"refund-undo:{refund.out_refund_no}",
        check_status=False,
    )
    Refund.objects.filter(pk=refund.pk).update(undo_entry_id=undo.id)
    return Refund.objects.get(pk=refund.pk)


def retry_pending_refunds(*, limit: int = 100) -> dict[str, int]:
    counts: dict[str, int] = {}
    for pk in Refund.objects.filter(status=RefundStatus.PENDING).values_list("pk", flat=True)[
        :limit
    ]:
        status = ask_provider(pk).status
        counts[status] = counts.get(status, 0) + 1
    return counts
