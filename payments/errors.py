"""Domain errors of payments: each carries the HTTP status the API answers with."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import stripe


class PaymentsError(Exception):
    http_status = 400


class InvalidAmount(PaymentsError):
    http_status = 400


class EscrowNotFound(PaymentsError):
    http_status = 404


class EscrowConflict(PaymentsError):
    """The step is not allowed in the escrow's current state (released, refunded, too much)."""

    http_status = 409


class EscrowFrozen(EscrowConflict):
    """A chargeback is open on the payment: nothing is released or refunded until the bank
    decides (won: the escrow thaws and the settle job finishes the step; lost: the bank gave
    the money back)."""


class RefundRefused(EscrowConflict):
    """Stripe refused (or reported failed) a refund: recorded `failed`, the buyer told it is
    delayed, and staff can retry it (a new attempt key). Nothing moved."""


class PaymentConflict(PaymentsError):
    """The request contradicts what this idempotency key or reference already did."""

    http_status = 409


class PaymentDeclined(PaymentsError):
    """The card was declined; the buyer may try another."""

    http_status = 402


class PaymentProviderUnavailable(PaymentsError):
    """Stripe did not answer; the outcome is recorded as unknown and retried with the same key."""

    http_status = 503


class PayoutConflict(PaymentsError):
    http_status = 409


class RefundNotFound(PaymentsError):
    http_status = 404


class WebhookInvalid(PaymentsError):
    http_status = 400


class GatewayRefused(Exception):
    """Stripe answered with a definitive refusal (a 4xx such as a declined card)."""

    def __init__(self, error: "stripe.StripeError"):
        super().__init__(str(error.user_message or error))
        self.error = error
        self.http_status = error.http_status
        self.code = getattr(error, "code", None)


class UnbalancedEntry(Exception):
    """A programming error: an entry whose lines do not sum to zero per currency."""


class PayoutAccountError(PaymentsError):
    """Stripe refused a payout-account step (or the shop may not have one now): nothing stored."""

    http_status = 409
