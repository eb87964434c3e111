"""Integrity checks: functions that look for broken invariants and report findings.

Apps register checks in their own ``integrity.py``::

    @integrity_check("ledger.balances_match_postings")
    def balances_match_postings() -> Iterable[Finding]: ...

`omni check` runs them all and exits non-zero if any finding is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast

from .models import DocumentSequence, OutboxEvent, OutboxStatus, StateHistory


@dataclass(frozen=True)
class Finding:
    check: str
    object: str
    message: str


Check = Callable[[], Iterable[Finding]]
_checks: dict[str, Check] = {}
_state_models: list[tuple[type, str]] = []


def integrity_check(name: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        _checks[name] = fn
        return fn

    return register


def registered_checks() -> dict[str, Check]:
    return dict(sorted(_checks.items()))


def run_checks(names: Iterable[str] | None = None) -> list[Finding]:
    wanted = set(names) if names else None
    findings: list[Finding] = []
    for name, fn in registered_checks().items():
        if wanted is None or name in wanted:
            findings.extend(fn())
    return findings


def register_state_model(model: type, field: str = "status") -> None:
    """Ask `kernel.state_matches_history` to verify this model's rows against history."""
    if (model, field) not in _state_models:
        _state_models.append((model, field))


@integrity_check("kernel.state_matches_history")
def state_matches_history() -> Iterable[Finding]:
    """Every row with transition history is in the status its last transition set."""
    for model, field in _state_models:
        label = model._meta.label_lower
        last = StateHistory.objects.filter(
            object_type=label, object_id=OuterRef("pk_text")
        ).order_by("-id")
        rows = (
            model._default_manager.annotate(pk_text=Cast("pk", CharField()))
            .annotate(last_to=Subquery(last.values("to_status")[:1]))
            .exclude(last_to__isnull=True)
            .values_list("pk", field, "last_to")
        )
        for pk, status, last_to in rows.iterator():
            if status != last_to:
                yield Finding(
                    "kernel.state_matches_history",
                    f"{label}:{pk}",
                    f"status is {status!r} but the last transition went to {last_to!r}",
                )


@integrity_check("kernel.outbox_no_failed_events")
def outbox_no_failed_events() -> Iterable[Finding]:
    for event_id, event_type, error in OutboxEvent.objects.filter(
        status=OutboxStatus.FAILED
    ).values_list("id", "event_type", "last_error")[:100]:
        first_line = (error or "").strip().splitlines()[:1]
        yield Finding(
            "kernel.outbox_no_failed_events",
            f"outbox:{event_id}",
            f"{event_type} failed: {first_line[0] if first_line else ''}",
        )


@integrity_check("kernel.sequences_not_negative")
def sequences_not_negative() -> Iterable[Finding]:
    for seq in DocumentSequence.objects.filter(last_value__lt=0):
        yield Finding(
            "kernel.sequences_not_negative",
            f"sequence:{seq.org_id}/{seq.doc_type}/{seq.day}",
            f"last value {seq.last_value} is negative",
        )
