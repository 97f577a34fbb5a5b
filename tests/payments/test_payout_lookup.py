"""Payouts that cannot pay twice. localstripe has no Connect, so Stripe's transfers are a small
local HTTP fake: it keeps idempotency keys like Stripe (and can forget them, as Stripe does
after about a day), lists transfers by transfer_group, and can lose its answer: the transfer is
made, but the connection closes before the client hears back."""

import http.server
import json
import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from payments.ledger import account_balance, seller_paid_out_account, seller_payable_account
from payments.models import GatewayCall, Payout, ReconciliationIssue
from payments.services import escrow_release, payouts_run, reconciliation_run
from tests.stripe_support import connect_shop, held_escrow, serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def transfers():
    """Stripe's /v1/transfers: POST (keyed), GET list by transfer_group;
    mode ok | lose | busy (409 on the key) | refuse_list (the look-up is refused)."""
    state = {"mode": "ok", "made": [], "keys": {}, "posts": 0, "lists": 0}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            key = self.headers.get("Idempotency-Key")
            with lock:
                state["posts"] += 1
                transfer = state["keys"].get(key)
                if transfer is None:
                    transfer = {
                        "id": f"tr_fake_{len(state['made']) + 1}", "object": "transfer",
                        "amount": int(form["amount"]), "currency": form["currency"],
                        "destination": form["destination"],
                        "transfer_group": form.get("transfer_group"),
                        "metadata": {k[9:-1]: v for k, v in form.items()
                                     if k.startswith("metadata[")},
                    }
                    state["made"].append(transfer)
                    state["keys"][key] = transfer
            if state["mode"] == "lose":
                self.close_connection = True  # made, but the answer never arrives
                return
            if state["mode"] == "busy":  # made; the same key answered "still in flight"
                return self._answer(409, {"error": {
                    "type": "idempotency_error",
                    "message": "There is currently another in-progress request using this "
                               "Stripe-Idempotency-Key."}})
            self._answer(200, transfer)

        def do_GET(self):  # noqa: N802
            if state["mode"] == "refuse_list":  # e.g. a restricted key without transfer reads
                return self._answer(403, {"error": {
                    "type": "invalid_request_error",
                    "message": "This key does not have the permission to list transfers."}})
            url = urlparse(self.path)
            group = parse_qs(url.query).get("transfer_group", [None])[0]
            with lock:
                state["lists"] += 1
                data = [t for t in state["made"] if group is None or t["transfer_group"] == group]
            self._answer(200, {"object": "list", "data": data, "has_more": False,
                               "url": "/v1/transfers"})

        def _answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = serve(Handler)
    state["base"] = server.base
    yield state
    server.stop()


def connect_shop_with_balance(cents):
    shop = connect_shop("acct_fake_1")
    reference, shop, _ = held_escrow(amount_cents=cents, shop=shop)
    escrow_release(reference=reference)
    return shop


def test_a_payout_whose_answer_was_lost_is_found_at_stripe_and_paid_once(
    localstripe, transfers, settings
):
    shop = connect_shop_with_balance(5_000)  # 4 750 after the fee
    settings.STRIPE_API_BASE = transfers["base"]
    transfers["mode"] = "lose"

    first = payouts_run()
    payout = Payout.objects.get()
    assert (first.created, first.paid, first.unknown) == (1, 0, 1)
    assert payout.status == "unknown"
    assert len(transfers["made"]) == 1  # Stripe made it; we never heard

    # Reconciliation flags the unanswered transfer.create for staff.
    GatewayCall.objects.filter(operation="transfer.create").update(
        created=timezone.now() - timedelta(minutes=10))
    settings.STRIPE_API_BASE = localstripe
    reconciliation_run(days=0)
    issue = ReconciliationIssue.objects.get(kind="unknown_outcome")
    assert issue.subject == f"payout:{payout.pk}"

    # The next day Stripe has forgotten the key: a plain resend would pay again.
    settings.STRIPE_API_BASE = transfers["base"]
    transfers["mode"] = "ok"
    transfers["keys"].clear()
    posts_before = transfers["posts"]
    second = payouts_run()

    payout.refresh_from_db()
    assert (second.paid, payout.status, payout.provider_ref) == (1, "paid", "tr_fake_1")
    assert transfers["posts"] == posts_before  # found by the look-up, not sent again
    assert transfers["lists"] >= 1
    assert len(transfers["made"]) == 1
    assert account_balance(account=seller_paid_out_account(shop.pk), currency="USD") == 4_750
    assert account_balance(account=seller_payable_account(shop.pk), currency="USD") == 0
    assert GatewayCall.objects.get(operation="transfer.create").status == "succeeded"
    assert payouts_run().paid == 0  # and never again


def test_a_payout_that_never_reached_stripe_is_looked_up_then_sent_once(
    localstripe, transfers, settings
):
    shop = connect_shop_with_balance(3_000)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: no answer at all
    assert payouts_run().unknown == 1
    assert transfers["made"] == []

    settings.STRIPE_API_BASE = transfers["base"]
    assert payouts_run().paid == 1
    assert transfers["lists"] == 1 and transfers["posts"] == 1
    [made] = transfers["made"]
    payout = Payout.objects.get()
    assert (made["transfer_group"], made["metadata"]["payout_id"]) == (
        f"payout:{payout.pk}", str(payout.pk))
    assert account_balance(account=seller_paid_out_account(shop.pk), currency="USD") == 2_850


@pytest.mark.parametrize("first_answer", ["lose", "busy"])
def test_a_payout_that_cannot_be_looked_up_stays_unknown_and_is_never_paid_again(
    localstripe, transfers, settings, first_answer
):
    shop = connect_shop_with_balance(5_000)  # 4 750 after the fee
    settings.STRIPE_API_BASE = transfers["base"]
    transfers["mode"] = first_answer  # made at Stripe, but no definite answer reaches us

    assert payouts_run().unknown == 1
    payout = Payout.objects.get()
    assert payout.status == "unknown"

    transfers["mode"] = "refuse_list"
    transfers["keys"].clear()  # a day later: Stripe forgot the key
    for _ in range(2):
        assert payouts_run().created == 0

    payout.refresh_from_db()
    assert payout.status == "unknown" and "look up" in payout.error
    assert Payout.objects.count() == 1
    assert len(transfers["made"]) == 1  # never sent again
    assert account_balance(account=seller_payable_account(shop.pk), currency="USD") == 0

    transfers["mode"] = "ok"  # the look-up works again: found, paid once
    assert payouts_run().paid == 1
    payout.refresh_from_db()
    assert (payout.status, payout.provider_ref) == ("paid", "tr_fake_1")
    assert len(transfers["made"]) == 1
