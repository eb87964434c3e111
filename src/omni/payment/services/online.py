"""Online top-ups (在线充值) through Alipay and WeChat Pay.

Starting one writes the top-up (its own transaction), then asks the provider for a QR code
(never inside a transaction), then stores the code. The money moves only in `settle`: when
a verified notification or an active query (查单) says the trade is paid, the top-up moves
to paid (compare-and-set) and the entry is posted under the provider's transaction id, in
one transaction. Repeats, forgeries, wrong amounts, foreign merchants and unknown orders
are recorded and change nothing; the provider is acknowledged only after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from omni.integration.alipay import AlipayError
from omni.integration.wechatpay.errors import WechatPayError
from omni.kernel import audit, clock, faults
from omni.kernel.actors import Actor
from omni.kernel.states import apply_transition
from omni.ledger.calculations import from_minor
from omni.ledger.services.accounts import customer_account
from omni.ledger.types import EntryKind
from omni.tenancy import directory

from .. import errors, providers
from ..calculations import fen_of
from ..models import ProviderNotification, TopUp
from ..states import TOP_UP_FLOW, TopUpStatus
from .receipts import amount_fen, post_receipt

log = logging.getLogger(__name__)
MAX_TOP_UP = 10_000_000_00  # 10 million yuan in fen
PROVIDER_NAMES = {"alipay": "支付宝", "wechatpay": "微信支付"}


@dataclass(frozen=True, slots=True)
class PaidEvent:
    """A provider's word that a trade is paid, already verified (signature, decryption)."""

    provider: str
    out_trade_no: str
    transaction_id: str
    amount: int  # fen
    app_id: str
    merchant_id: str
    source: str = "notify"  # notify | query
    notify_id: str = ""
    body: str = ""


def _new_trade_no() -> str:
    return f"TU{clock.local_now():%Y%m%d%H%M%S}{secrets.token_hex(5).upper()}"


def start_top_up(*, actor: Actor, customer_id: int, provider: str, amount: Decimal | str) -> TopUp:
    actor.require("payment.topup.create")
    if provider not in providers.available():
        raise errors.ProviderNotConfigured(details={"provider": provider})
    with transaction.atomic(durable=True):
        customer = (
            directory.customers(actor).filter(pk=customer_id).values_list("pk", "org_id").first()
        )
        if customer is None:
            raise errors.UnknownCustomer(details={"customer_id": customer_id})
        minor = amount_fen(amount)
        if minor > MAX_TOP_UP:
            raise errors.InvalidAmount(details={"field": "amount", "reason": "too_large"})
        top_up = TopUp.objects.create(
            org_id=customer[1],
            customer_id=customer_id,
            account_id=customer_account(customer_id, customer[1], "cash"),
            provider=provider,
            out_trade_no=_new_trade_no(),
            amount=minor,
            created_by_id=actor.id if actor.kind == "user" else None,
        )
        audit.record_change(actor, "payment.topup_started", top_up, after=_snap(top_up))
    try:  # outside any transaction: a slow provider holds no lock
        code_url = _precreate(top_up)
    except (AlipayError, WechatPayError) as exc:
        with transaction.atomic(durable=True):
            apply_transition(
                TopUp,
                top_up.pk,
                TOP_UP_FLOW,
                "fail",
                actor=actor,
                reason=str(exc)[:200],
                extra_updates={"failure": str(exc)[:200]},
            )
        raise errors.ProviderFailed(
            details={"provider": provider, "code": getattr(exc, "code", "") or ""}
        ) from None
    TopUp.objects.filter(pk=top_up.pk).update(code_url=code_url)
    top_up.code_url = code_url
    return top_up


def _precreate(top_up: TopUp) -> str:
    subject = f"预付款充值 {top_up.out_trade_no}"
    if top_up.provider == "alipay":
        client = providers.alipay()
        assert client is not None
        return client.precreate(
            out_trade_no=top_up.out_trade_no,
            total_amount=from_minor(top_up.amount, 2),
            subject=subject,
        ).qr_code
    client = providers.wechatpay()
    assert client is not None
    return client.native_pay(
        out_trade_no=top_up.out_trade_no, total_fen=top_up.amount, description=subject
    ).code_url


def _note(event: PaidEvent, outcome: str, detail: str = "") -> str:
    ProviderNotification.objects.create(
        provider=event.provider,
        source=event.source,
        notify_id=event.notify_id[:128],
        out_trade_no=event.out_trade_no[:64],
        transaction_id=event.transaction_id[:64],
        outcome=outcome,
        detail=detail[:300],
        body=event.body[:20000],
    )
    if outcome not in ("applied", "repeat"):
        log.warning("payment %s %s: %s %s", event.provider, event.out_trade_no, outcome, detail)
    return outcome


