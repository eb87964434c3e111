"""Payment reads, taking the actor (permission and the one scope rule applied here)."""

from __future__ import annotations

from django.db.models import QuerySet

from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound

from .models import Transfer
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
