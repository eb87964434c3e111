"""Suppliers, bulk-first: `upsert_suppliers(*, actor, rows) -> BatchResult`.

Rows (`types.SupplierRow`) are normalised one by one (`_clean`: code, texts against their
columns, phone, tax number), what they refer to is loaded in bulk, the pure rules of
`calculations.resolve_suppliers` decide, and the good rows are written. `create_supplier`
and `update_supplier` (a page, the API) call it with one row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError, InvalidInput, NotFound
from omni.kernel.excel import normalise_code
from omni.kernel.fields import clean_text
from omni.kernel.writes import insert_unique
from omni.tenancy.scope import sees_everything
from omni.tenancy.selectors import list_organizations

from .. import calculations as calc
from ..errors import DuplicateCode
from ..models import Supplier
from ..selectors import list_suppliers
from ..types import BatchResult, RowProblem, SupplierRow
from ..validation import is_valid_code, normalize_phone, normalize_tax_number

SUPPLIER_FIELDS = ["code", "name", "contact_name", "phone", "tax_number", "is_active"]
WRITES = ("org_id", "name", "contact_name", "phone", "tax_number", "is_active")
CREATE, UPSERT = "create", "upsert"


def _clean(index: int, row: SupplierRow) -> tuple[SupplierRow, list[RowProblem]]:
    problems: list[RowProblem] = []

    def attempt(field: str, check: Callable[[], Any]) -> Any:
        try:
            return check()
        except DomainError as error:
            problems.append(RowProblem(index, field, error))
            return ""

    code = normalise_code(row.code or "")
    if row.id is None and not is_valid_code(code):
        problems.append(RowProblem(index, "code", InvalidInput(details={"code": row.code})))
    cleaned = replace(
        row,
        code=code,
        name=attempt(
            "name", lambda: clean_text(row.name, model=Supplier, field="name", required=True)
        ),
        contact_name=attempt(
            "contact_name",
            lambda: clean_text(row.contact_name, model=Supplier, field="contact_name"),
        ),
        phone=attempt("phone", lambda: normalize_phone(row.phone) if row.phone.strip() else ""),
        tax_number=attempt("tax_number", lambda: normalize_tax_number(row.tax_number)),
    )
    return cleaned, problems


def _load(actor: Actor, rows: Sequence[SupplierRow]) -> calc.SupplierSnapshot:
    ids = sorted({r.id for r in rows if r.id is not None})
    codes = sorted({r.code for r in rows if r.id is None})
    by_id: dict[int, calc.Current] = {}
    loaded = ("id", "code", "org_id", *WRITES[1:])
    for values in Supplier.objects.filter(Q(pk__in=ids) | Q(code__in=codes)).values(*loaded):
        by_id[values["id"]] = calc.Current(
            values["id"], values["code"], values["org_id"], "", None, values
        )
    org_refs = {r.org for r in rows if r.org is not None}
    orgs_qs = list_organizations(actor, mode="write").filter(
        Q(pk__in=[o for o in org_refs if isinstance(o, int)])
        | Q(code__in=[o for o in org_refs if isinstance(o, str)])
    )
    orgs: dict[Any, int] = {}
    for pk, code in orgs_qs.values_list("pk", "code"):
        orgs[pk] = orgs[code] = pk
    visible = None
    if not sees_everything(actor):
        visible = frozenset(
            list_suppliers(actor, permission=None, mode="write")
            .filter(pk__in=sorted(by_id))
            .values_list("pk", flat=True)
        )
    return calc.SupplierSnapshot(orgs, {c.code: c for c in by_id.values()}, by_id, visible)


@dataclass
class _Plan:
    rows: list[SupplierRow]
    planned: dict[int, calc.PlannedSupplier]
    problems: list[RowProblem]


def _plan(actor: Actor, rows: Sequence[SupplierRow], *, mode: str) -> _Plan:
    cleaned, problems = [], []
    for i, row in enumerate(rows):
        row, found = _clean(i, row)
        cleaned.append(row)
        problems.extend(found)
    planned, found = calc.resolve_suppliers(
        cleaned,
        _load(actor, cleaned),
        refused={p.index for p in problems},
        create_only=mode == CREATE,
    )
    problems = sorted([*problems, *found], key=lambda p: p.index)
    return _Plan(cleaned, planned, problems)


def validate_suppliers(
    *, actor: Actor, rows: Sequence[SupplierRow], mode: str = UPSERT
) -> list[RowProblem]:
    """Every problem of the rows, writing nothing."""
    return _plan(actor, rows, mode=mode).problems


@transaction.atomic(durable=True)
def upsert_suppliers(*, actor: Actor, rows: Sequence[SupplierRow]) -> BatchResult:
    """Create or update suppliers matched on code; all rows or none. Each change is audited."""
    actor.require("party.supplier.create")
    actor.require("party.supplier.edit")
    return apply_suppliers_in_tx(actor=actor, rows=rows)


def apply_suppliers_in_tx(
    *, actor: Actor, rows: Sequence[SupplierRow], mode: str = UPSERT
) -> BatchResult:
    """The write path inside the caller's transaction: nothing is written when a row is
    refused; new suppliers created, existing ones written where they differ, audited."""
    plan = _plan(actor, rows, mode=mode)
    result = BatchResult(problems=plan.problems)
    if plan.problems:
        return result
    for p in plan.planned.values():
        row = plan.rows[p.index]
        values = {f: getattr(row, f) for f in WRITES[1:]} | {"org_id": p.org_id}
        if p.current is None:
            supplier = insert_unique(  # the same code created meanwhile: a conflict
                partial(Supplier.objects.create, code=p.code, **values),
                partial(DuplicateCode, details={"code": p.code}),
            )
            result.created[p.index] = supplier.pk
            audit.record_created(
                actor, "party.supplier_created", supplier, ["code", "name", "tax_number"]
            )
            continue
        if all(p.current.values[k] == v for k, v in values.items()):
            result.unchanged += 1
            continue
        supplier = Supplier.objects.get(pk=p.current.id)
        before = audit.snapshot(supplier, SUPPLIER_FIELDS)
        for k, v in values.items():
            setattr(supplier, k, v)
        supplier.save()
        result.updated[p.index] = supplier.pk
        audit.record_change(
            actor,
            "party.supplier_updated",
            supplier,
            before=before,
            after=audit.snapshot(supplier, SUPPLIER_FIELDS),
        )
    return result


# --- one supplier: the bulk path with one row ---------------------------------------------------


@transaction.atomic(durable=True)
def create_supplier(
    *,
    actor: Actor,
    org_id: int,
    code: str,
    name: str,
    contact_name: str = "",
    phone: str = "",
    tax_number: str = "",
) -> Supplier:
    actor.require("party.supplier.create")
    row = SupplierRow(code, name, org_id, contact_name, phone, tax_number)
    return _write_one(actor, row, mode=CREATE)


@transaction.atomic(durable=True)
def update_supplier(
    *,
    actor: Actor,
    supplier_id: int,
    name: str,
    contact_name: str = "",
    phone: str = "",
    tax_number: str = "",
    is_active: bool = True,
) -> Supplier:
    """Edit a supplier (the code is its key and does not change)."""
    actor.require("party.supplier.edit")
    if not list_suppliers(actor, permission=None, mode="write").filter(pk=supplier_id).exists():
        raise NotFound(details={"supplier_id": supplier_id})  # before the body is looked at
    row = SupplierRow("", name, None, contact_name, phone, tax_number, is_active, id=supplier_id)
    return _write_one(actor, row)


def _write_one(actor: Actor, row: SupplierRow, **options: Any) -> Supplier:
    """One row through the bulk path: its first problem raised, else the supplier written
    (or named by `row.id`)."""
    result = apply_suppliers_in_tx(actor=actor, rows=[row], **options)
    result.raise_first()
    return Supplier.objects.get(pk=result.created[0] if result.created else row.id)
