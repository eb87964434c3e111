"""The rules of an authorisation-rule write, as pure functions over a snapshot (no ORM).

`authorisation_batch.load_snapshot` reads what the rows name in bulk; `check_rows` decides
every row against it. The page and the API (`authorisation.create_authorisation_rule` /
`update_authorisation_rule`) and an Excel row (`importers.authorisation`) meet these rules
and get the same error codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..models import SUBJECT_FIELDS, TARGET_FIELDS, RuleEffect, SubjectKind, TargetKind
from ..types import AuthorisationRow, Ref, RowIssue

NOTE_MAX = 200
RuleKey = tuple[Any, ...]


@dataclass
class RuleSnapshot:
    """What the database holds for the references of a batch of rows."""

    orgs: dict[Ref, int] = field(default_factory=dict)  # writable organisations: ref → id
    subjects: dict[tuple[str, Ref], int] = field(default_factory=dict)  # (kind, ref) → id
    targets: dict[tuple[str, Ref], int] = field(default_factory=dict)
    rules: dict[RuleKey, int] = field(default_factory=dict)  # key → id (the rows' orgs)
    notes: dict[int, str] = field(default_factory=dict)  # rule id → note
    named: set[int] = field(default_factory=set)  # rule ids rows name, writable by the actor


def _blank(value: Any) -> bool:
    return value is None or value == ""


def stored_key(rule: dict[str, Any]) -> RuleKey:
    """The key of a stored rule (a dict of its columns, foreign keys as `<field>_id`)."""
    subject = SUBJECT_FIELDS.get(SubjectKind(rule["subject_kind"]))
    target = TARGET_FIELDS.get(TargetKind(rule["target_kind"]))
    return (
        rule["org_id"],
        rule["effect"],
        rule["subject_kind"],
        rule[f"{subject}_id"] if subject else None,
        rule["target_kind"],
        rule[f"{target}_id"] if target else None,
        rule["valid_from"],
        rule["valid_to"],
    )


def row_key(snap: RuleSnapshot, row: AuthorisationRow) -> RuleKey:
    """A row's rule as ids: a rule is the same when these are."""
    return (
        snap.orgs.get(row.org) if not _blank(row.org) else None,
        row.effect,
        row.subject_kind,
        snap.subjects.get((row.subject_kind, row.subject)) if not _blank(row.subject) else None,
        row.target_kind,
        snap.targets.get((row.target_kind, row.target)) if not _blank(row.target) else None,
        row.valid_from,
        row.valid_to,
    )


def _side_issues(
    kind: str, ref: Ref | None, found: dict[tuple[str, Ref], int], fields: dict[Any, str], name: str
) -> list[tuple[str, str, dict[str, Any]]]:
    if kind == "all":
        if not _blank(ref):
            return [(name, "invalid_rule", {"reason": "must_be_empty"})]
        return []
    if _blank(ref):
        return [(name, "invalid_rule", {"reason": "required"})]
    if (kind, ref) not in found:
        return [(name, f"unknown_{fields[kind]}", {"id": ref})]
    return []


def _row_issues(row: AuthorisationRow, snap: RuleSnapshot) -> list[tuple[str, str, dict[str, Any]]]:
    out: list[tuple[str, str, dict[str, Any]]] = []
    choices = (
        ("effect", row.effect, RuleEffect),
        ("subject_kind", row.subject_kind, SubjectKind),
        ("target_kind", row.target_kind, TargetKind),
    )
    bad_choice = False
    for name, value, kinds in choices:
        if value not in kinds.values:
            out.append((name, "invalid_input", {"allowed": list(kinds.values)}))
            bad_choice = True
    if row.rule_id is not None and row.rule_id not in snap.named:
        out.append(("rule_id", "invalid_input", {"reason": "unknown_rule"}))
    if _blank(row.org) or row.org not in snap.orgs:
        out.append(("org", "unknown_org", {"org_id": row.org}))
    if not bad_choice:
        out += _side_issues(row.subject_kind, row.subject, snap.subjects, SUBJECT_FIELDS, "subject")
        out += _side_issues(row.target_kind, row.target, snap.targets, TARGET_FIELDS, "target")
    dates_ok = True
    for name in ("valid_from", "valid_to"):
        value = getattr(row, name)
        if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
            out.append((name, "invalid_input", {}))
            dates_ok = False
    if dates_ok and row.valid_from and row.valid_to and row.valid_to < row.valid_from:
        out.append(("valid_to", "invalid_date_range", {}))
    note = row.note
    if not isinstance(note, str) or len(note.strip()) > NOTE_MAX or "\x00" in note:
        out.append(("note", "invalid_input", {"max_length": NOTE_MAX}))
    return out


def check_rows(
    rows: Sequence[AuthorisationRow], snap: RuleSnapshot, *, create_only: bool = False
) -> list[RowIssue]:
    """Every refused row of the batch, with a stable code. A row the same as an earlier row
    or (for a create, or a change of a named rule) as another stored rule: duplicate_rule.
    `create_only`: a row the same as a stored rule is a duplicate, not an unchanged row."""
    issues: list[RowIssue] = []
    seen: dict[RuleKey, int] = {}
    for i, row in enumerate(rows):
        found = _row_issues(row, snap)
        issues += [RowIssue(i, f, code, tuple(d.items())) for f, code, d in found]
        if found:
            continue
        key = row_key(snap, row)
        if key in seen:
            issues.append(RowIssue(i, "effect", "duplicate_rule", (("row", seen[key]),)))
            continue
        seen[key] = i
        stored = snap.rules.get(key)
        if stored is not None and stored != row.rule_id and (create_only or row.rule_id):
            issues.append(RowIssue(i, "effect", "duplicate_rule", (("id", stored),)))
    return issues


def columns(snap: RuleSnapshot, row: AuthorisationRow) -> dict[str, Any]:
    """The columns of the rule a checked row writes (foreign keys as `<field>_id`)."""
    key = row_key(snap, row)
    subject = SUBJECT_FIELDS.get(SubjectKind(row.subject_kind))
    target = TARGET_FIELDS.get(TargetKind(row.target_kind))
    return {
        "org_id": key[0],
        "effect": row.effect,
        "subject_kind": row.subject_kind,
        **{f"{f}_id": key[3] if f == subject else None for f in SUBJECT_FIELDS.values()},
        "target_kind": row.target_kind,
        **{f"{f}_id": key[5] if f == target else None for f in TARGET_FIELDS.values()},
        "valid_from": row.valid_from,
        "valid_to": row.valid_to,
        "note": row.note.strip(),
    }
