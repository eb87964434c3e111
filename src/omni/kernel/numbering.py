"""Document numbers: `next_number(org_id, "SO")` -> "SO202611230000123".

One counter row per (organisation, document type, local day). The number is taken with
``UPDATE … SET last_value = last_value + 1 … RETURNING last_value`` inside the caller's
transaction: concurrent writers queue on the row lock (PostgreSQL) or on the write lock
(SQLite, BEGIN IMMEDIATE), and a rolled-back document rolls its number back with it, so
numbers are unique and gap-free per org, type and day.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection

from . import clock
from .models import DocumentSequence

DOC_TYPE = re.compile(r"^[A-Z]{2,6}$")
WIDTH = 7


def next_number(org_id: int, doc_type: str, *, day: dt.date | None = None) -> str:
    if not DOC_TYPE.match(doc_type):
        raise ValueError(f"document type must be 2-6 capital letters, got {doc_type!r}")
    if not connection.in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that saves the document")
    day = day or clock.today()
    value = _bump(org_id, doc_type, day)
    if value is None:  # first number of the day: create the counter row, then take one
        DocumentSequence.objects.bulk_create(
            [DocumentSequence(org_id=org_id, doc_type=doc_type, day=day, last_value=0)],
            ignore_conflicts=True,
        )
        value = _bump(org_id, doc_type, day)
    return f"{doc_type}{day:%Y%m%d}{value:0{WIDTH}d}"


def _bump(org_id: int, doc_type: str, day: dt.date) -> int | None:
    table = connection.ops.quote_name(DocumentSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 "  # noqa: S608 - table name from _meta
            "WHERE org_id = %s AND doc_type = %s AND day = %s RETURNING last_value",
            [org_id, doc_type, connection.ops.adapt_datefield_value(day)],
        )
        row = cursor.fetchone()
    return row[0] if row else None