def record_refused(*, provider: str, reason: str, body: str, source: str = "notify") -> None:
    """A notification that did not verify (signature, decryption): logged, nothing else."""
    event = PaidEvent(provider, "", "", 0, "", "", source=source, body=body)
    with transaction.atomic(durable=True):
        _note(event, "forged", reason)


@transaction.atomic(durable=True)
def settle(event: PaidEvent) -> str:
    """Apply a verified 'paid' once. Returns the outcome: applied, repeat, unknown_order,
    wrong_amount, foreign_merchant."""
    top_up = (
        TopUp.objects.select_for_update()
        .filter(provider=event.provider, out_trade_no=event.out_trade_no)
        .first()
    )
    if top_up is None:
        return _note(event, "unknown_order")
    app_id, merchant_id = providers.merchant(event.provider)
    if (event.app_id and event.app_id != app_id) or (
        merchant_id and event.merchant_id and event.merchant_id != merchant_id
    ):
        return _note(event, "foreign_merchant", f"{event.app_id}/{event.merchant_id}")
    if event.amount != top_up.amount:
        return _note(event, "wrong_amount", f"{event.amount} != {top_up.amount}")
    if top_up.status == TopUpStatus.PAID:
        return _note(event, "repeat")
    system = Actor.system(f"{event.provider} {event.source}")
    apply_transition(
        TopUp,
        top_up.pk,
        TOP_UP_FLOW,
        "pay",
        actor=system,
        extra_updates={"transaction_id": event.transaction_id, "paid_at": clock.now()},
    )
    posted = post_receipt(
        actor=system,
        account_id=top_up.account_id,
        org_id=top_up.org_id,
        amount=top_up.amount,
        kind=EntryKind.TOP_UP,
        source_type="payment.topup",
        source_id=top_up.out_trade_no,
        memo=f"{PROVIDER_NAMES[event.provider]}充值 {event.transaction_id}",
        key=f"{event.provider}:{event.transaction_id}",
        check_status=False,  # the customer paid: the money is theirs even if frozen since
    )
    TopUp.objects.filter(pk=top_up.pk).update(entry_id=posted.id)
    outcome = _note(event, "applied")
    faults.point("payment.settle.before_commit")  # crash tests: die with all of it written
    return outcome


def query_and_settle(top_up_id: int) -> str:
    """Active query (查单) for one top-up: settle it if the provider says it is paid."""
    top_up = TopUp.objects.get(pk=top_up_id)
    try:
        if top_up.provider == "alipay":
            client = providers.alipay()
            if client is None:
                return "not_configured"
            trade = client.query(top_up.out_trade_no)
            if trade.trade_status not in ("TRADE_SUCCESS", "TRADE_FINISHED"):
                return trade.trade_status
            event = PaidEvent(
                "alipay",
                trade.out_trade_no,
                trade.trade_no,
                fen_of(trade.total_amount),
                client.config.app_id,
                "",
                source="query",
            )
        else:
            client = providers.wechatpay()
            if client is None:
                return "not_configured"
            tx = client.query_by_out_trade_no(top_up.out_trade_no)
            if tx.trade_state not in ("SUCCESS", "REFUND") or not tx.transaction_id:
                return tx.trade_state
            event = PaidEvent(
                "wechatpay",
                tx.out_trade_no,
                tx.transaction_id,
                tx.total_fen,
                tx.appid,
                tx.mchid,
                source="query",
            )
    except (AlipayError, WechatPayError) as exc:
        log.warning("query %s %s failed: %s", top_up.provider, top_up.out_trade_no, exc)
        return "query_failed"
    return settle(event)


def reconcile_top_ups(*, older_than_seconds: int = 120, limit: int = 200) -> dict[str, int]:
    """The 查单 sweep: every top-up still awaiting payment after `older_than_seconds` (and
    less than a day old) is queried; paid ones are settled as if notified."""
    now = clock.now()
    pending = TopUp.objects.filter(
        status=TopUpStatus.CREATED,
        created_at__lte=now - dt.timedelta(seconds=older_than_seconds),
        created_at__gte=now - dt.timedelta(days=1),
    ).order_by("id")[:limit]
    counts: dict[str, int] = {}
    for pk in pending.values_list("pk", flat=True):
        outcome = query_and_settle(pk)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _snap(top_up: TopUp) -> dict[str, object]:
    return audit.snapshot(top_up, ("customer", "provider", "out_trade_no", "amount", "status"))
