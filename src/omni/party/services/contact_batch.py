"""Contacts and delivery addresses, bulk-first: `upsert_contacts_addresses(*, actor, rows)`.

Rows (`types.ContactRow`, `types.AddressRow`, mixed) are normalised one by one (`_clean`:
texts against their columns, phones), what they refer to is loaded in bulk (customers in
the writer's scope, regions with their parents, the customers' existing entries: one query
per type and chunk), the pure rules of `calculations.resolve_entries` decide, and the good
rows are written: new entries created, existing ones only where they differ, and a row
that makes an entry the default takes the flag from the customer's other entries. The
single-row services (`customers.add_contact`, `add_address`, `update_contact`,
`update_address`, `set_default_detail`) and the Excel import call it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.db.models import Q

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError
from omni.kernel.excel import normalise_code
from omni.kernel.fields import Required, clean_text
from omni.kernel.writes import chunks
from omni.tenancy.selectors import regions

from .. import calculations as calc
from ..models import Address, Contact
from ..selectors import list_customers_in_scope
from ..types import AddressRow, BatchResult, ContactRow, RowProblem
from ..validation import normalize_phone

CREATE, UPSERT = "create", "upsert"
EntryRow = ContactRow | AddressRow
MODELS: dict[str, Any] = {"contact": Contact, "address": Address}
FLAGS = {"contact": "is_primary", "address": "is_default"}
CREATED = {"contact": "contacts_created", "address": "addresses_created"}
FIELDS = {
    "contact": ("name", "phone", "position"),
    "address": ("province_id", "city_id", "district_id", "street", "receiver", "phone"),
}


def _clean(index: int, row: EntryRow) -> tuple[EntryRow, list[RowProblem]]:
    """The row's own values normalised; every problem of the row, not only the first."""
    problems: list[RowProblem] = []

    def attempt(field: str, check: Callable[[], Any], fallback: Any = "") -> Any:
        try:
            return check()
        except DomainError as error:
            problems.append(RowProblem(index, field, error))
            return fallback

    def text(model: type, field: str, required: bool = False) -> str:
        value = getattr(row, field)
        return attempt(
            field, lambda: clean_text(value, model=model, field=field, required=required)
        )

    customer = normalise_code(row.customer) if isinstance(row.customer, str) else row.customer
    phone = attempt("phone", lambda: normalize_phone(row.phone))
    if isinstance(row, ContactRow):
        cleaned: EntryRow = replace(
            row,
            customer=customer,
            name=text(Contact, "name", required=True),
            phone=phone,
            position=text(Contact, "position"),
        )
    else:
        region = (row.region_code or "").strip()
        if not region:
            problems.append(RowProblem(index, "region", Required(details={"field": "region"})))
        cleaned = replace(
            row,
            customer=customer,
            region_code=region,
            street=text(Address, "street", required=True),
            receiver=text(Address, "receiver", required=True),
            phone=phone,
        )
    return cleaned, problems


def _region_chains(codes: Iterable[str]) -> dict[str, tuple[tuple[str, str], ...]]:
    """Region code → ((code, name) of the province, (city, (district))), for known codes."""
    codes = sorted(set(codes))
    known: dict[str, tuple[str | None, str]] = {}
    todo = codes
    for _level in range(4):  # province → city → district: three levels
        todo = [c for c in todo if c not in known]
        if not todo:
            break
        found = []
        for chunk in chunks(todo):
            found.extend(regions().filter(code__in=chunk).values_list("code", "parent_id", "name"))
        known.update({code: (parent, name) for code, parent, name in found})
        todo = sorted({parent for _c, parent, _n in found if parent})
    chains: dict[str, tuple[tuple[str, str], ...]] = {}
    for code in codes:
        if code not in known:
            continue
        chain: list[tuple[str, str]] = []
        node: str | None = code
        while node is not None and node in known and len(chain) < 4:
            parent, name = known[node]
            chain.insert(0, (node, name))
            node = parent
        chains[code] = tuple(chain)
    return chains


def _entry(kind: str, values: dict[str, Any]) -> calc.Entry:
    flag = values.pop(FLAGS[kind])
    pk, customer_id = values.pop("id"), values.pop("customer_id")
    key = calc.entry_key(kind, customer_id, values)
    return calc.Entry(pk, kind, customer_id, key, flag, values)


def _load(actor: Actor, rows: Sequence[EntryRow]) -> calc.EntrySnapshot:
    refs = {r.customer for r in rows if r.customer is not None and r.customer != ""}
    items = sorted(r for r in refs if isinstance(r, int)) + sorted(
        r for r in refs if isinstance(r, str)
    )
    customers: dict[Any, int] = {}
    qs = list_customers_in_scope(actor, mode="write")
    for chunk in chunks(items):
        ids = [r for r in chunk if isinstance(r, int)]
        codes = [r for r in chunk if isinstance(r, str)]
        for pk, code in qs.filter(Q(pk__in=ids) | Q(code__in=codes)).values_list("pk", "code"):
            customers[pk] = customers[code] = pk
    entries: dict[tuple[Any, ...], calc.Entry] = {}
    by_id: dict[tuple[str, int], calc.Entry] = {}
    for chunk in chunks(sorted(set(customers.values()))):
        for kind, model in MODELS.items():
            names = ("id", "customer_id", *FIELDS[kind], FLAGS[kind])
            for values in model.objects.filter(customer_id__in=chunk).order_by("pk").values(*names):
                e = _entry(kind, values)
                entries.setdefault(e.key, e)
                by_id[(kind, e.id)] = e
    chains = _region_chains(r.region_code for r in rows if isinstance(r, AddressRow))
    return calc.EntrySnapshot(customers, chains, entries, by_id)


