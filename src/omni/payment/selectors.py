"""Payment reads, taking the actor (permission and the one scope rule applied here)."""

from __future__ import annotations

from django.db.models import QuerySet

from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound

from .models import TopUp, Transfer
from .scoping import transfers_q


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
