"""A Stripe that refuses one object: a local proxy in front of localstripe that answers 404
for requests naming one chosen id and passes every other request through unchanged."""

import http.server
import json
import urllib.error
import urllib.request

import pytest

from tests.orders.conftest import buyer, two_shops  # noqa: F401 - fixtures, re-exported
from tests.payments.conftest import failing_stripe, outcomes, serve  # noqa: F401


@pytest.fixture
def refusing_stripe(localstripe_base, settings):
    """Point the gateway at the proxy; `proxy.refuse.add(id)` makes Stripe refuse that id."""
    refuse: set[str] = set()
    refused: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if any(stripe_id in self.path for stripe_id in refuse):
                refused.append(f"{self.command} {self.path}")
                self._answer(404, json.dumps({"error": {
                    "type": "invalid_request_error", "code": "resource_missing",
                    "message": "No such payment_intent",
                }}).encode())
                return
            headers = {name: value for name, value in self.headers.items()
                       if name.lower() not in {"host", "content-length", "connection"}}
            request = urllib.request.Request(  # noqa: S310 - loopback only
                localstripe_base + self.path, data=body, headers=headers, method=self.command
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

    server = serve(Handler)
    server.refuse, server.refused = refuse, refused
    settings.STRIPE_API_BASE = server.base
    yield server
    server.stop()
