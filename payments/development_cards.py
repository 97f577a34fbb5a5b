"""DEVELOPMENT ONLY: turn a test card typed into localstripe's stand-in card form into a
PaymentMethod on localstripe.

Real Stripe.js makes PaymentMethods in the browser, so card numbers never reach our server;
localstripe's stand-in Stripe.js cannot, so in development they do. Only the pay page imports
this module, and only when settings.DEVELOPMENT_CARD_FORM (DEBUG, never settable on its own)
and STRIPE_API_BASE are both set: a production process (DEBUG=0) never loads it
(tests/payments/test_development_cards.py checks that).
"""

import uuid

from django.conf import settings

from .errors import GatewayRefused, InvalidAmount, PaymentsError
from .gateway import stripe_write


def development_card_payment_method_create(
    *, number: str, exp_month: str, exp_year: str, cvc: str
) -> str:
    """Create a card PaymentMethod on localstripe and return its id; refused on real Stripe."""
    if not (settings.DEVELOPMENT_CARD_FORM and settings.STRIPE_API_BASE):
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
