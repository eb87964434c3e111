"""Authorisation rules written in bulk: `upsert_authorisation_rules(*, actor, rows)`.

One `AuthorisationRow` per rule. Rules have no code: a row without `rule_id` is the same
rule as a stored one with the same organisation, effect, subject, target and dates (only
its note can then change), else a new rule; a row with `rule_id` changes that rule. The
rules are `authorisation_rules.check_rows`: when a row is refused nothing is written.
Subjects are party's rows, reached through `scoping.subject_queryset` (tenancy and its
directory: the catalog does not import party).

`create_authorisation_rule` / `update_authorisation_rule` (page, API) call this with one
row; the authorisation Excel importer with the rows of a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.kernel.imports import insert_rows
from omni.kernel.writes import chunks

from ..models import (
    SUBJECT_FIELDS,
    TARGET_FIELDS,
    AuthorisationRule,
    Brand,
    Category,
    Product,
    Sku,
    SubjectKind,
    TargetKind,
)
from ..scoping import scoped, subject_queryset, writable_orgs, writable_q
from ..types import AuthorisationRow, BatchResult
from ._common import check_batch
from .authorisation_rules import RuleSnapshot, check_rows, columns, row_key, stored_key
from .product_batch import _lookup

PERMISSIONS = ("catalog.authorisation.import", "catalog.authorisation.edit")
FIELDS = (
    "org",
    "effect",
    "subject_kind",
    *SUBJECT_FIELDS.values(),
    "target_kind",
    *TARGET_FIELDS.values(),
    "valid_from",
    "valid_to",
    "note",
)
# the FIELDS as table columns (foreign keys by their ids)
_COLUMNS = tuple(
    f"{f}_id" if f in ("org", *SUBJECT_FIELDS.values(), *TARGET_FIELDS.values()) else f
    for f in FIELDS
)


def target_queryset(kind: str, actor: Actor) -> QuerySet[Any]:
    """The rows a rule's target of `kind` may name: those the actor sees."""
    if kind == TargetKind.SKU:
        return scoped(Sku.objects.all(), actor, "product__org")
    model = {TargetKind.BRAND: Brand, TargetKind.CATEGORY: Category, TargetKind.PRODUCT: Product}
    return scoped(model[TargetKind(kind)].objects.all(), actor)


def load_snapshot(actor: Actor, rows: Sequence[AuthorisationRow]) -> RuleSnapshot:
    snap = RuleSnapshot(orgs=_lookup(writable_orgs(actor), (r.org for r in rows), "id"))
    wanted: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        for side, kinds, ref in (
            ("subject", SubjectKind, row.subject),
            ("target", TargetKind, row.target),
        ):
            kind = getattr(row, f"{side}_kind")
            if kind in kinds.values and kind != "all" and ref not in (None, ""):
                wanted.setdefault((side, kind), []).append(ref)
    for (side, kind), refs in sorted(wanted.items()):
        if side == "subject":
            found = _lookup(subject_queryset(kind, actor), refs, "id")
            snap.subjects.update(((kind, ref), pk) for ref, pk in found.items())
        else:
            found = _lookup(target_queryset(kind, actor), refs, "id")
            snap.targets.update(((kind, ref), pk) for ref, pk in found.items())
    fields = ("id", *_COLUMNS)
    for chunk in chunks(sorted(set(snap.orgs.values()))):
        for values in AuthorisationRule.objects.filter(org_id__in=chunk).values_list(*fields):
            rule = dict(zip(fields, values, strict=True))
            snap.rules.setdefault(stored_key(rule), rule["id"])
            snap.notes[rule["id"]] = rule["note"]
    named = sorted({r.rule_id for r in rows if isinstance(r.rule_id, int)})
    writable = writable_q(actor)
    for chunk in chunks(named):
        qs = AuthorisationRule.objects.filter(pk__in=chunk)
        snap.named.update(
            (qs if writable is None else qs.filter(writable)).values_list("id", flat=True)
        )
    return snap


def check_authorisation_rules(*, actor: Actor, rows: Sequence[AuthorisationRow]) -> BatchResult:
    """The refused rows of `rows`, writing nothing (an import's validation pass)."""
    _snap, answer = check_batch(actor, rows, PERMISSIONS, load_snapshot, check_rows)
    return answer or BatchResult()


@transaction.atomic
def upsert_authorisation_rules(
    *,
    actor: Actor,
    rows: Sequence[AuthorisationRow],
    create_only: bool = False,
    audit_rows: bool = True,
) -> BatchResult:
    """Create and change rules; all rows or none (see `BatchResult.issues`).

    Runs in the caller's transaction when there is one (an import job's). `audit_rows`: one
    audit entry per rule created or changed (an import job writes one for the file).
    `create_only`: a row the same as a stored rule is a duplicate_rule."""
    snap, answer = check_batch(
        actor, rows, PERMISSIONS, load_snapshot, check_rows, create_only=create_only
    )
    if answer is not None:
        return answer
    now = clock.wall_now()  # stands in for auto_now
    new: list[dict[str, Any]] = []
    changed: dict[int, dict[str, Any]] = {}
    for row in rows:
        values = columns(snap, row)
        rule_id = row.rule_id or snap.rules.get(row_key(snap, row))
        if rule_id is None:
            new.append(values)
        elif row.rule_id is not None:
            changed[rule_id] = values
        elif snap.notes.get(rule_id) != values["note"]:
            changed[rule_id] = {"note": values["note"]}
    before = _snapshots(changed) if audit_rows else {}
    if audit_rows:  # few rows (a page, the API): their ids for the audit entries
        created = AuthorisationRule.objects.bulk_create(AuthorisationRule(**v) for v in new)
    else:
        insert_rows(AuthorisationRule, _COLUMNS, [tuple(v[c] for c in _COLUMNS) for v in new])
    for rule_id, values in changed.items():
        AuthorisationRule.objects.filter(pk=rule_id).update(**values, updated_at=now)
    if audit_rows:
        _audit(actor, created, before)
    result = BatchResult(created=len(new), updated=len(changed))
    result.unchanged = len(rows) - result.created - result.updated
    return result


def _snapshots(rule_ids: Any) -> dict[int, dict[str, Any]]:
    return {
        r.pk: audit.snapshot(r, FIELDS)
        for r in AuthorisationRule.objects.filter(pk__in=sorted(rule_ids))
    }


def _audit(
    actor: Actor, created: Sequence[AuthorisationRule], before: dict[int, dict[str, Any]]
) -> None:
    entries: list[tuple[AuthorisationRule, str, Any, Any]] = [
        (r, "catalog.authorisation_created", None, audit.snapshot(r, FIELDS)) for r in created
    ]
    for rule in AuthorisationRule.objects.filter(pk__in=sorted(before)).order_by("pk"):
        after = audit.snapshot(rule, FIELDS)
        if after != before[rule.pk]:
            entries.append((rule, "catalog.authorisation_updated", before[rule.pk], after))
    for rule, action, old, new in entries:
        audit.record_change(actor, action, rule, before=old, after=new)
