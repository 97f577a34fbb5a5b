"""A Stripe that refuses one object: a local proxy in front of localstripe that answers 404
for requests naming one chosen id and passes every other request through unchanged."""

import pytest

from tests.stripe_support import stripe_proxy


@pytest.fixture
def refusing_stripe(localstripe_base, settings):
    """Point the gateway at the proxy; `proxy.refuse.add(id)` makes Stripe refuse that id."""
    refuse: set[str] = set()
    refused: list[str] = []

    def intercept(command, path, headers):
        if not any(stripe_id in path for stripe_id in refuse):
            return None
        refused.append(f"{command} {path}")
        return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                               "message": "No such payment_intent"}}

    server = stripe_proxy(localstripe_base, intercept)
    server.refuse, server.refused = refuse, refused
    settings.STRIPE_API_BASE = server.base
    yield server
    server.stop()
