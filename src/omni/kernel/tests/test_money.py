from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omni.kernel.money import Money, MoneyError, allocate, round_amount, round_price


def test_money_refuses_floats():
    with pytest.raises(MoneyError):
        Money(0.1)
    with pytest.raises(MoneyError):
        Money(Decimal("1")) * 1.5


def test_money_refuses_mixed_currencies():
    with pytest.raises(MoneyError):
        Money("1.00") + Money("1.00", "USD")
    with pytest.raises(MoneyError):
        _ = Money("1.00") < Money("2.00", "USD")


def test_money_arithmetic_is_exact():
    assert Money("0.10") + Money("0.20") == Money("0.30")
    assert Money("10.00") - Money("2.50") == Money("7.50")
    assert Money("3.00") * 3 == Money("9.00")
    assert 2 * Money("1.25") == Money("2.50")
    assert -Money("1.00") == Money("-1.00")
    assert Money.zero().is_zero()


def test_money_rejects_garbage():
    for bad in ["abc", "NaN", "Infinity", True, None, [1]]:
        with pytest.raises(MoneyError):
            Money(bad)
    with pytest.raises(MoneyError):
        Money("1", "RMB1")
    with pytest.raises(MoneyError):
        Money("1") * Money("2")


def test_rounding_is_half_up_at_named_points():
    assert round_amount(Decimal("2.345")) == Decimal("2.35")
    assert round_amount(Decimal("2.344")) == Decimal("2.34")
    assert round_amount(Decimal("-2.345")) == Decimal("-2.35")
    assert round_price(Decimal("1.23455")) == Decimal("1.2346")
    assert str(Money("12.345").rounded()) == "12.35 CNY"


def test_allocate_examples():
    assert allocate(Decimal("100.00"), [1, 1, 1]) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    assert allocate(Money("0.05"), [1, 1]) == [Money("0.03"), Money("0.02")]
    assert allocate(Decimal("-10.00"), [1, 2]) == [Decimal("-3.33"), Decimal("-6.67")]
    assert allocate(Decimal("9.00"), [0, 0, 0]) == [Decimal("3.00")] * 3
    assert allocate(Decimal("5.00"), [0, 1]) == [Decimal("0.00"), Decimal("5.00")]


def test_allocate_rejects_bad_input():
    with pytest.raises(MoneyError):
        allocate(Decimal("1.00"), [])
    with pytest.raises(MoneyError):
        allocate(Decimal("1.00"), [1, -1])
    with pytest.raises(MoneyError):
        allocate(Decimal("1.001"), [1, 1])


cents = st.integers(min_value=-(10**12), max_value=10**12).map(lambda c: Decimal(c) / 100)
weights = st.lists(
    st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=30,
)


@given(total=cents, ws=weights)
def test_allocate_parts_always_sum_to_total(total, ws):
    parts = allocate(total, ws)
    assert sum(parts) == total
    assert len(parts) == len(ws)
    assert all(p == p.quantize(Decimal("0.01")) for p in parts)


@given(total=cents, ws=weights)
def test_allocate_parts_are_within_one_cent_of_exact_share(total, ws):
    parts = allocate(total, ws)
    wsum = sum(ws) or len(ws)
    effective = ws if sum(ws) else [Decimal(1)] * len(ws)
    for part, w in zip(parts, effective, strict=True):
        exact = total * w / wsum
        assert abs(part - exact) < Decimal("0.01")
    # same sign as the total: no part goes the wrong way
    assert all((p >= 0) if total >= 0 else (p <= 0) for p in parts)
