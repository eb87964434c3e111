"""The bulk write path of customers: `upsert_customers(*, actor, rows) -> BatchResult`.

Rows (`types.CustomerRow`) are normalised one by one (`_clean`), what they refer to is
loaded in bulk (one query per reference type and chunk, `_load`), the pure rules of
`calculations` decide, and the good rows are written: new customers in layers (uppers
first), existing ones only where they differ. `customers.create_customer` /
`update_customer` call it with one row, the Excel import with the file's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from omni.kernel import audit, clock
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError, InvalidInput
from omni.kernel.excel import normalise_code
from omni.kernel.fields import clean_text
from omni.kernel.imports import insert_rows, rows_by_keys
from omni.kernel.writes import chunks
from omni.tenancy.scope import sees_everything
from omni.tenancy.selectors import (
    list_organizations,
    list_sales_regions,
    organizations,
    regions,
    sales_regions,
)

from .. import calculations as calc
from ..calculations import MAX_CHAIN
from ..errors import DuplicateCode
from ..models import Customer, CustomerClass, CustomerKind, CustomerLevel
from ..selectors import list_customers_in_scope
from ..states import CustomerStatus
from ..types import KEEP, BatchResult, CustomerRow, RowProblem
from ..validation import is_valid_code, normalize_tags, normalize_tax_number

AUDITED = [
    "org",
    "code",
    "name",
    "short_name",
    "kind",
    "customer_class",
    "level",
    "sales_region",
    "region",
    "account_manager",
    "upper",
    "status",
    "tags",
    "invoice_title",
    "tax_number",
]
# the fields a row writes (besides code, upper and the account manager)
WRITES = (
    "org_id",
    "name",
    "short_name",
    "kind",
    "customer_class_id",
    "level_id",
    "sales_region_id",
    "region_id",
    "tags",
    "invoice_title",
    "tax_number",
)
_LOADED = ("id", "code", "upper_id", "account_manager_id", *WRITES)
CREATE, UPSERT = "create", "upsert"


def _clean(index: int, row: CustomerRow) -> tuple[CustomerRow, list[RowProblem]]:
    """The row's own values normalised (code, texts against their columns, kind, tags, tax
    number); every problem of the row, not only the first."""
    problems: list[RowProblem] = []

    def attempt(field: str, check: Callable[[], Any], fallback: Any) -> Any:
        try:
            return check()
        except DomainError as error:
            problems.append(RowProblem(index, field, error))
            return fallback

    code = normalise_code(row.code or "")
    if row.id is None and not is_valid_code(code):
        problems.append(RowProblem(index, "code", InvalidInput(details={"code": row.code})))

    def text(field: str, required: bool = False) -> str:
        value = getattr(row, field)
        return attempt(
            field, lambda: clean_text(value, model=Customer, field=field, required=required), ""
        )

    name = text("name", required=True)
    if row.kind not in CustomerKind.values:
        problems.append(RowProblem(index, "kind", InvalidInput(details={"kind": row.kind})))
    cleaned = replace(
        row,
        code=code,
        name=name,
        short_name=text("short_name"),
        invoice_title=text("invoice_title"),
        tags=tuple(attempt("tags", lambda: normalize_tags(row.tags), [])),
        tax_number=attempt("tax_number", lambda: normalize_tax_number(row.tax_number), ""),
        region_code=(row.region_code or "").strip(),
    )
    return cleaned, problems


def _by_id_or_code(qs: Any, refs: Iterable[Any], *fields: str) -> Iterator[tuple[Any, ...]]:
    """Rows named by id or by code, one query per chunk."""
    refs = list(refs)
    items = sorted({r for r in refs if isinstance(r, int)}) + sorted(
        {r for r in refs if isinstance(r, str) and r}
    )
    for chunk in chunks(items):
        ids = [r for r in chunk if isinstance(r, int)]
        codes = [r for r in chunk if isinstance(r, str)]
        yield from qs.filter(Q(pk__in=ids) | Q(code__in=codes)).values_list(*fields)


def _ref_map(qs: Any, refs: Iterable[Any]) -> dict[Any, int]:
    found: dict[Any, int] = {}
    for pk, code in _by_id_or_code(qs, refs, "pk", "code"):
        found[pk] = found[code] = pk
    return found


def _current(values: tuple[Any, ...]) -> calc.Current:
    v = dict(zip(_LOADED, values, strict=True))
    v["tags"] = sorted(v["tags"] or [])
    return calc.Current(v["id"], v["code"], v["org_id"], v["kind"], v["upper_id"], v)


def _load(actor: Actor, rows: Sequence[CustomerRow]) -> calc.Snapshot:
    """Everything the rows refer to, each type looked up once per chunk."""
    by_id: dict[int, calc.Current] = {}
    names = [r.id if r.id is not None else r.code for r in rows]
    for values in _by_id_or_code(Customer.objects, [*names, *(r.upper for r in rows)], *_LOADED):
        c = _current(values)
        by_id[c.id] = c
    for _level in range(MAX_CHAIN + 1):  # the supplier chains above them, a query per level
        missing = sorted({c.upper_id for c in by_id.values() if c.upper_id} - set(by_id))
        if not missing:
            break
        for chunk in chunks(missing):
            for values in Customer.objects.filter(pk__in=chunk).values_list(*_LOADED):
                c = _current(values)
                by_id[c.id] = c
    orgs = _ref_map(organizations(), (r.org for r in rows))
    srs = _ref_map(sales_regions(), (r.sales_region for r in rows))
    region_codes = sorted({r.region_code for r in rows if r.region_code})
    found_regions: set[str] = set()
    for chunk in chunks(region_codes):
        found_regions.update(regions().filter(code__in=chunk).values_list("code", flat=True))
    snap = calc.Snapshot(
        orgs=orgs,
        classes=_ref_map(CustomerClass.objects.all(), (r.customer_class for r in rows)),
        levels=_ref_map(CustomerLevel.objects.all(), (r.level for r in rows)),
        sales_regions=srs,
        regions=frozenset(found_regions),
        customers={c.code: c for c in by_id.values()},
        by_id=by_id,
    )
    if sees_everything(actor):
        return snap
    org_ids = sorted(set(orgs.values()))
    writable = set(
        list_organizations(actor, mode="write").filter(pk__in=org_ids).values_list("pk", flat=True)
    )
    pairs: set[tuple[int, int]] = set()
    if actor.scope.sales_region_ids and srs:
        pairs.update(
            list_sales_regions(actor, mode="write")
            .filter(pk__in=sorted(set(srs.values())))
            .values_list("pk", "org_id")
        )
    visible: set[int] = set()
    for chunk in chunks(sorted(by_id)):
        visible.update(
            list_customers_in_scope(actor, mode="write")
            .filter(pk__in=chunk)
            .values_list("pk", flat=True)
        )
    return replace(
        snap,
        writable_orgs=frozenset(writable),
        region_writable=frozenset(pairs),
        visible=frozenset(visible),
    )


@dataclass
class _Plan:
    rows: list[CustomerRow]
    planned: dict[int, calc.Planned]  # the rows without problems
    problems: list[RowProblem]
    snap: calc.Snapshot


def _plan(actor: Actor, rows: Sequence[CustomerRow], *, mode: str) -> _Plan:
    cleaned: list[CustomerRow] = []
    problems: list[RowProblem] = []
    for i, row in enumerate(rows):
        row, found = _clean(i, row)
        cleaned.append(row)
        problems.extend(found)
    refused = {p.index for p in problems}
    snap = _load(actor, cleaned)
    planned, first, found = calc.resolve_rows(
        cleaned, snap, refused=refused, create_only=mode == CREATE
    )
    problems.extend(found)
    changing = calc.changing_suppliers(planned)
    if changing:
        lowers: dict[int, list[tuple[str, int]]] = {}
        for chunk in chunks(changing):
            for upper_id, code, org_id in (
                Customer.objects.filter(upper_id__in=chunk)
                .order_by("code")
                .values_list("upper_id", "code", "org_id")
            ):
                lowers.setdefault(upper_id, []).append((code, org_id))
        snap = replace(snap, lowers={k: tuple(v) for k, v in lowers.items()})
    problems.extend(calc.check_supplier_graph(planned, first, snap))
    refused = {p.index for p in problems}
    problems.sort(key=lambda p: p.index)
    good = {i: p for i, p in planned.items() if i not in refused}
    return _Plan(cleaned, good, problems, snap)


def validate_customers(
    *, actor: Actor, rows: Sequence[CustomerRow], mode: str = UPSERT
) -> list[RowProblem]:
    """Every problem of the rows, writing nothing (an import's check before it applies)."""
    return _plan(actor, rows, mode=mode).problems


@transaction.atomic(durable=True)
def upsert_customers(*, actor: Actor, rows: Sequence[CustomerRow]) -> BatchResult:
    """Create or update customers matched on code; all rows or none (problems: nothing is
    written). Each change is audited."""
    actor.require("party.customer.create")
    actor.require("party.customer.edit")
    result = apply_customers_in_tx(actor=actor, rows=rows, all_or_nothing=True)
    return result


def apply_customers_in_tx(
    *,
    actor: Actor,
    rows: Sequence[CustomerRow],
    mode: str = UPSERT,
    status: str = CustomerStatus.PROSPECT,
    audit_each: bool = True,
    all_or_nothing: bool = False,
    progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """The write path inside the caller's transaction: checks the rows and writes the good
    ones (none when `all_or_nothing` and a row is refused). New customers are inserted in
    layers, uppers first; existing ones are written only where they differ. `audit_each`:
    one audit entry per changed customer (an import writes one per job instead)."""
    plan = _plan(actor, rows, mode=mode)
    result = BatchResult(problems=plan.problems)
    if plan.problems and all_or_nothing:
        return result
    ids = {c.code: c.id for c in plan.snap.by_id.values()}
    before: dict[int, dict[str, Any]] = {}
    existing = sorted(c.id for p in plan.planned.values() if (c := p.current) is not None)
    if audit_each and existing:
        before = {
            c.pk: audit.snapshot(c, AUDITED) for c in Customer.objects.filter(pk__in=existing)
        }
    new = {p.code: p for p in plan.planned.values() if p.current is None}
    wanted = {p.index: _values(plan.rows[p.index], p) for p in plan.planned.values()}
    done = 0
    try:
        for batch in _layers(new):
            insert_rows(
                Customer,
                ("code", *WRITES, "account_manager_id", "upper_id", "status", "created_by_id"),
                (
                    (
                        p.code,
                        *(wanted[p.index][f] for f in WRITES),
                        wanted[p.index].get("account_manager_id"),
                        ids[p.upper] if p.upper else None,
                        status,
                        actor.id,
                    )
                    for p in batch
                ),
            )
            codes = [p.code for p in batch]
            ids.update(rows_by_keys(Customer, "code", codes, ("code", "id")))
            result.created.update({p.index: ids[p.code] for p in batch})
            done += len(batch)
            if progress is not None:
                progress(done)
    except IntegrityError:
        raise DuplicateCode(details={"codes": sorted(new)[:20]}) from None
    _update(plan, wanted, ids, result)
    if audit_each:
        _audit(actor, result, before)
    if progress is not None:
        progress(len(rows))
    return result


def _values(row: CustomerRow, p: calc.Planned) -> dict[str, Any]:
    values: dict[str, Any] = {
        "org_id": p.org_id,
        "name": row.name,
        "short_name": row.short_name,
        "kind": p.kind,
        "customer_class_id": p.class_id,
        "level_id": p.level_id,
        "sales_region_id": p.sales_region_id,
        "region_id": p.region_code,
        "tags": sorted(row.tags),
        "invoice_title": row.invoice_title,
        "tax_number": row.tax_number,
    }
    if row.account_manager_id is not KEEP:
        values["account_manager_id"] = row.account_manager_id
    return values


def _layers(new: dict[str, calc.Planned]) -> list[list[calc.Planned]]:
    """New customers in layers: a new customer's upper (itself new) comes a layer before."""
    depth: dict[str, int] = {}

    def layer(code: str) -> int:
        if code not in depth:
            depth[code] = 0  # guard: validation excluded cycles
            upper = new[code].upper
            depth[code] = layer(upper) + 1 if upper in new else 0
        return depth[code]

    layers: dict[int, list[calc.Planned]] = {}
    for code in new:
        layers.setdefault(layer(code), []).append(new[code])
    return [layers[k] for k in sorted(layers)]


def _update(
    plan: _Plan, wanted: dict[int, dict[str, Any]], ids: dict[str, int], result: BatchResult
) -> None:
    """Existing customers: only what differs is written."""
    now = clock.wall_now()  # stands in for auto_now
    changed: list[Customer] = []
    for p in plan.planned.values():
        current = p.current
        if current is None:
            continue
        values = {**wanted[p.index], "upper_id": ids[p.upper] if p.upper else None}
        values.setdefault("account_manager_id", current.values["account_manager_id"])
        if all(current.values[k] == v for k, v in values.items()):
            result.unchanged += 1
            continue
        changed.append(Customer(id=current.id, updated_at=now, **values))
        result.updated[p.index] = current.id
    if changed:
        Customer.objects.bulk_update(
            changed,
            [*WRITES, "account_manager_id", "upper_id", "updated_at"],
            batch_size=500,
        )


def _audit(actor: Actor, result: BatchResult, before: dict[int, dict[str, Any]]) -> None:
    ids = sorted({*result.created.values(), *result.updated.values()})
    created = set(result.created.values())
    for customer in Customer.objects.filter(pk__in=ids).order_by("pk") if ids else ():
        after = audit.snapshot(customer, AUDITED)
        was = before.get(customer.pk)
        if customer.pk not in created and not audit.changed_fields(was, after):
            continue
        action = "party.customer_created" if was is None else "party.customer_updated"
        audit.record_change(actor, action, customer, before=was, after=after)
