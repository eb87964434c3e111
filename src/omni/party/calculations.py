"""The rules of customer writes, as pure functions over a snapshot loaded in bulk (no ORM,
no I/O). A page, the API and an Excel row all go through `resolve_rows` and
`check_supplier_graph` (via `services.customers`), so they meet the same rule and the same
error code.

* `resolve_rows`: per row, the customer it matches (id or code), duplicate codes in the
  batch, a known code outside the actor's scope, organisation / class / level / sales
  region / region / upper references, the organisation in the actor's writable scope, an
  upper that is the customer itself.
* `check_supplier_graph`: the supplier graph as it will be after the batch (rows of the
  batch, a later row may define an upper, over what the database holds), to a fixpoint,
  so that a row whose upper's row is refused is refused too when the upper is new, or
  checked against the database when it exists: an upper in another organisation, an upper
  that cannot supply (a store or key account), cycles, chains longer than `MAX_CHAIN`, and
  a customer that changes organisation or stops being able to supply while lower-level
  customers (not themselves in the batch) still order from it.
* `resolve_entries`, `resolve_suppliers`: the rules of contacts and delivery addresses,
  and of suppliers (below).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from omni.kernel.errors import NotFound, UnknownReference
from omni.tenancy.errors import CyclicHierarchy, DuplicateCode, UnknownRegion

from .errors import (
    DuplicateAddress,
    DuplicateContact,
    LowerCustomersElsewhere,
    LowerCustomersNeedSupplier,
    SeveralDefaults,
    SupplierOutsideOrganisation,
    UpperCannotSupply,
    UpperRowRejected,
)
from .types import CustomerRow, Ref, RowProblem

SUPPLYING_KINDS = frozenset({"distributor", "dealer"})
MAX_CHAIN = 10
MAX_LISTED = 20  # lower customers named in an error


@dataclass(frozen=True, slots=True)
class Current:
    """A customer as the database holds it."""

    id: int
    code: str
    org_id: int
    kind: str
    upper_id: int | None
    values: Mapping[str, Any]  # the written fields, to tell an unchanged row


@dataclass(frozen=True)
class Snapshot:
    """What a batch refers to, each type loaded once (per chunk) by the service."""

    orgs: Mapping[Ref, int]  # id or code → id
    classes: Mapping[Ref, int]
    levels: Mapping[Ref, int]
    sales_regions: Mapping[Ref, int]
    regions: frozenset[str]
    customers: Mapping[str, Current]  # by code: the batch's, their uppers and ancestors
    by_id: Mapping[int, Current]
    writable_orgs: frozenset[int] | None = None  # None: every organisation
    # (sales region, organisation) pairs a sales-region scope may write customers into
    region_writable: frozenset[tuple[int, int]] = frozenset()
    visible: frozenset[int] | None = None  # customers in the actor's scope; None: all
    # upper id → (code, org id) of the customers ordering from it (those that change)
    lowers: Mapping[int, tuple[tuple[str, int], ...]] = field(default_factory=dict)

    def sees(self, customer: Current) -> bool:
        return self.visible is None or customer.id in self.visible

    def may_write(self, org_id: int, sales_region_id: int | None) -> bool:
        return (
            self.writable_orgs is None
            or org_id in self.writable_orgs
            or (sales_region_id, org_id) in self.region_writable
        )


@dataclass(frozen=True, slots=True)
class Planned:
    """A row with its references resolved: the customer as it will be."""

    index: int
    code: str
    current: Current | None
    org_id: int
    kind: str
    class_id: int | None
    level_id: int | None
    sales_region_id: int | None
    region_code: str | None
    upper: str | None  # code
    upper_ref: Ref | None  # as the row gave it


def _ref_details(name: str, value: Ref) -> dict[str, Any]:
    return {f"{name}_id" if isinstance(value, int) else f"{name}_code": value}


def resolve_rows(
    rows: Sequence[CustomerRow], snap: Snapshot, *, refused: set[int], create_only: bool
) -> tuple[dict[int, Planned], dict[str, int], list[RowProblem]]:
    """Rows whose references resolve (by index), the first row of each code, and the
    problems. Rows in `refused` (already refused) only count for `first`."""
    planned: dict[int, Planned] = {}
    first: dict[str, int] = {}
    problems: list[RowProblem] = []
    for i, row in enumerate(rows):
        found: list[RowProblem] = []

        def add(
            field: str, error: Any, hint: str = "", found: list[RowProblem] = found, i: int = i
        ) -> None:
            found.append(RowProblem(i, field, error, hint))

        current = snap.by_id.get(row.id) if row.id is not None else snap.customers.get(row.code)
        code = current.code if row.id is not None and current is not None else row.code
        if code in first:
            add("code", DuplicateCode(details={"code": code, "row": first[code]}))
        else:
            first[code] = i
        if i in refused:
            continue
        if row.id is not None and (current is None or not snap.sees(current)):
            add("id", NotFound(details={"customer_id": row.id}))
        elif row.id is None and current is not None:
            if create_only:
                add("code", DuplicateCode(details={"code": code}))
            elif not snap.sees(current):
                add("code", DuplicateCode(details={"code": code}), "out_of_scope")
        refs: dict[str, int | None] = {}
        for name, value, known in (
            ("class", row.customer_class, snap.classes),
            ("level", row.level, snap.levels),
            ("sales_region", row.sales_region, snap.sales_regions),
        ):
            refs[name] = None if value is None else known.get(value)
        org_id = snap.orgs.get(row.org) if row.org is not None else None
        if org_id is None:
            add("org", NotFound(details=_ref_details("org", row.org or "")))
        elif not snap.may_write(org_id, refs["sales_region"]):
            add("org", NotFound(details=_ref_details("org", row.org or "")), "out_of_scope")
        for name, value, _known in (
            ("class", row.customer_class, None),
            ("level", row.level, None),
            ("sales_region", row.sales_region, None),
        ):
            if value is not None and refs[name] is None:
                details = _ref_details(name, value)
                add(name, UnknownReference(details={"field": next(iter(details)), "value": value}))
        if row.region_code and row.region_code not in snap.regions:
            add("region", UnknownRegion(details={"field": "region", "value": row.region_code}))
        upper: str | None = None
        if isinstance(row.upper, int):
            known_upper = snap.by_id.get(row.upper)
            if known_upper is None:
                add("upper", NotFound(details={"upper_id": row.upper}))
            else:
                upper = known_upper.code
        elif row.upper:
            upper = row.upper
        if upper is not None and upper == code:
            add("upper", CyclicHierarchy(details={"upper": upper, "path": [code, code]}), "self")
        if found:
            problems.extend(found)
            continue
        assert org_id is not None
        planned[i] = Planned(
            i,
            code,
            current,
            org_id,
            row.kind,
            refs["class"],
            refs["level"],
            refs["sales_region"],
            row.region_code or None,
            upper,
            row.upper,
        )
    return planned, first, problems


def changing_suppliers(planned: Mapping[int, Planned]) -> list[int]:
    """Ids of existing customers that move to another organisation or stop being able to
    supply: their lower-level customers must be loaded (`Snapshot.lowers`)."""
    return sorted(
        p.current.id
        for p in planned.values()
        if p.current is not None
        and (
            p.org_id != p.current.org_id
            or (p.kind not in SUPPLYING_KINDS and p.current.kind in SUPPLYING_KINDS)
        )
    )


@dataclass(frozen=True, slots=True)
class _Node:
    org_id: int
    kind: str
    upper: str | None
    index: int | None  # the batch row that sets it, if any


def check_supplier_graph(
    planned: Mapping[int, Planned], first: Mapping[str, int], snap: Snapshot
) -> list[RowProblem]:
    """Problems of the supplier graph as it will be after the batch, to a fixpoint: a row
    refused in one round counts as what the database holds in the next."""
    refused: set[int] = set()
    problems: list[RowProblem] = []

    def node(code: str) -> _Node | None:
        i = first.get(code)
        p = planned.get(i) if i is not None else None
        if p is not None and p.index not in refused:
            return _Node(p.org_id, p.kind, p.upper, p.index)
        c = snap.customers.get(code)
        if c is None:
            return None
        above = snap.by_id.get(c.upper_id) if c.upper_id else None
        return _Node(c.org_id, c.kind, above.code if above else None, None)

    while True:
        found = [*_upper_problems(planned, first, snap, refused, node)]
        found += _lower_problems(planned, first, snap, refused)
        if not found:
            return problems
        problems.extend(found)
        refused.update(p.index for p in found)


def _upper_problems(planned, first, snap, refused, node) -> list[RowProblem]:
    found: list[RowProblem] = []
    for p in planned.values():
        if p.index in refused or p.upper is None:
            continue
        upper = node(p.upper)
        in_db = snap.customers.get(p.upper)
        if upper is None or (upper.index is None and in_db is not None and not snap.sees(in_db)):
            row = first.get(p.upper)
            if row is not None:
                error: Any = UpperRowRejected(details={"upper": p.upper, "row": row})
            else:
                error = NotFound(details=_ref_details("upper", p.upper_ref or p.upper))
            found.append(RowProblem(p.index, "upper", error))
        elif upper.org_id != p.org_id:
            found.append(
                RowProblem(
                    p.index,
                    "upper",
                    SupplierOutsideOrganisation(details={"upper": p.upper, "org_id": p.org_id}),
                )
            )
        elif upper.kind not in SUPPLYING_KINDS:
            found.append(
                RowProblem(
                    p.index,
                    "upper",
                    UpperCannotSupply(details={"upper": p.upper, "kind": upper.kind}),
                )
            )
        else:
            problem = _chain_problem(p, node)
            if problem is not None:
                found.append(problem)
    return found


def _chain_problem(p: Planned, node) -> RowProblem | None:
    """Walk up from the upper: the chain must not come back to this customer nor be longer
    than MAX_CHAIN levels. A loop above the customer is reported on its own rows."""
    chain = [p.code, p.upper]
    code: str | None = p.upper
    while code is not None:
        n = node(code)
        code = n.upper if n is not None else None
        if code is None:
            return None
        if code == p.code:
            details = {"upper": p.upper, "path": [*chain, code]}
            return RowProblem(p.index, "upper", CyclicHierarchy(details=details))
        if code in chain:
            return None
        chain.append(code)
        if len(chain) > MAX_CHAIN + 1:
            details = {"upper": p.upper, "reason": "chain too deep", "max_chain": MAX_CHAIN}
            return RowProblem(p.index, "upper", CyclicHierarchy(details=details), "too_deep")
    return None


def _lower_problems(planned, first, snap, refused) -> list[RowProblem]:
    found: list[RowProblem] = []
    for p in planned.values():
        if p.index in refused or p.current is None:
            continue
        lowers = []
        for code, org_id in snap.lowers.get(p.current.id, ()):
            own = first.get(code)
            if own is not None and own in planned and own not in refused:
                continue  # the lower customer's own row decides (and is checked itself)
            lowers.append((code, org_id))
        if not lowers:
            continue
        base = {"customer_id": p.current.id, "org_id": p.org_id}
        elsewhere = [code for code, org_id in lowers if org_id != p.org_id]
        if elsewhere and p.org_id != p.current.org_id:
            details = {**base, "lower_customers": elsewhere[:MAX_LISTED]}
            found.append(RowProblem(p.index, "org", LowerCustomersElsewhere(details=details)))
        elif p.kind not in SUPPLYING_KINDS:
            codes = [code for code, _org in lowers][:MAX_LISTED]
            details = {**base, "kind": p.kind, "lower_customers": codes}
            found.append(RowProblem(p.index, "kind", LowerCustomersNeedSupplier(details=details)))
    return found


# === contacts and delivery addresses ============================================================
#
# `resolve_entries` decides each row of a contact/address batch over a snapshot: the
# customer in the writer's scope, the region (a district or city code) known, the entry
# it matches (by id, or by what makes it the same: customer + name + phone for a contact,
# customer + region + street + receiver for an address), the same entry never twice in a
# batch nor created twice, and at most one default (primary contact, default address) per
# customer in a batch. Texts and phones are normalised before (`services.contact_batch`).


@dataclass(frozen=True, slots=True)
class Entry:
    """A contact or address as the database holds it."""

    id: int
    kind: str  # "contact" | "address"
    customer_id: int
    key: tuple[Any, ...]
    default: bool
    values: Mapping[str, Any]  # the written fields, to tell an unchanged row


@dataclass(frozen=True)
class EntrySnapshot:
    customers: Mapping[Ref, int]  # id or code → id, only customers the writer may change
    regions: Mapping[str, tuple[tuple[str, str], ...]]  # code → (code, name) province first
    entries: Mapping[tuple[Any, ...], Entry]  # by key
    by_id: Mapping[tuple[str, int], Entry]  # (kind, id) → entry


@dataclass(frozen=True, slots=True)
class PlannedEntry:
    index: int
    kind: str
    customer_id: int
    current: Entry | None
    values: Mapping[str, Any]  # the fields to write (without the default flag)
    default: bool | None


def entry_key(kind: str, customer_id: int, values: Mapping[str, Any]) -> tuple[Any, ...]:
    """What makes two contacts (or two addresses) of a customer the same one."""
    if kind == "contact":
        return ("contact", customer_id, values["name"], values["phone"])
    region = values["district_id"] or values["city_id"]
    return ("address", customer_id, region, values["street"], values["receiver"])


def entry_values(row: Any, chain: Sequence[tuple[str, str]] | None) -> dict[str, Any]:
    """The columns a (normalised) row writes; an address's province and city come from the
    region chain (a city code stands for itself and its province)."""
    if row.kind == "contact":
        return {"name": row.name, "phone": row.phone, "position": row.position}
    codes = [code for code, _name in chain or ()]
    return {
        "province_id": codes[0] if codes else None,
        "city_id": codes[1] if len(codes) > 1 else (codes[0] if codes else None),
        "district_id": codes[2] if len(codes) > 2 else None,
        "street": row.street,
        "receiver": row.receiver,
        "phone": row.phone,
    }


def resolve_entries(
    rows: Sequence[Any], snap: EntrySnapshot, *, refused: set[int], create_only: bool
) -> tuple[dict[int, PlannedEntry], list[RowProblem]]:
    """Rows that can be written (by index) and the problems of the others. Rows in `refused`
    (their own values are wrong) still count as the first of their key or default."""
    planned: dict[int, PlannedEntry] = {}
    problems: list[RowProblem] = []
    first_key: dict[tuple[Any, ...], int] = {}
    first_id: dict[tuple[str, int], int] = {}
    first_default: dict[tuple[str, int], int] = {}
    for i, row in enumerate(rows):
        found: list[RowProblem] = []
        duplicate = DuplicateContact if row.kind == "contact" else DuplicateAddress
        customer_id = snap.customers.get(row.customer) if row.customer is not None else None
        if customer_id is None:
            ref = "customer_id" if isinstance(row.customer, int) else "customer_code"
            found.append(RowProblem(i, "customer", NotFound(details={ref: row.customer})))
        chain = None
        if row.kind == "address" and row.region_code:
            chain = snap.regions.get(row.region_code)
            if chain is None:
                details = {"field": "region", "value": row.region_code}
                found.append(RowProblem(i, "region", UnknownRegion(details=details)))
        if customer_id is None or (row.kind == "address" and chain is None):
            problems.extend(found)
            continue
        values = entry_values(row, chain)
        key = entry_key(row.kind, customer_id, values)
        current = snap.entries.get(key)
        if row.id is not None:
            by_id = snap.by_id.get((row.kind, row.id))
            if by_id is None or by_id.customer_id != customer_id:
                found.append(RowProblem(i, "id", NotFound(details={f"{row.kind}_id": row.id})))
            elif (row.kind, row.id) in first_id:
                details = {"id": row.id, "row": first_id[(row.kind, row.id)]}
                found.append(RowProblem(i, "id", duplicate(details=details)))
            else:
                first_id[(row.kind, row.id)] = i
                if current is not None and current.id != row.id:  # another entry's key
                    found.append(RowProblem(i, "name", duplicate(details={"id": current.id})))
                current = by_id
        elif current is not None and create_only:
            found.append(RowProblem(i, "name", duplicate(details={"id": current.id})))
        if key in first_key:
            found.append(RowProblem(i, "name", duplicate(details={"row": first_key[key]})))
        else:
            first_key[key] = i
        if row.default:
            owner = (row.kind, customer_id)
            if owner in first_default:
                details = {"kind": row.kind, "row": first_default[owner]}
                found.append(RowProblem(i, "default", SeveralDefaults(details=details)))
            else:
                first_default[owner] = i
        if found or i in refused:
            problems.extend(found)
            continue
        planned[i] = PlannedEntry(i, row.kind, customer_id, current, values, row.default)
    return planned, problems


# === suppliers ==================================================================================


@dataclass(frozen=True)
class SupplierSnapshot:
    orgs: Mapping[Ref, int]  # id or code → id, only organisations the writer may write in
    suppliers: Mapping[str, Current]  # by code (Current.kind unused)
    by_id: Mapping[int, Current]
    visible: frozenset[int] | None = None  # suppliers the writer may change; None: all


@dataclass(frozen=True, slots=True)
class PlannedSupplier:
    index: int
    code: str
    current: Current | None
    org_id: int


def resolve_suppliers(
    rows: Sequence[Any], snap: SupplierSnapshot, *, refused: set[int], create_only: bool
) -> tuple[dict[int, PlannedSupplier], list[RowProblem]]:
    """Per row: the supplier it matches (an id in the writer's scope, or a code: a known code
    outside the scope is a used code), a code once per batch, and the organisation among
    those the writer may write in."""
    planned: dict[int, PlannedSupplier] = {}
    problems: list[RowProblem] = []
    first: dict[str, int] = {}
    for i, row in enumerate(rows):
        found: list[RowProblem] = []
        current = snap.by_id.get(row.id) if row.id is not None else snap.suppliers.get(row.code)
        visible = current is not None and (snap.visible is None or current.id in snap.visible)
        code = current.code if row.id is not None and current is not None else row.code
        if code in first:
            found.append(
                RowProblem(i, "code", DuplicateCode(details={"code": code, "row": first[code]}))
            )
        else:
            first[code] = i
        if row.id is not None and not visible:
            found.append(RowProblem(i, "id", NotFound(details={"supplier_id": row.id})))
        elif row.id is None and current is not None and (create_only or not visible):
            found.append(RowProblem(i, "code", DuplicateCode(details={"code": code})))
        org_id = current.org_id if row.org is None and current is not None else None
        if row.org is not None:
            org_id = snap.orgs.get(row.org)
        if org_id is None and not (row.id is not None and not visible):
            found.append(RowProblem(i, "org", NotFound(details=_ref_details("org", row.org or ""))))
        if found or i in refused:
            problems.extend(found)
            continue
        assert org_id is not None
        planned[i] = PlannedSupplier(i, code, current, org_id)
    return planned, problems
