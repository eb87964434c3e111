"""Payment reads, taking the actor (permission and the one scope rule applied here)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.tenancy.scope import Mode

from .models import AutoPayRule, AutoPayStep, TopUp, Transfer
from .scoping import autopay_rules_q, transfers_q


def list_transfers(
    actor: Actor, *, permission: str = "payment.transfer.view"
) -> QuerySet[Transfer]:
    q = transfers_q(actor, permission, "read")
    qs = Transfer.objects.select_related("customer", "org").order_by("-id")
    return qs if q is None else qs.filter(q)


def get_transfer(actor: Actor, transfer_id: int) -> Transfer:
    transfer = list_transfers(actor).filter(pk=transfer_id).first()
    if transfer is None:
        raise NotFound(details={"object": "transfer", "id": transfer_id})
    return transfer


def list_top_ups(actor: Actor, *, permission: str = "payment.topup.view") -> QuerySet[TopUp]:
    q = transfers_q(actor, permission, "read")
    qs = TopUp.objects.select_related("customer").order_by("-id")
    return qs if q is None else qs.filter(q)


def get_top_up(actor: Actor, top_up_id: int) -> TopUp:
    top_up = list_top_ups(actor).filter(pk=top_up_id).first()
    if top_up is None:
        raise NotFound(details={"object": "top_up", "id": top_up_id})
    return top_up


def list_autopay_rules(
    actor: Actor, *, permission: str | None = "payment.autopay.view", mode: Mode = "read"
) -> QuerySet[AutoPayRule]:
    """Auto-pay rules (自动支付) the actor may `mode`, with their organisation, class and
    steps (the steps' account types joined): reading reaches the rules of the organisations
    above the actor's as well, which apply to its customers unless overridden."""
    q = autopay_rules_q(actor, permission, mode)
    qs = (
        AutoPayRule.objects.select_related("org", "customer_class")
        .prefetch_related(
            Prefetch("steps", queryset=AutoPayStep.objects.select_related("account_type"))
        )
        .order_by("org__path", "customer_class__code", "pk")
    )
    return qs if q is None else qs.filter(q)


def get_autopay_rule(actor: Actor, rule_id: int) -> AutoPayRule:
    rule = list_autopay_rules(actor).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(details={"object": "autopay_rule", "id": rule_id})
    return rule


def writable_autopay_rule_ids(actor: Actor, rule_ids: Iterable[int]) -> set[int]:
    """Which of `rule_ids` the actor may change (rules of an organisation above the actor's
    are read-only for it); empty without the edit permission."""
    if not actor.can("payment.autopay.edit"):
        return set()
    qs = list_autopay_rules(actor, permission=None, mode="write").filter(pk__in=list(rule_ids))
    return set(qs.values_list("pk", flat=True))
