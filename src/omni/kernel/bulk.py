"""Fast bulk SQL for importers and bulk services: `insert_rows` (prepared `executemany`,
COPY on PostgreSQL) and `rows_by_keys` (one `IN (…)` / `= ANY(array)` per chunk of keys),
without the ORM's per-row and per-value work. Re-exported by `kernel.imports`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

from . import clock

_ADAPTED_TYPES = {
    "JSONField",
    "DecimalField",
    "DateTimeField",
    "DateField",
    "TimeField",
    "UUIDField",
}


def insert_rows(
    model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]], *, chunk: int = 5000
) -> int:
    """INSERT new rows with one `executemany` per chunk (COPY on PostgreSQL): the fast path
    of an importer's apply (no model instances, no per-field compiling as in bulk_create).

    `rows` hold the values of `fields` (names or attnames such as "org_id") in that order;
    JSON, decimal and date/time values are adapted for the database here, other values go
    to the driver as they are. Every other concrete column gets its default (computed once
    for the call: not for columns whose default must differ per row) and auto_now /
    auto_now_add columns the current time. No signals, no save(). Runs inside the caller's
    transaction; returns the number of rows. Ids are not returned: look the rows up by their
    codes afterwards (`rows_by_keys`)."""
    conn = connections[DEFAULT_DB_ALIAS]
    by_name = {f.name: f for f in model._meta.concrete_fields}
    by_name.update({f.attname: f for f in model._meta.concrete_fields})
    given = [by_name[name] for name in fields]
    now = clock.wall_now()
    plan: list[tuple[bool, Any]] = []  # (from the row?, row index + adapter | constant)
    columns: list[str] = []
    for f in model._meta.concrete_fields:
        if f.primary_key and f not in given:
            continue
        columns.append(conn.ops.quote_name(f.column))
        if f in given:
            adapt = (
                partial(f.get_db_prep_save, connection=conn)
                if f.get_internal_type() in _ADAPTED_TYPES
                else None
            )
            plan.append((True, (given.index(f), adapt)))
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            plan.append((False, f.get_db_prep_save(now, connection=conn)))
        else:
            plan.append((False, f.get_db_prep_save(f.get_default(), connection=conn)))
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)
        conn.ops.quote_name(model._meta.db_table),
        ", ".join(columns),
        ", ".join(["%s"] * len(columns)),
    )

    def full(row: Sequence[Any]) -> tuple[Any, ...]:
        out = []
        for from_row, how in plan:
            if from_row:
                index, adapt = how
                value = row[index]
                out.append(adapt(value) if adapt is not None and value is not None else value)
            else:
                out.append(how)
        return tuple(out)

    n = 0
    batch: list[tuple[Any, ...]] = []
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            # COPY: an order of magnitude faster than executemany on PostgreSQL
            copy_sql = "COPY {} ({}) FROM STDIN".format(
                conn.ops.quote_name(model._meta.db_table), ", ".join(columns)
            )
            with cur.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(full(row))
                    n += 1
            return n
        for row in rows:
            batch.append(full(row))
            if len(batch) >= chunk:
                cur.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            cur.executemany(sql, batch)
            n += len(batch)
    return n


def rows_by_keys(
    model: type[Model],
    key: str,
    keys: Sequence[Any],
    fields: Sequence[str],
    *,
    chunk: int = 5000,
) -> Iterable[tuple[Any, ...]]:
    """The `fields` of the rows whose `key` column is one of `keys`: one SELECT … IN per
    chunk, without the ORM's per-value preparation of long IN lists (the other fast path of
    an importer: looking up 100,000 codes). Keys are passed to the driver as they are (text,
    integers); JSON columns are decoded, other values come as the driver returns them, so
    ask for text, integers, ids and JSON."""
    conn = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    columns = [meta.get_field(f) for f in fields]
    decode = [
        partial(f.from_db_value, expression=None, connection=conn)
        if f.get_internal_type() == "JSONField"
        else None
        for f in columns
    ]
    select = ", ".join(conn.ops.quote_name(f.column) for f in columns)
    table = conn.ops.quote_name(meta.db_table)
    where = conn.ops.quote_name(meta.get_field(key).column)
    postgres = conn.vendor == "postgresql"
    with conn.cursor() as cur:
        for i in range(0, len(keys), chunk):
            part = list(keys[i : i + chunk])
            if postgres:  # one array parameter: a short statement the driver need not parse
                sql = f"SELECT {select} FROM {table} WHERE {where} = ANY(%s)"  # noqa: S608
                params: list[Any] = [part]
            else:
                marks = ", ".join(["%s"] * len(part))
                sql = f"SELECT {select} FROM {table} WHERE {where} IN ({marks})"  # noqa: S608
                params = part
            cur.execute(sql, params)
            for row in cur.fetchall():
                yield tuple(
                    d(v) if d is not None and v is not None else v
                    for d, v in zip(decode, row, strict=True)
                )
