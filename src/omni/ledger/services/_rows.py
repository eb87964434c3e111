"""Low-level balance rows: the guarded conditional updates (ARCHITECTURE.md section 5).

One statement per change: ``UPDATE … SET balance = balance + d WHERE account_id = ? AND
bucket = ? [AND balance - frozen + d >= 0] RETURNING balance, frozen``; zero rows means the
guard said no. Works the same on SQLite (3.35+) and PostgreSQL; integers, so exact.
On PostgreSQL a whole entry is one call of `ledger_post(...)` (migration 0005), which runs
the same guarded updates server-side: `post_entry_function`."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import DatabaseError, connection

from ..models import Balance, Hold

_T = Balance._meta.db_table
_H = Hold._meta.db_table

_ADD = f"UPDATE {_T} SET balance = balance + %s WHERE account_id = %s AND bucket = %s"  # noqa: S608
_ADD_GUARDED = _ADD + " AND balance - frozen + %s >= 0"
_RETURNING = " RETURNING balance, frozen"
_FREEZE = (
    f"UPDATE {_T} SET frozen = frozen + %s WHERE account_id = %s AND bucket = 0"  # noqa: S608
    " AND (%s OR balance - frozen - %s >= 0)" + _RETURNING
)
_UNFREEZE = (
    f"UPDATE {_T} SET frozen = frozen - %s WHERE account_id = %s AND bucket = 0"  # noqa: S608
    " AND frozen >= %s" + _RETURNING
)
_CLOSE_HOLD = (
    f"UPDATE {_H} SET status = %s, captured = %s, entry_id = %s, closed_at = %s"  # noqa: S608
    " WHERE id = %s AND status = 'held'"
)


def freeze(account_id: int, amount: int, *, may_go_negative: bool) -> tuple[int, int] | None:
    with connection.cursor() as cur:
        cur.execute(_FREEZE, [amount, account_id, may_go_negative, amount])
        row = cur.fetchone()
    return (int(row[0]), int(row[1])) if row else None


def unfreeze(account_id: int, amount: int) -> tuple[int, int] | None:
    with connection.cursor() as cur:
        cur.execute(_UNFREEZE, [amount, account_id, amount])
        row = cur.fetchone()
    return (int(row[0]), int(row[1])) if row else None


def close_hold(hold_id: int, status: str, captured: int, entry_id: int | None, at: object) -> bool:
    """Compare-and-set held → `status`; False when the hold was already closed."""
    with connection.cursor() as cur:
        cur.execute(
            _CLOSE_HOLD,
            [status, captured, entry_id, connection.ops.adapt_datetimefield_value(at), hold_id],
        )
        return cur.rowcount == 1


_P = "ledger_posting"
_INSERT_POSTING = (
    f"INSERT INTO {_P} (entry_id, account_id, currency, amount, balance_after, business_date)"
)


def post(
    *,
    entry_id: int,
    account_id: int,
    bucket: int,
    delta: int,
    currency: str,
    day: object,
    guarded: bool,
    keep_balance: bool,
) -> int | None:
    """Change a balance row by a guarded update and write its posting, as one statement on
    PostgreSQL (``WITH u AS (UPDATE … RETURNING) INSERT … SELECT … FROM u``), two on
    SQLite. Returns the balance after (None for bucketed rows); raises `Refused` when the
    guard said no (nothing written)."""
    update = (_ADD_GUARDED if guarded and delta < 0 else _ADD) + " RETURNING balance"
    update_args = [delta, account_id, bucket] + ([delta] if guarded and delta < 0 else [])
    day = connection.ops.adapt_datefield_value(day)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"WITH u AS ({update}) {_INSERT_POSTING} "  # noqa: S608 (constant SQL)
                "SELECT %s, %s, %s, %s, CASE WHEN %s THEN u.balance END, %s FROM u "
                "RETURNING balance_after",
                [*update_args, entry_id, account_id, currency, delta, keep_balance, day],
            )
            row = cur.fetchone()
            if row is None:
                raise Refused
            return row[0]
        cur.execute(update, update_args)
        row = cur.fetchone()
        if row is None:
            raise Refused
        after = int(row[0]) if keep_balance else None
        cur.execute(
            _INSERT_POSTING + " VALUES (%s, %s, %s, %s, %s, %s)",
            [entry_id, account_id, currency, delta, after, day],
        )
        return after


_LEDGER_POST = (
    "SELECT outcome, entry_id, account_id, balances FROM ledger_post(%s::bigint, %s::text, "
    "%s::text, %s::text, %s::text, %s::date, %s::text, %s::bigint, %s::text, %s::bigint, "
    "%s::text, %s::text, %s::timestamptz, %s::text, %s::jsonb, %s::boolean, %s::bigint[], "
    "%s::bigint[], %s::boolean[], %s::boolean[], %s::integer[], %s::text[], %s::text[])"
)
REFUSED_SQLSTATE = "LE409"  # raised by ledger_post when a guarded update said no


def array(items: Iterable[str]) -> str:
    """A PostgreSQL array literal of numbers or booleans (cast in the SQL): a third of the
    cost of letting the driver adapt Python lists, on the hottest path."""
    return "{" + ",".join(items) + "}"


def text_array(items: Iterable[str]) -> str:
    """A PostgreSQL array literal of strings, every element quoted and escaped."""
    return array('"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"' for i in items)


def post_entry_function(args: list[object]) -> tuple[str, int | None, int | None, list]:
    """PostgreSQL: one whole entry by `ledger_post(...)` (migration 0005), one round trip.
    Returns (outcome, entry id, account id, balances after); raises `Refused` with the
    account whose guard said no (the transaction is then aborted: the caller rolls back)."""
    try:
        with connection.cursor() as cur:
            cur.execute(_LEDGER_POST, args)
            outcome, entry_id, account_id, balances = cur.fetchone()
    except DatabaseError as exc:
        cause = exc.__cause__
        if getattr(cause, "sqlstate", None) == REFUSED_SQLSTATE:
            raise Refused(int(cause.diag.message_detail)) from None
        raise
    return outcome, entry_id, account_id, balances or []


class Refused(Exception):
    """The guard of a balance update said no."""

    def __init__(self, account_id: int | None = None) -> None:
        super().__init__(account_id)
        self.account_id = account_id
