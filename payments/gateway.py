"""The Stripe gateway: the official SDK, the same code path for Stripe and localstripe.

Every write is recorded as a GatewayCall with its idempotency key BEFORE it is sent, then sent
with bounded retries on network errors, 429 and 5xx, always with the same key. When no answer
comes the call is marked `unknown` and PaymentProviderUnavailable is raised: the caller records
its own state as unknown and a later retry (same key) or the reconciliation job settles it.
Never call these functions while holding a database row lock: a slow Stripe would hold the lock.

Settings are read at call time (tests point STRIPE_API_BASE at their own servers).
"""

import logging
import time
from collections.abc import Callable

import stripe
from django.conf import settings
from django.db.models import F

from .errors import GatewayRefused, PaymentProviderUnavailable
from .models import GatewayCall

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
BACKOFF_SECONDS = 0.25  # doubled per attempt, capped below
BACKOFF_CAP_SECONDS = 2.0


def stripe_client(*, connect: bool = False) -> stripe.StripeClient:
    """Build a client from the current settings; STRIPE_API_BASE set means localstripe.

    `connect`: a Stripe Connect call (accounts, account links, transfers), sent to
    STRIPE_CONNECT_API_BASE when it is set (localstripe has no Connect).
    """
    options = {
        "max_network_retries": 0,  # our own loop retries, and records each attempt
        "http_client": stripe.new_default_http_client(
            timeout=getattr(settings, "STRIPE_TIMEOUT_SECONDS", 20)
        ),
    }
    base = (connect and settings.STRIPE_CONNECT_API_BASE) or settings.STRIPE_API_BASE
    if base:
        options["base_addresses"] = {"api": base}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **options)


def _is_transient(error: stripe.StripeError) -> bool:
    """No definitive answer: a network error, 429, 5xx, or a 409 on the idempotency key (the
    same key still in flight at Stripe: the first try may yet succeed, so it is not a no)."""
    if isinstance(error, stripe.APIConnectionError | stripe.RateLimitError
                  | stripe.IdempotencyError):
        return True
    status = error.http_status
    if status == 409:
        return True
    return isinstance(error, stripe.APIError) and (status is None or status >= 500)


def _backoff(attempt: int) -> None:
    time.sleep(min(BACKOFF_SECONDS * 2 ** (attempt - 1), BACKOFF_CAP_SECONDS))


def stripe_read(send: Callable[[stripe.StripeClient], object], *, connect: bool = False):
    """Run a read with bounded retries; raise PaymentProviderUnavailable when Stripe is away."""
    client = stripe_client(connect=connect)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return send(client)
        except stripe.StripeError as error:
            if not _is_transient(error):
                raise GatewayRefused(error) from error
            logger.warning("Stripe read failed (attempt %s): %s", attempt, error)
            if attempt < MAX_ATTEMPTS:
                _backoff(attempt)
    raise PaymentProviderUnavailable(
        "The payment provider is not answering. Please try again in a minute."
    )


def stripe_write(
    *, operation: str, idempotency_key: str, reference: str,
    send: Callable[[stripe.StripeClient, dict], object], connect: bool = False,
):
    """Record the call, then send it with the same idempotency key on every attempt.

    Returns the Stripe object. Raises GatewayRefused on a definitive 4xx, and
    PaymentProviderUnavailable (call left `unknown`) when no answer came.
    """
    call, _ = GatewayCall.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={"operation": operation, "reference": reference},
    )
    client = stripe_client(connect=connect)
    last_error = ""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        GatewayCall.objects.filter(pk=call.pk).update(attempts=F("attempts") + 1)
        try:
            result = send(client, {"idempotency_key": idempotency_key})
        except stripe.StripeError as error:
            if not _is_transient(error):
                GatewayCall.objects.filter(pk=call.pk).update(
                    status=GatewayCall.Status.FAILED, error=str(error)[:2000]
                )
                raise GatewayRefused(error) from error
            last_error = f"{type(error).__name__}: {error}"
            logger.warning("Stripe %s failed (attempt %s): %s", operation, attempt, error)
            if attempt < MAX_ATTEMPTS:
                _backoff(attempt)
            continue
        GatewayCall.objects.filter(pk=call.pk).update(
            status=GatewayCall.Status.SUCCEEDED, stripe_object_id=getattr(result, "id", "") or "",
            error="",
        )
        return result
    GatewayCall.objects.filter(pk=call.pk).update(
        status=GatewayCall.Status.UNKNOWN, error=last_error[:2000]
    )
    raise PaymentProviderUnavailable(
        "The payment provider did not answer; nothing is assumed. Please try again in a minute."
    )


def as_dict(obj) -> dict:
    """A Stripe object as a plain (recursive) dict; SDK objects are not dicts since v15."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def charge_id_of(payment_intent: dict) -> str:
    """The PaymentIntent's latest charge id, whether Stripe sent an id or an expanded object."""
    charge = payment_intent.get("latest_charge")
    if not charge:
        return ""
    return charge if isinstance(charge, str) else charge.get("id", "")
