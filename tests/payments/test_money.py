import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.errors import InvalidAmount
from payments.money import Money, fee_split


@pytest.mark.parametrize(
    ("amount", "bps", "seller", "fee"),
    [
        (10_000, 500, 9_500, 500),
        (1_999, 500, 1_899, 100),  # 99.95 → 100: half up
        (1_990, 500, 1_890, 100),  # 99.5 → 100
        (1_989, 500, 1_890, 99),  # 99.45 → 99
        (1, 500, 1, 0),  # 0.05 → 0
        (10, 500, 9, 1),  # 0.5 → 1: half up
        (0, 500, 0, 0),
        (12_345, 0, 12_345, 0),
        (12_345, 10_000, 0, 12_345),
        (333, 3_333, 222, 111),  # 110.99 → 111
    ],
)
def test_fee_split_table_adds_up(amount, bps, seller, fee):
    assert fee_split(amount_cents=amount, fee_bps=bps) == (seller, fee)
    assert seller + fee == amount


@given(
    amount=st.integers(min_value=0, max_value=10**12),
    bps=st.integers(min_value=0, max_value=10_000),
)
def test_fee_split_always_adds_up_and_is_never_negative(amount, bps):
    seller, fee = fee_split(amount_cents=amount, fee_bps=bps)
    assert seller + fee == amount
    assert seller >= 0 and fee >= 0
    # half-up rounding: the fee is within half a cent of the exact rate
    assert abs(fee * 10_000 - amount * bps) <= 5_000


@pytest.mark.parametrize(("amount", "bps"), [(-1, 500), (100, -1), (100, 10_001)])
def test_fee_split_refuses_impossible_inputs(amount, bps):
    with pytest.raises(InvalidAmount):
        fee_split(amount_cents=amount, fee_bps=bps)


def test_money_refuses_to_mix_currencies_and_floats():
    assert Money(150, "usd") + Money(50, "USD") == Money(200, "USD")
    with pytest.raises(InvalidAmount):
        Money(1, "USD") + Money(1, "EUR")
    with pytest.raises(InvalidAmount):
        Money(1.5, "USD")
