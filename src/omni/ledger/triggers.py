"""Append-only postings and entries (kernel.append_only): a trigger refuses UPDATE and
DELETE on SQLite and on PostgreSQL. Corrections are reversing entries."""

from __future__ import annotations

from omni.kernel import append_only
from omni.kernel.append_only import run

TABLES = ("ledger_posting", "ledger_journalentry")
MESSAGE = "ledger rows are append-only: post a reversing entry instead"

__all__ = ["MESSAGE", "TABLES", "create_sql", "drop_sql", "run"]


def create_sql(vendor: str) -> list[str]:
    return append_only.create_sql(vendor, "ledger_append_only", TABLES, MESSAGE)


def drop_sql(vendor: str) -> list[str]:
    return append_only.drop_sql(vendor, TABLES)