@dataclass
class _Plan:
    rows: list[EntryRow]
    planned: dict[int, calc.PlannedEntry]
    problems: list[RowProblem]
    snap: calc.EntrySnapshot


def _plan(actor: Actor, rows: Sequence[EntryRow], *, mode: str) -> _Plan:
    cleaned: list[EntryRow] = []
    problems: list[RowProblem] = []
    for i, row in enumerate(rows):
        row, found = _clean(i, row)
        cleaned.append(row)
        problems.extend(found)
    snap = _load(actor, cleaned)
    planned, found = calc.resolve_entries(
        cleaned, snap, refused={p.index for p in problems}, create_only=mode == CREATE
    )
    problems.extend(found)
    problems.sort(key=lambda p: p.index)
    return _Plan(cleaned, planned, problems, snap)


def validate_contacts_addresses(
    *, actor: Actor, rows: Sequence[EntryRow], mode: str = UPSERT
) -> list[RowProblem]:
    """Every problem of the rows, writing nothing (an import's check before it applies)."""
    return _plan(actor, rows, mode=mode).problems


@transaction.atomic(durable=True)
def upsert_contacts_addresses(*, actor: Actor, rows: Sequence[EntryRow]) -> BatchResult:
    """Create or update contacts and addresses; all rows or none. Each change is audited."""
    actor.require("party.customer.edit")
    return apply_contacts_addresses_in_tx(actor=actor, rows=rows, all_or_nothing=True)


def apply_contacts_addresses_in_tx(
    *,
    actor: Actor,
    rows: Sequence[EntryRow],
    mode: str = UPSERT,
    audit_each: bool = True,
    all_or_nothing: bool = False,
    progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """The write path inside the caller's transaction: checks the rows and writes the good
    ones (none when `all_or_nothing` and a row is refused). `audit_each`: one audit entry
    per change, on the customer (an import writes one per job instead)."""
    plan = _plan(actor, rows, mode=mode)
    result = BatchResult(problems=plan.problems)
    if plan.problems and all_or_nothing:
        return result
    counts = {"contacts_created": 0, "addresses_created": 0, "defaults_moved": 0}
    result.counts = counts
    # one default per customer: the others lose theirs before the new ones arrive
    for kind, model in MODELS.items():
        keep: dict[int, int | None] = {}
        for p in plan.planned.values():
            if p.kind == kind and p.default:
                keep[p.customer_id] = p.current.id if p.current else None
        kept = [pk for pk in keep.values() if pk is not None]
        for chunk in chunks(sorted(keep)):
            counts["defaults_moved"] += (
                model.objects.filter(customer_id__in=chunk, **{FLAGS[kind]: True})
                .exclude(pk__in=kept)
                .update(**{FLAGS[kind]: False})
            )
    changed: dict[str, list[Any]] = {"contact": [], "address": []}
    new: dict[str, list[calc.PlannedEntry]] = {"contact": [], "address": []}
    for p in plan.planned.values():
        if p.current is None:
            new[p.kind].append(p)
            continue
        flag = p.current.default if p.default is None else p.default
        if flag == p.current.default and dict(p.values) == dict(p.current.values):
            result.unchanged += 1
            continue
        values = {**p.values, FLAGS[p.kind]: flag}
        changed[p.kind].append(MODELS[p.kind](id=p.current.id, **values))
        result.updated[p.index] = p.current.id
    for kind, model in MODELS.items():
        if changed[kind]:
            model.objects.bulk_update(changed[kind], [*FIELDS[kind], FLAGS[kind]], batch_size=500)
        objs = [
            model(customer_id=p.customer_id, **p.values, **{FLAGS[kind]: bool(p.default)})
            for p in new[kind]
        ]
        made = model.objects.bulk_create(objs, batch_size=1000)  # ids returned on both DBs
        result.created.update({p.index: obj.pk for p, obj in zip(new[kind], made, strict=True)})
        counts[CREATED[kind]] += len(objs)
    if audit_each:
        _audit(actor, plan, result)
    if progress is not None:
        progress(len(rows))
    return result


def _audit(actor: Actor, plan: _Plan, result: BatchResult) -> None:
    if not result.created and not result.updated:
        return
    orgs = dict(
        list_customers_in_scope(actor, mode="write")
        .filter(pk__in=sorted({p.customer_id for p in plan.planned.values()}))
        .values_list("pk", "org_id")
    )
    for i, pk in sorted({**result.created, **result.updated}.items()):
        p = plan.planned[i]
        row = plan.rows[i]
        if i in result.created:
            action, before = f"party.{p.kind}_added", None
            if p.kind == "contact":
                after: dict[str, Any] = {"contact": row.name, "phone": row.phone}
            else:
                assert isinstance(row, AddressRow)
                names = " ".join(name for _c, name in plan.snap.regions[row.region_code])
                after = {"address": f"{names} {row.street}", "receiver": row.receiver}
        else:
            assert p.current is not None
            only_flag = dict(p.values) == dict(p.current.values)
            if only_flag and p.default:
                action, before, after = f"party.{p.kind}_made_default", None, {p.kind: pk}
            else:
                action = f"party.{p.kind}_updated"
                flag = FLAGS[p.kind]
                before = {**p.current.values, flag: p.current.default}
                after = {**p.values, flag: p.current.default if p.default is None else p.default}
        audit.record(
            actor=actor,
            action=action,
            object_type="party.customer",
            object_id=p.customer_id,
            before=before,
            after=after,
            org_id=orgs.get(p.customer_id),
        )
