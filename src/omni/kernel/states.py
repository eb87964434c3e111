"""State machines as data: a transition table plus one compare-and-set applier.

    ORDER_FLOW = TransitionTable(OrderStatus, {
        "approve": Transition(sources={"submitted"}, target="approved"),
        "cancel":  Transition(sources={"submitted", "approved"}, target="cancelled"),
    })
    apply_transition(Order, order.pk, ORDER_FLOW, "approve", actor=actor)

`apply_transition` issues ``UPDATE … SET status=target WHERE id=? AND status IN (sources)``
inside the caller's transaction; zero rows means somebody else moved first or the action
does not apply: `InvalidTransition`. Each success writes a `StateHistory` row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, models

from . import clock
from .actors import Actor
from .errors import InvalidTransition
from .models import StateHistory


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str

    def __init__(self, sources: Iterable[str], target: str) -> None:
        object.__setattr__(self, "sources", frozenset(sources))
        object.__setattr__(self, "target", target)


class TransitionTable:
    def __init__(self, statuses: type[models.TextChoices], actions: Mapping[str, Transition]):
        known = set(statuses.values)
        for name, tr in actions.items():
            unknown = (set(tr.sources) | {tr.target}) - known
            if unknown:
                raise ValueError(f"transition {name!r} names unknown statuses {sorted(unknown)}")
            if not tr.sources:
                raise ValueError(f"transition {name!r} has no source status")
        self.statuses = statuses
        self.actions: dict[str, Transition] = dict(actions)

    def __getitem__(self, action: str) -> Transition:
        try:
            return self.actions[action]
        except KeyError:
            raise InvalidTransition(
                details={"action": action, "reason": "unknown_action"}
            ) from None

    def allowed_actions(self, status: str) -> list[str]:
        return [a for a, tr in self.actions.items() if status in tr.sources]

    def can(self, action: str, status: str) -> bool:
        tr = self.actions.get(action)
        return tr is not None and status in tr.sources


def apply_transition(
    model: type[models.Model],
    pk: Any,
    table: TransitionTable,
    action: str,
    *,
    actor: Actor,
    field: str = "status",
    reason: str = "",
    extra_updates: Mapping[str, Any] | None = None,
) -> str:
    """Move one row from any source status of `action` to its target; return the old status."""
    if not connection.in_atomic_block:
        raise RuntimeError("apply_transition must run inside the caller's transaction")
    tr = table[action]
    # Read the current status under a row lock on PostgreSQL (a no-op on SQLite, where the
    # IMMEDIATE transaction already holds the write lock), so history records the real
    # source even when an action has several.
    current = (
        model._default_manager.select_for_update()
        .filter(pk=pk)
        .values_list(field, flat=True)
        .first()
    )
    updates = {field: tr.target, **(extra_updates or {})}
    if (
        "updated_at" in {f.name for f in model._meta.concrete_fields}
        and "updated_at" not in updates
    ):
        updates["updated_at"] = clock.wall_now()  # as auto_now
    changed = (
        model._default_manager.filter(pk=pk, **{f"{field}__in": tr.sources}).update(**updates)
        if current is not None
        else 0
    )
    if changed != 1:
        raise InvalidTransition(
            details={
                "action": action,
                "current_status": current,
                "allowed_from": sorted(tr.sources),
                "object_id": str(pk),
            }
        )
    StateHistory.objects.create(
        object_type=model._meta.label_lower,
        object_id=str(pk),
        action=action,
        from_status=current,
        to_status=tr.target,
        actor_kind=str(actor.kind),
        actor_id=actor.id,
        actor_name=actor.name,
        reason=reason,
        request_id=actor.request_id,
    )
    return current


def state_history(model: type[models.Model], pk: Any) -> models.QuerySet[StateHistory]:
    return StateHistory.objects.filter(
        object_type=model._meta.label_lower, object_id=str(pk)
    ).order_by("id")
