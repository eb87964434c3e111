"""kernel-numbers: document numbers per second with concurrent writers.

Figure: `next_number()` calls per second, each in its own committed transaction, with
8 writer threads on one (org, type, day) counter: the worst case, every writer on the
same hot row.
Raw limit, same run, same database, same threads: committed single-row
``UPDATE bench_counter SET v = v + 1 WHERE id = 1`` statements per second through the
same Django connections; nothing can number documents faster than the database can
update one row.
"""

from __future__ import annotations

from django.db import connection, transaction

from omni.kernel.models import DocumentSequence
from omni.kernel.numbering import next_number

from ._harness import hammer, machine

BENCH_ORG = -424242


def _raw_update() -> None:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE bench_counter SET v = v + 1 WHERE id = 1")


def _number() -> None:
    with transaction.atomic():
        next_number(BENCH_ORG, "BN")


def run(writers: str | int = 8, seconds: str | float = 5) -> dict:
    writers, seconds = int(writers), float(seconds)
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_counter")
        cur.execute("CREATE TABLE bench_counter (id integer PRIMARY KEY, v bigint NOT NULL)")
        cur.execute("INSERT INTO bench_counter (id, v) VALUES (1, 0)")
    try:
        raw = hammer(_raw_update, writers, seconds)
        numbers = hammer(_number, writers, seconds)
        # correctness of what we just measured: unique and gap-free
        last = DocumentSequence.objects.filter(org_id=BENCH_ORG, doc_type="BN").values_list(
            "last_value", flat=True
        )
        issued = sum(last)
    finally:
        DocumentSequence.objects.filter(org_id=BENCH_ORG).delete()
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_counter")
    return {
        "benchmark": "kernel-numbers",
        "writers": writers,
        "figure": {
            "numbers_per_second": numbers["per_second"],
            "numbers_issued": numbers["operations"],
        },
        "raw_limit": {"single_row_updates_per_second": raw["per_second"]},
        "ratio": round(numbers["per_second"] / raw["per_second"], 3) if raw["per_second"] else None,
        "gap_free": issued == numbers["operations"],
        "machine": machine(),
    }
