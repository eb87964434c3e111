"""Append-only postings and entries, enforced by the database itself: a trigger refuses
UPDATE and DELETE on SQLite and on PostgreSQL. Corrections are reversing entries.

`flush` (tests, `omni flush`) wipes whole databases: the ledger's own `flush` command drops
the triggers for that and puts them back (PostgreSQL's TRUNCATE fires no row trigger)."""

from __future__ import annotations

from typing import Any

TABLES = ("ledger_posting", "ledger_journalentry")
MESSAGE = "ledger rows are append-only: post a reversing entry instead"


def create_sql(vendor: str) -> list[str]:
    out: list[str] = []
    if vendor == "postgresql":
        out.append(
            "CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation'; END; "
            "$$ LANGUAGE plpgsql"
        )
        for table in TABLES:
            out.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            for op in ("UPDATE", "DELETE"):
                out.append(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
                )
    return out


def drop_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}" for t in TABLES]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {t}_no_{op}" for t in TABLES for op in ("update", "delete")
        ]
    return []


def run(connection: Any, statements: list[str]) -> None:
    with connection.cursor() as cur:
        for sql in statements:
            cur.execute(sql)
