"""Development only: turn a test card typed into localstripe's stand-in card form into a
PaymentMethod. Real Stripe.js makes PaymentMethods in the browser, so card numbers never reach
our server; localstripe's stand-in cannot, so in development (STRIPE_API_BASE set) they do.
"""

import uuid

from django.conf import settings

from ..errors import InvalidAmount, PaymentsError
from ..gateway import GatewayRefused, stripe_write


def payment_method_create_test_card(
    *, number: str, exp_month: str, exp_year: str, cvc: str
) -> str:
    """Create a card PaymentMethod on localstripe and return its id; refused on real Stripe."""
    if not settings.STRIPE_API_BASE:
        raise PaymentsError("Card numbers are only accepted by the development payment server.")
    number = "".join(ch for ch in str(number) if ch.isdigit())
    month, year, cvc = str(exp_month).strip(), str(exp_year).strip(), str(cvc).strip()
    if len(number) != 16 or not (month.isdigit() and year.isdigit() and cvc.isdigit()):
        raise InvalidAmount("Enter a 16-digit test card number, expiry month and year, and CVC.")
    try:
        method = stripe_write(
            operation="payment_method.create",
            idempotency_key=f"test-card:{uuid.uuid4().hex}",
            reference="",
            send=lambda client, options: client.v1.payment_methods.create(
                params={
                    "type": "card",
                    "card": {"number": number, "exp_month": int(month), "exp_year": int(year),
                             "cvc": cvc},
                },
                options=options,
            ),
        )
    except GatewayRefused as refused:
        raise InvalidAmount(f"The test card was refused: {refused}") from None
    return method.id
