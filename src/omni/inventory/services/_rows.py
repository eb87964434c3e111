"""The guarded conditional updates on stock rows (ARCHITECTURE.md section 5): one statement
per change, zero rows when the guard says no. Integers; the same on SQLite and PostgreSQL."""

from __future__ import annotations

from django.db import connection

from ..models import Stock

_T = Stock._meta.db_table
_RET = " RETURNING on_hand, reserved"
# receive: nothing to guard
_ADD = f"UPDATE {_T} SET on_hand = on_hand + %s WHERE id = %s" + _RET  # noqa: S608
# issue from what is available (on hand not reserved)
_TAKE = (
    f"UPDATE {_T} SET on_hand = on_hand - %s WHERE id = %s"  # noqa: S608
    " AND on_hand - reserved >= %s" + _RET
)
_RESERVE = (
    f"UPDATE {_T} SET reserved = reserved + %s WHERE id = %s"  # noqa: S608
    " AND on_hand - reserved >= %s" + _RET
)
_UNRESERVE = (
    f"UPDATE {_T} SET reserved = reserved - %s WHERE id = %s"  # noqa: S608
    " AND reserved >= %s" + _RET
)
# issue what a reservation holds
_TAKE_RESERVED = (
    f"UPDATE {_T} SET on_hand = on_hand - %s, reserved = reserved - %s WHERE id = %s"  # noqa: S608
    " AND reserved >= %s AND on_hand >= %s" + _RET
)


def _one(sql: str, params: list[int]) -> tuple[int, int] | None:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    return (int(row[0]), int(row[1])) if row else None


def add(stock_id: int, qty: int) -> tuple[int, int] | None:
    return _one(_ADD, [qty, stock_id])


def take(stock_id: int, qty: int) -> tuple[int, int] | None:
    return _one(_TAKE, [qty, stock_id, qty])


def reserve(stock_id: int, qty: int) -> tuple[int, int] | None:
    return _one(_RESERVE, [qty, stock_id, qty])


def unreserve(stock_id: int, qty: int) -> tuple[int, int] | None:
    return _one(_UNRESERVE, [qty, stock_id, qty])


def take_reserved(stock_id: int, qty: int) -> tuple[int, int] | None:
    return _one(_TAKE_RESERVED, [qty, qty, stock_id, qty, qty])
