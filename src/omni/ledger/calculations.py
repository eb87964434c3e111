"""Pure ledger rules over frozen snapshots: no ORM, no I/O (ARCHITECTURE.md section 4)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from . import errors
from .types import AccountSnapshot, Line


def to_minor(amount: object, places: int, *, field: str = "amount") -> int:
    """`amount` (a Decimal, an int or a decimal string) in minor units (fen, points).
    Refuses floats, bools, non-finite values and more decimals than `places`."""
    if isinstance(amount, bool | float) or amount is None:
        raise errors.InvalidAmount(details={"field": field, "reason": "not_a_decimal"})
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise errors.InvalidAmount(details={"field": field, "reason": "not_a_decimal"}) from None
    if not value.is_finite():
        raise errors.InvalidAmount(details={"field": field, "reason": "not_a_decimal"})
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise errors.InvalidAmount(details={"field": field, "places": places, "reason": "places"})
    minor = int(scaled)
    if abs(minor) >= 10**17:  # BIGINT with room for sums
        raise errors.InvalidAmount(details={"field": field, "reason": "too_large"})
    return minor


def from_minor(minor: int, places: int) -> Decimal:
    return Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def positive_minor(amount: object, places: int, *, field: str = "amount") -> int:
    minor = to_minor(amount, places, field=field)
    if minor <= 0:
        raise errors.InvalidAmount(details={"field": field, "reason": "not_positive"})
    return minor


def check_lines(
    lines: Iterable[Line], accounts: Mapping[int, AccountSnapshot]
) -> list[tuple[AccountSnapshot, int]]:
    """The lines of one entry as (account, minor amount), merged per account and in account
    order (the lock order), after checking them: at least two lines, no zero line, every
    amount within its unit's decimals, and a zero sum per currency."""
    lines = list(lines)
    if len(lines) < 2:
        raise errors.TooFewLines(details={"lines": len(lines)})
    per_account: dict[int, int] = defaultdict(int)
    sums: dict[str, int] = defaultdict(int)
    for i, line in enumerate(lines):
        account = accounts.get(line.account_id)
        if account is None:
            raise errors.UnknownAccount(details={"line": i, "account_id": line.account_id})
        minor = to_minor(line.amount, account.places, field=f"lines[{i}].amount")
        if minor == 0:
            raise errors.InvalidAmount(details={"field": f"lines[{i}].amount", "reason": "zero"})
        per_account[account.id] += minor
        sums[account.currency] += minor
    unbalanced = {currency: total for currency, total in sums.items() if total != 0}
    if unbalanced:
        raise errors.UnbalancedEntry(
            details={
                "sums": {
                    c: str(from_minor(t, _places_of(accounts, c))) for c, t in unbalanced.items()
                }
            }
        )
    return [(accounts[aid], per_account[aid]) for aid in sorted(per_account) if per_account[aid]]


def _places_of(accounts: Mapping[int, AccountSnapshot], currency: str) -> int:
    return next((a.places for a in accounts.values() if a.currency == currency), 2)


def check_can_move(account: AccountSnapshot) -> None:
    """Money may move on the account: it is active and its customer is not frozen/exited."""
    if account.status != "active":
        raise errors.AccountFrozen(details={"account_id": account.id})
    if account.customer_status in ("frozen", "exited"):
        raise errors.CustomerFrozen(
            details={"account_id": account.id, "customer_id": account.customer_id}
        )


def bucket_for(account: AccountSnapshot, entry_id: int) -> int:
    """Which balance row of a hot counter account takes this entry's posting."""
    return entry_id % account.buckets if account.buckets > 1 else 0
