"""Append-only stock moves (kernel.append_only): a trigger refuses UPDATE and DELETE on
SQLite and on PostgreSQL. A correction is an adjustment move."""

from __future__ import annotations

from omni.kernel import append_only

TABLES = ("inventory_move",)
MESSAGE = "stock moves are append-only: post an adjustment instead"


def create_sql(vendor: str) -> list[str]:
    return append_only.create_sql(vendor, "inventory_append_only", TABLES, MESSAGE)


def drop_sql(vendor: str) -> list[str]:
    return append_only.drop_sql(vendor, TABLES)
