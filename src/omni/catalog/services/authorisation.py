"""Product authorisation rules (商品授权): who may order what. See
`selectors.authorised_skus` for how the rules combine."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import InvalidInput

from .. import errors
from ..models import (
    SUBJECT_FIELDS,
    TARGET_FIELDS,
    AuthorisationRule,
    Brand,
    Category,
    Product,
    RuleEffect,
    Sku,
    SubjectKind,
    TargetKind,
)
from ..scoping import check_org_writable, check_row_writable, scoped
from ._common import UNSET, clean_text, get_for_update, reference

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


def _choice(value: Any, choices: type, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput(details={"field": field, "allowed": list(choices.values)})
    return value


def _subject(kind: str, subject_id: Any) -> dict[str, Any]:
    values: dict[str, Any] = {f: None for f in SUBJECT_FIELDS.values()}
    if kind == SubjectKind.ALL:
        if subject_id is not None:
            raise errors.invalid("invalid_rule", field="subject_id", reason="must_be_empty")
        return values
    field = SUBJECT_FIELDS[SubjectKind(kind)]
    if subject_id is None:
        raise errors.invalid("invalid_rule", field="subject_id", reason="required")
    model = AuthorisationRule._meta.get_field(field).related_model
    values[field] = reference(model._default_manager.all(), subject_id, f"unknown_{field}")
    return values


def _target(actor: Actor, kind: str, target_id: Any) -> dict[str, Any]:
    values: dict[str, Any] = {f: None for f in TARGET_FIELDS.values()}
    if kind == TargetKind.ALL:
        if target_id is not None:
            raise errors.invalid("invalid_rule", field="target_id", reason="must_be_empty")
        return values
    if target_id is None:
        raise errors.invalid("invalid_rule", field="target_id", reason="required")
    querysets = {
        TargetKind.BRAND: scoped(Brand.objects.all(), actor),
        TargetKind.CATEGORY: scoped(Category.objects.all(), actor),
        TargetKind.PRODUCT: scoped(Product.objects.all(), actor),
        TargetKind.SKU: scoped(Sku.objects.all(), actor, "product__org"),
    }
    field = TARGET_FIELDS[TargetKind(kind)]
    values[field] = reference(querysets[TargetKind(kind)], target_id, f"unknown_{field}")
    return values


def _dates(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    for name, value in (("valid_from", valid_from), ("valid_to", valid_to)):
        if value is not None and not isinstance(value, dt.date):
            raise InvalidInput(details={"field": name})
    if valid_from and valid_to and valid_to < valid_from:
        raise errors.invalid("invalid_date_range", valid_from=valid_from, valid_to=valid_to)


def _record(actor: Actor, rule: AuthorisationRule, action: str, before: Any, after: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        object_type="catalog.authorisationrule",
        object_id=rule.pk,
        before=before,
        after=after,
        org_id=rule.org_id,
    )


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
    actor.require("catalog.authorisation.edit")
    effect = _choice(effect, RuleEffect, "effect")
    subject_kind = _choice(subject_kind, SubjectKind, "subject_kind")
    target_kind = _choice(target_kind, TargetKind, "target_kind")
    note = clean_text(note or "", field="note", max_length=200, required=False)
    _dates(valid_from, valid_to)
    check_org_writable(actor, org_id)
    rule = AuthorisationRule.objects.create(
        org_id=org_id,
        effect=effect,
        subject_kind=subject_kind,
        target_kind=target_kind,
        valid_from=valid_from,
        valid_to=valid_to,
        note=note,
        **_subject(subject_kind, subject_id),
        **_target(actor, target_kind, target_id),
    )
    _record(actor, rule, "catalog.authorisation_created", None, audit.snapshot(rule, FIELDS))
    return rule


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
    before = audit.snapshot(rule, FIELDS)
    if effect is not UNSET:
        rule.effect = _choice(effect, RuleEffect, "effect")
    if subject_kind is not UNSET or subject_id is not UNSET:
        kind = rule.subject_kind if subject_kind is UNSET else subject_kind
        kind = _choice(kind, SubjectKind, "subject_kind")
        sid = rule.subject_id if subject_id is UNSET else subject_id
        for field, value in _subject(kind, sid).items():
            setattr(rule, field, value)
        rule.subject_kind = kind
    if target_kind is not UNSET or target_id is not UNSET:
        kind = rule.target_kind if target_kind is UNSET else target_kind
        kind = _choice(kind, TargetKind, "target_kind")
        tid = rule.target_id if target_id is UNSET else target_id
        for field, value in _target(actor, kind, tid).items():
            setattr(rule, field, value)
        rule.target_kind = kind
    if valid_from is not UNSET:
        rule.valid_from = valid_from
    if valid_to is not UNSET:
        rule.valid_to = valid_to
    _dates(rule.valid_from, rule.valid_to)
    if note is not UNSET:
        rule.note = clean_text(note or "", field="note", max_length=200, required=False)
    rule.save()
    after = audit.snapshot(rule, FIELDS)
    if after != before:
        _record(actor, rule, "catalog.authorisation_updated", before, after)
    return rule


@transaction.atomic(durable=True)
def delete_authorisation_rule(*, actor: Actor, rule_id: int) -> None:
    actor.require("catalog.authorisation.edit")
    rule = get_for_update(scoped(AuthorisationRule.objects.all(), actor), rule_id, "rule")
    check_row_writable(actor, rule)
    before = audit.snapshot(rule, FIELDS)
    rule_pk = rule.pk
    rule.delete()
    rule.pk = rule_pk
    _record(actor, rule, "catalog.authorisation_deleted", before, None)
