"""Stripe helpers for tests: paid intents on the real localstripe, signed webhook bodies,
small local HTTP servers that stand in for a Stripe that fails, or proxy localstripe.
(The fixtures failing_stripe, hanging_port and outcomes are in tests/conftest.py.)"""

import hashlib
import hmac
import http.server
import itertools
import json
import threading
import time
import urllib.error
import urllib.request

from payments.models import PayoutAccount
from payments.services import (
    escrow_hold,
    escrow_release,
    payment_intent_confirm,
    payment_intent_create,
)
from tests.factories import ShopFactory

_counter = itertools.count(1)


def next_number() -> int:
    return int(time.time() * 1000) % 10_000_000 * 100 + next(_counter)


def connect_shop(stripe_account_id: str, **shop_fields):
    """A shop whose Stripe Connect payout account is set up and enabled for payouts."""
    shop = ShopFactory(**shop_fields)
    PayoutAccount.objects.create(
        shop=shop, stripe_account_id=stripe_account_id, status=PayoutAccount.Status.ENABLED,
        charges_enabled=True, payouts_enabled=True, details_submitted=True,
    )
    return shop


def paid_intent(*, amount_cents: int, currency: str = "USD", card: str = "pm_card_visa"):
    """Create and confirm a PaymentIntent on localstripe; return our record."""
    number = next_number()
    reference = f"paytest:{number}"
    record = payment_intent_create(
        reference=reference, amount_cents=amount_cents, currency=currency,
        idempotency_key=f"test-{number}",
    )
    payment_intent_confirm(reference=reference, payment_method=card)
    record.refresh_from_db()
    return record


def held_escrow(*, amount_cents: int, shop=None):
    """A paid intent and one escrow holding all of it; returns (reference, shop, intent)."""
    shop = shop or ShopFactory()
    intent = paid_intent(amount_cents=amount_cents)
    reference = f"order:{next_number()}"
    escrow_hold(reference=reference, shop=shop, amount_cents=amount_cents, currency="USD",
                payment_intent_id=intent.stripe_id)
    return reference, shop, intent


def released(amount_cents: int, shop=None):
    """A held escrow of `amount_cents` released to the shop (paid on localstripe); the shop."""
    reference, shop, _ = held_escrow(amount_cents=amount_cents, shop=shop)
    escrow_release(reference=reference)
    return shop


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def event_body(event_type: str, data_object: dict, event_id: str | None = None) -> bytes:
    return json.dumps({
        "id": event_id or f"evt_test_{next_number()}", "object": "event", "type": event_type,
        "created": int(time.time()), "livemode": False, "api_version": "2020-08-27",
        "data": {"object": data_object},
    }).encode()


class _Server:
    def __init__(self, server, thread):
        self.server, self.thread = server, thread
        self.port = server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.requests: list[dict] = []

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(handler_factory) -> _Server:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_factory)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return _Server(server, thread)


def stripe_proxy(upstream: str, intercept) -> _Server:
    """A local proxy in front of localstripe that passes every request through unchanged,
    except those `intercept(command, path, headers)` answers itself with `(status, body_dict)`."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def _forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            own = intercept(self.command, self.path, self.headers)
            if own is not None:
                return self._answer(own[0], json.dumps(own[1]).encode())
            headers = {name: value for name, value in self.headers.items()
                       if name.lower() not in {"host", "content-length", "connection"}}
            request = urllib.request.Request(  # noqa: S310 - loopback only
                upstream + self.path, data=body, headers=headers, method=self.command
            )
            try:
                with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310
                    self._answer(answer.status, answer.read())
            except urllib.error.HTTPError as error:
                self._answer(error.code, error.read())

        def _answer(self, status, data):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _forward  # noqa: N815

        def log_message(self, *args):
            pass

    return serve(Handler)
