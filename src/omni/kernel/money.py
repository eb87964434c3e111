"""Money: Decimal only, one currency per value, one rounding mode at named points.

Rounding policy (ARCHITECTURE.md section 5): ROUND_HALF_UP everywhere;
unit prices keep 4 decimals (`round_price`), document totals and ledger postings keep
2 (`round_amount`). Round only at those points, never in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

ROUNDING = ROUND_HALF_UP
AMOUNT_PLACES = Decimal("0.01")
PRICE_PLACES = Decimal("0.0001")
DEFAULT_CURRENCY = "CNY"


class MoneyError(ValueError):
    """Programming errors with money (floats, mixed currencies): never user input."""


def to_decimal(value: Any) -> Decimal:
    """Decimal from int, str or Decimal. Floats are refused: 0.1 + 0.2 is not money."""
    if isinstance(value, bool):
        raise MoneyError("a bool is not an amount")
    if isinstance(value, float):
        raise MoneyError("floats are not allowed for money; pass a str or Decimal")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value)
        except InvalidOperation as exc:
            raise MoneyError(f"not a decimal number: {value!r}") from exc
    else:
        raise MoneyError(f"cannot make an amount from {type(value).__name__}")
    if not result.is_finite():
        raise MoneyError("amounts must be finite")
    return result


def round_amount(value: Decimal) -> Decimal:
    """Document totals and postings: 2 places, half up."""
    return to_decimal(value).quantize(AMOUNT_PLACES, rounding=ROUNDING)


def round_price(value: Decimal) -> Decimal:
    """Unit prices: 4 places, half up."""
    return to_decimal(value).quantize(PRICE_PLACES, rounding=ROUNDING)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        if not (isinstance(self.currency, str) and len(self.currency) == 3):
            raise MoneyError(f"currency must be a 3-letter code, got {self.currency!r}")

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        return cls(Decimal("0"), currency)

    def _same(self, other: Any) -> Money:
        if not isinstance(other, Money):
            raise MoneyError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"cannot mix {self.currency} and {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int | str) -> Money:
        if isinstance(factor, Money):
            raise MoneyError("cannot multiply money by money")
        return Money(self.amount * to_decimal(factor), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def rounded(self) -> Money:
        return Money(round_amount(self.amount), self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        return f"{self.rounded().amount} {self.currency}"


def allocate(
    total: Money | Decimal, weights: Sequence[Decimal | int | str], places: Decimal = AMOUNT_PLACES
) -> list:
    """Split `total` by `weights` so the parts sum exactly to the total.

    Largest-remainder method in units of `places` (cents by default): every part is the
    proportional share rounded toward zero, and the leftover units go one each to the
    parts with the largest remainders (ties to the earliest). All-zero weights split
    evenly. Returns Money parts for a Money total, Decimal parts for a Decimal total.
    """
    if not weights:
        raise MoneyError("allocate needs at least one weight")
    ws = [to_decimal(w) for w in weights]
    if any(w < 0 for w in ws):
        raise MoneyError("weights must not be negative")
    if all(w == 0 for w in ws):
        ws = [Decimal(1)] * len(ws)

    is_money = isinstance(total, Money)
    amount = total.amount if is_money else to_decimal(total)
    units_total = amount / places
    if units_total != units_total.to_integral_value():
        raise MoneyError(f"total {amount} has more precision than {places}")
    units = int(units_total)
    sign = -1 if units < 0 else 1
    units = abs(units)

    weight_sum = sum(ws)
    shares = []
    for w in ws:
        exact = Decimal(units) * w / weight_sum
        floor = int(exact)  # toward zero; exact >= 0 here
        shares.append((floor, exact - floor))
    leftover = units - sum(f for f, _ in shares)
    order = sorted(range(len(ws)), key=lambda i: (-shares[i][1], i))
    parts_units = [f for f, _ in shares]
    for i in order[:leftover]:
        parts_units[i] += 1

    parts = [(sign * u) * places for u in parts_units]
    if is_money:
        return [Money(p, total.currency) for p in parts]
    return parts
