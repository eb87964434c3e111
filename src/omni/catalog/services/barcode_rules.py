"""The rules of a barcode write, as pure functions over a snapshot (no ORM, no I/O).

`barcode_batch.load_snapshot` reads what the rows name in bulk; `check_rows` decides every
row against it. The page and the API (through `barcodes.add_barcode`) and an Excel row
(through `importers.barcodes`) meet these rules and get the same error codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..calculations import barcode_kind, normalise_barcode
from ..types import BarcodeRow, Ref, RowIssue

BARCODE_MAX = 32


@dataclass
class BarcodeSnapshot:
    """What the database holds for the SKUs, units and barcodes a batch of rows names."""

    skus: dict[Ref, dict[str, Any]] = field(default_factory=dict)  # visible: id / code → fields
    writable: set[int] = field(default_factory=set)  # SKU ids the actor may change
    units: dict[Ref, int] = field(default_factory=dict)  # id, code or name → id
    conversions: set[tuple[int, int]] = field(default_factory=set)  # (sku, unit)
    barcodes: dict[str, tuple[int, int, bool]] = field(default_factory=dict)  # → (sku, unit, ★)
    primaries: dict[tuple[int, int], str] = field(default_factory=dict)  # (sku, unit) → code


def valid_barcode(code: Any) -> str | None:
    """`code` as stored (NFKC, trimmed, capitals) if it is a GTIN-8/12/13/14 with a right
    check digit or an internal code (`calculations.INTERNAL_CODE`), else None."""
    text = normalise_barcode(code) if isinstance(code, str) else ""
    if len(text) > BARCODE_MAX or barcode_kind(text) is None:
        return None
    return text


def row_unit(snap: BarcodeSnapshot, row: BarcodeRow) -> int | None:
    """The unit a row labels: its own, else the SKU's base unit (None: unknown)."""
    sku = snap.skus.get(row.sku)
    if sku is None:
        return None
    if row.unit is None or row.unit == "":
        return sku["base_unit_id"]
    return snap.units.get(row.unit)


def check_rows(
    rows: Sequence[BarcodeRow], snap: BarcodeSnapshot, *, create_only: bool = False
) -> list[RowIssue]:
    """Every refused row of the batch, with a stable code. `create_only`: a barcode that
    exists is a duplicate (an add), not an unchanged row (an upsert)."""
    issues: list[RowIssue] = []
    code_rows: dict[str, int] = {}
    primary_rows: dict[tuple[int, int], int] = {}
    for i, row in enumerate(rows):

        def add(fld: str, error: str, /, _i: int = i, **details: Any) -> None:
            issues.append(RowIssue(_i, fld, error, tuple(details.items())))

        code = valid_barcode(row.code)
        if code is None:
            add("code", "invalid_barcode", value=str(row.code)[:64])
        elif code in code_rows:
            add("code", "duplicate_barcode", row=code_rows[code])
        else:
            code_rows[code] = i
        sku = snap.skus.get(row.sku)
        if sku is None:
            add("sku", "unknown_sku", id=row.sku)
            continue
        if sku["id"] not in snap.writable:
            add("sku", "read_only", sku=sku["code"])
        unit = row_unit(snap, row)
        if unit is None:
            add("unit", "unknown_unit", id=row.unit)
        elif unit != sku["base_unit_id"] and (sku["id"], unit) not in snap.conversions:
            add("unit", "unknown_unit", id=row.unit, reason="no_conversion_for_sku")
        current = snap.barcodes.get(code) if code is not None else None
        if current is not None:
            if create_only or current[0] != sku["id"]:
                add("code", "duplicate_barcode", code=code)
            elif unit is not None and current[1] != unit:
                add("code", "duplicate_barcode", code=code, reason="other_unit")
        if row.primary and unit is not None:
            pair = (sku["id"], unit)
            if pair in primary_rows:
                add("primary", "duplicate_primary", row=primary_rows[pair])
            else:
                primary_rows[pair] = i
    return issues


@dataclass
class BarcodePlan:
    """What a checked batch changes: barcodes to insert (code, sku, unit, primary), codes
    losing and gaining the primary flag."""

    new: list[tuple[str, int, int, bool]] = field(default_factory=list)
    demote: list[str] = field(default_factory=list)
    promote: list[str] = field(default_factory=list)


def plan(rows: Sequence[BarcodeRow], snap: BarcodeSnapshot) -> BarcodePlan:
    """The changes of rows that `check_rows` accepted: one primary per SKU and unit."""
    out = BarcodePlan()
    wanted: dict[tuple[int, int], str] = {}
    cleaned = [(row, valid_barcode(row.code) or "") for row in rows]
    for row, code in cleaned:
        if row.primary:
            wanted[(snap.skus[row.sku]["id"], row_unit(snap, row))] = code  # type: ignore[index]
    out.demote = sorted(
        old for pair, new in wanted.items() if (old := snap.primaries.get(pair)) not in (None, new)
    )
    out.promote = sorted(
        code for code in wanted.values() if code in snap.barcodes and not snap.barcodes[code][2]
    )
    has_primary = set(snap.primaries) | set(wanted)
    for row, code in cleaned:
        if code in snap.barcodes:
            continue
        pair = (snap.skus[row.sku]["id"], row_unit(snap, row))
        primary = bool(row.primary) or pair not in has_primary
        has_primary.add(pair)  # type: ignore[arg-type]
        out.new.append((code, pair[0], pair[1], primary))  # type: ignore[arg-type]
    return out
