"""Low-level balance rows: the guarded conditional updates (ARCHITECTURE.md section 5).

One statement per change: ``UPDATE … SET balance = balance + d WHERE account_id = ? AND
bucket = ? [AND balance - frozen + d >= 0] RETURNING balance, frozen``; zero rows means the
guard said no. Works the same on SQLite (3.35+) and PostgreSQL; integers, so exact."""

from __future__ import annotations

from django.db import connection

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


def add(account_id: int, bucket: int, delta: int, *, guarded: bool) -> tuple[int, int] | None:
    """Add `delta` to a balance row; with `guarded`, only while available stays >= 0.
    Returns (balance, frozen) after, or None when the guard refused."""
    with connection.cursor() as cur:
        if guarded and delta < 0:
            cur.execute(_ADD_GUARDED + _RETURNING, [delta, account_id, bucket, delta])
        else:
            cur.execute(_ADD + _RETURNING, [delta, account_id, bucket])
        row = cur.fetchone()
    return (int(row[0]), int(row[1])) if row else None


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
