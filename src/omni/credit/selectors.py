"""Credit reads, taking the actor (permission and the one scope rule applied here)."""

from __future__ import annotations

from typing import Any

from django.db.models import BigIntegerField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound

from .models import CreditLimit, TemporaryCredit
from .services.limits import list_limits_q
from .services.temporary import temporary_q


def _sum(rows: QuerySet, value: Any) -> Coalesce:
    """The sum of `value` over `rows` (a correlated subquery), 0 when there are none."""
    total = rows.order_by().values("customer_id").annotate(s=Sum(value)).values("s")
    return Coalesce(Subquery(total, output_field=BigIntegerField()), Value(0))


def list_limits(actor: Actor) -> QuerySet[CreditLimit]:
    """Limits the actor may read, with the credit account's balance and frozen sums (fen)
    annotated from the ledger's balance rows, and the customer's active temporary credit and
    what its ended temporary credit still owes back."""
    q = list_limits_q(actor)
    temporary = TemporaryCredit.objects.filter(customer_id=OuterRef("customer_id"))
    qs = (
        CreditLimit.objects.select_related("customer")
        .annotate(
            balance_minor=Sum("account__balances__balance"),
            frozen_minor=Sum("account__balances__frozen"),
            temporary_minor=_sum(temporary.filter(status="active"), F("amount")),
            owed_minor=_sum(
                temporary.filter(status__in=("expired", "revoked")), F("amount") - F("withdrawn")
            ),
        )
        .order_by("customer__code")
    )
    return qs if q is None else qs.filter(q)


def get_limit(actor: Actor, customer_id: int) -> CreditLimit:
    row = list_limits(actor).filter(customer_id=customer_id).first()
    if row is None:
        raise NotFound(details={"object": "credit_limit", "customer_id": customer_id})
    return row


def list_temporary(actor: Actor) -> QuerySet[TemporaryCredit]:
    """Temporary credit the actor may read (the one scope rule, the customer's account
    manager and the responsible manager counting as owners)."""
    q = temporary_q(actor, "credit.temporary.view", "read")
    qs = TemporaryCredit.objects.select_related("customer", "manager").order_by("-pk")
    return qs if q is None else qs.filter(q)


def get_temporary(actor: Actor, credit_id: int) -> TemporaryCredit:
    row = list_temporary(actor).filter(pk=credit_id).first()
    if row is None:
        raise NotFound(details={"object": "temporary_credit", "id": credit_id})
    return row
