"""Product authorisation rules (商品授权): who may order what. See
`selectors.list_authorised_skus` for how the rules combine."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from omni.kernel import audit
from omni.kernel.actors import Actor

from ..models import AuthorisationRule
from ..scoping import check_row_writable, scoped
from ..types import AuthorisationRow
from ._common import UNSET, get_for_update, issue_error
from .authorisation_batch import FIELDS, load_snapshot, upsert_authorisation_rules
from .authorisation_rules import columns

# a rule row's field → the argument of the single-row services it names
_ARGUMENTS = {"org": "org_id", "subject": "subject_id", "target": "target_id"}


def _write(actor: Actor, row: AuthorisationRow, *, create_only: bool) -> AuthorisationRule:
    """One row through `authorisation_batch.upsert_authorisation_rules`: its rules and
    error codes are an Excel row's."""
    result = upsert_authorisation_rules(actor=actor, rows=[row], create_only=create_only)
    if result.issues:
        raise issue_error(result.issues[0], _ARGUMENTS)
    if row.rule_id is not None:
        return AuthorisationRule.objects.get(pk=row.rule_id)
    snap = load_snapshot(actor, [row])
    return AuthorisationRule.objects.filter(**columns(snap, row)).latest("pk")


@transaction.atomic(durable=True)
def create_authorisation_rule(
    *,
    actor: Actor,
    org_id: int,
    effect: str,
    subject_kind: str,
    target_kind: str,
    subject_id: int | None = None,
    target_id: int | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    note: str = "",
) -> AuthorisationRule:
    """A new rule; one the same as a stored rule (organisation, effect, subject, target,
    dates) is a duplicate_rule."""
    actor.require("catalog.authorisation.edit")
    row = AuthorisationRow(
        org=_id(org_id),
        effect=effect,
        subject_kind=subject_kind,
        subject=_id(subject_id),
        target_kind=target_kind,
        target=_id(target_id),
        valid_from=valid_from,
        valid_to=valid_to,
        note=note or "",
    )
    return _write(actor, row, create_only=True)


def _id(value: Any) -> Any:
    """An id argument as a row reference: never a code (an id given as text is no id)."""
    return (
        value if value is None or (isinstance(value, int) and not isinstance(value, bool)) else -1
    )


@transaction.atomic(durable=True)
def update_authorisation_rule(
    *,
    actor: Actor,
    rule_id: int,
    effect: Any = UNSET,
    subject_kind: Any = UNSET,
    subject_id: Any = UNSET,
    target_kind: Any = UNSET,
    target_id: Any = UNSET,
    valid_from: Any = UNSET,
    valid_to: Any = UNSET,
    note: Any = UNSET,
) -> AuthorisationRule:
    """Change a rule. Changing a subject or target kind needs the matching id as well."""
    actor.require("catalog.authorisation.edit")
    rule = get_for_update(scoped(AuthorisationRule.objects.all(), actor), rule_id, "rule")
    check_row_writable(actor, rule)

    def given(value: Any, current: Any) -> Any:
        return current if value is UNSET else value

    row = AuthorisationRow(
        rule_id=rule.pk,
        org=rule.org_id,
        effect=given(effect, rule.effect),
        subject_kind=given(subject_kind, rule.subject_kind),
        subject=_id(given(subject_id, rule.subject_id)),
        target_kind=given(target_kind, rule.target_kind),
        target=_id(given(target_id, rule.target_id)),
        valid_from=given(valid_from, rule.valid_from),
        valid_to=given(valid_to, rule.valid_to),
        note=given(note, rule.note) or "",
    )
    return _write(actor, row, create_only=False)


@transaction.atomic(durable=True)
def delete_authorisation_rule(*, actor: Actor, rule_id: int) -> None:
    actor.require("catalog.authorisation.edit")
    rule = get_for_update(scoped(AuthorisationRule.objects.all(), actor), rule_id, "rule")
    check_row_writable(actor, rule)
    before = audit.snapshot(rule, FIELDS)
    rule_pk = rule.pk
    rule.delete()
    audit.record(
        actor=actor,
        action="catalog.authorisation_deleted",
        object_type="catalog.authorisationrule",
        object_id=rule_pk,
        before=before,
        after=None,
        org_id=rule.org_id,
    )
