"""Integer cents with a currency, and the platform fee split: the one place fees are rounded."""

from dataclasses import dataclass

from .errors import InvalidAmount

BPS_DENOMINATOR = 10_000


@dataclass(frozen=True)
class Money:
    """An amount in integer cents of one currency; adding two currencies is refused."""

    cents: int
    currency: str

    def __post_init__(self):
        if not isinstance(self.cents, int) or isinstance(self.cents, bool):
            raise InvalidAmount("Money is a whole number of cents.")
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise InvalidAmount("A currency is a three-letter ISO code.")
        object.__setattr__(self, "currency", self.currency.upper())

    def __add__(self, other: "Money") -> "Money":
        self._same_currency(other)
        return Money(self.cents + other.cents, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same_currency(other)
        return Money(self.cents - other.cents, self.currency)

    def _same_currency(self, other: "Money") -> None:
        if self.currency != other.currency:
            raise InvalidAmount(f"Cannot combine {self.currency} and {other.currency}.")


def currency_normalize(currency: str) -> str:
    """Return the upper-case ISO code, or refuse anything that is not three letters."""
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise InvalidAmount("A currency is a three-letter ISO code such as USD.")
    return currency.upper()


def fee_split(*, amount_cents: int, fee_bps: int) -> tuple[int, int]:
    """Split a released amount into (seller_cents, fee_cents).

    Rounding rule: the fee is amount × bps / 10 000 rounded half up to a whole cent, computed
    in integers (never floats); the seller gets the rest. So seller + fee == amount always, and
    with 0 ≤ bps ≤ 10 000 neither part is negative.
    """
    if amount_cents < 0:
        raise InvalidAmount("Cannot split a negative amount.")
    if not 0 <= fee_bps <= BPS_DENOMINATOR:
        raise InvalidAmount("The fee rate must be between 0 and 10 000 basis points.")
    fee_cents = (amount_cents * fee_bps + BPS_DENOMINATOR // 2) // BPS_DENOMINATOR
    return amount_cents - fee_cents, fee_cents


def hub_commission_cents(*, amount_cents: int, commission_bps: int) -> int:
    """A hub's commission on a managed shop's sale: amount × bps / 10 000 rounded half up, once.

    `amount_cents` is what the buyer paid for the order and is released (the shop's price);
    the commission comes out of the seller's share, never out of the platform fee, and is never
    more than that share (the caller caps it).
    """
    if amount_cents < 0:
        raise InvalidAmount("Cannot take a commission of a negative amount.")
    if not 0 <= commission_bps <= BPS_DENOMINATOR:
        raise InvalidAmount("The commission rate must be between 0 and 10 000 basis points.")
    return (amount_cents * commission_bps + BPS_DENOMINATOR // 2) // BPS_DENOMINATOR
