"""Append-only tables enforced by the database itself: a trigger refuses UPDATE and DELETE on
SQLite and on PostgreSQL (ledger postings, stock moves). Corrections are new rows.

An app lists its tables in a small module (`<app>/triggers.py`) whose `create_sql` /
`drop_sql` call these with its own function name and message; its migration creates them,
and `omni flush` (tests' teardown) lifts and restores every app's triggers around a wipe
(PostgreSQL's TRUNCATE fires no row trigger, SQLite's DELETE does)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def create_sql(vendor: str, function: str, tables: Sequence[str], message: str) -> list[str]:
    out: list[str] = []
    if vendor == "postgresql":
        out.append(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation'; END; "
            "$$ LANGUAGE plpgsql"
        )
        for table in tables:
            out.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
    elif vendor == "sqlite":
        for table in tables:
            for op in ("UPDATE", "DELETE"):
                out.append(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
    return out


def drop_sql(vendor: str, tables: Sequence[str]) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}" for t in tables]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {t}_no_{op}" for t in tables for op in ("update", "delete")
        ]
    return []


def run(connection: Any, statements: list[str]) -> None:
    with connection.cursor() as cur:
        for sql in statements:
            cur.execute(sql)
