import threading
import time

import pytest
import requests
from django.db import connection
from django.test import Client

from payments.gateway import stripe_client
from payments.models import ReconciliationIssue, Refund, WebhookEvent
from payments.selectors import escrow_summary
from payments.services import payment_intent_create
from tests.stripe_support import event_body, held_escrow, next_number, sign

URL = "/api/v1/payments/stripe/webhook"


def intent_paid_at_stripe(amount_cents=1_800, *, stripe_amount=None):
    """Our intent, confirmed directly at Stripe (as Stripe.js would): we have not seen it yet."""
    number = next_number()
    record = payment_intent_create(reference=f"paytest:{number}", amount_cents=amount_cents,
                                   currency="USD", idempotency_key=f"wh-{number}")
    client = stripe_client()
    params = {"payment_method": "pm_card_visa"}
    if stripe_amount is not None:
        params["amount"] = stripe_amount
    client.v1.payment_intents.update(record.stripe_id, params=params)
    client.v1.payment_intents.confirm(record.stripe_id)
    return record


def deliver(client, body, secret, **headers):
    signature = headers.pop("signature", None) or sign(body, secret)
    return client.post(URL, data=body, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=signature)


@pytest.mark.django_db
def test_the_same_event_twice_has_one_effect(client, settings, localstripe, outcomes):
    record = intent_paid_at_stripe()
    body = event_body("payment_intent.succeeded", {"id": record.stripe_id,
                                                   "object": "payment_intent"})
    first = deliver(client, body, settings.STRIPE_WEBHOOK_SECRET)
    second = deliver(client, body, settings.STRIPE_WEBHOOK_SECRET)

    assert (first.status_code, first.json()["result"]) == (200, "processed")
    assert (second.status_code, second.json()["result"]) == (200, "duplicate")
    record.refresh_from_db()
    assert record.status == "succeeded"
    assert [(o.reference, o.status, o.amount_cents) for o in outcomes] == [
        (record.reference, "succeeded", 1_800)]
    assert WebhookEvent.objects.get().status == "processed"


@pytest.mark.django_db(transaction=True)
def test_five_concurrent_deliveries_have_one_effect_and_all_answer_200(settings, localstripe,
                                                                     outcomes):
    record = intent_paid_at_stripe()
    body = event_body("payment_intent.succeeded", {"id": record.stripe_id})
    signature = sign(body, settings.STRIPE_WEBHOOK_SECRET)
    barrier = threading.Barrier(5)
    codes = []

    def post():
        try:
            barrier.wait()
            response = Client().post(URL, data=body, content_type="application/json",
                                     HTTP_STRIPE_SIGNATURE=signature)
            codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert codes == [200] * 5
    assert len(outcomes) == 1
    assert WebhookEvent.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["forged", "missing", "stale", "modified", "not_json"])
def test_bad_signatures_are_refused_with_no_effect(client, settings, localstripe, outcomes,
                                                   case):
    record = intent_paid_at_stripe()
    secret = settings.STRIPE_WEBHOOK_SECRET
    body = event_body("payment_intent.succeeded", {"id": record.stripe_id})
    headers = {}
    if case == "forged":
        headers["HTTP_STRIPE_SIGNATURE"] = sign(body, "whsec_someone_else")
    elif case == "stale":
        headers["HTTP_STRIPE_SIGNATURE"] = sign(body, secret, int(time.time()) - 301)
    elif case == "modified":
        headers["HTTP_STRIPE_SIGNATURE"] = sign(body, secret)
        body = body.replace(b'"payment_intent.succeeded"', b'"payment_intent.payment_failed"')
    elif case == "not_json":
        body = b"not json at all"
        headers["HTTP_STRIPE_SIGNATURE"] = sign(body, secret)

    response = client.post(URL, data=body, content_type="application/json", **headers)

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    record.refresh_from_db()
    assert record.status == "requires_payment_method" and outcomes == []


@pytest.mark.django_db
def test_webhook_refuses_get_and_needs_no_csrf_token(settings, localstripe):
    strict = Client(enforce_csrf_checks=True)
    assert strict.get(URL).status_code == 405
    record = intent_paid_at_stripe()
    body = event_body("payment_intent.succeeded", {"id": record.stripe_id})
    assert deliver(strict, body, settings.STRIPE_WEBHOOK_SECRET).status_code == 200


@pytest.mark.django_db
def test_a_late_failure_event_never_downgrades_a_paid_intent(client, settings, localstripe,
                                                             outcomes):
    record = intent_paid_at_stripe()
    secret = settings.STRIPE_WEBHOOK_SECRET
    deliver(client, event_body("payment_intent.succeeded", {"id": record.stripe_id}), secret)
    late = deliver(client, event_body("payment_intent.payment_failed",
                                      {"id": record.stripe_id}), secret)
    assert late.status_code == 200
    record.refresh_from_db()
    assert record.status == "succeeded"
    assert {o.status for o in outcomes} == {"succeeded"}


@pytest.mark.django_db
def test_an_amount_that_differs_from_what_we_asked_is_flagged_not_applied(
    client, settings, localstripe, outcomes
):
    record = intent_paid_at_stripe(1_800, stripe_amount=180)
    response = deliver(client, event_body("payment_intent.succeeded", {"id": record.stripe_id}),
                       settings.STRIPE_WEBHOOK_SECRET)
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.status == "requires_payment_method" and outcomes == []
    issue = ReconciliationIssue.objects.get()
    assert (issue.kind, issue.subject) == ("amount_mismatch", record.stripe_id)
    assert "asked 1800 USD, Stripe has 180 USD" in issue.detail


@pytest.mark.django_db
def test_an_event_about_an_intent_we_never_made_is_flagged(client, settings, localstripe):
    response = deliver(client, event_body("payment_intent.succeeded", {"id": "pi_not_ours"}),
                       settings.STRIPE_WEBHOOK_SECRET)
    assert response.status_code == 200
    assert ReconciliationIssue.objects.get().kind == "unknown_object"


@pytest.mark.django_db
def test_dispute_created_is_flagged_and_handed_to_the_caller(client, settings, localstripe,
                                                             outcomes):
    reference, _, intent = held_escrow(amount_cents=2_200)
    outcomes.clear()
    body = event_body("charge.dispute.created", {
        "id": "dp_test_1", "object": "dispute", "amount": 2_200, "currency": "usd",
        "payment_intent": intent.stripe_id, "reason": "fraudulent",
    })
    assert deliver(client, body, settings.STRIPE_WEBHOOK_SECRET).status_code == 200
    assert ReconciliationIssue.objects.get().kind == "dispute"
    assert [(o.reference, o.status, o.amount_cents, o.message) for o in outcomes] == [
        (intent.reference, "disputed", 2_200, "fraudulent")]


@pytest.mark.django_db
def test_a_refund_made_outside_the_platform_is_applied_once(client, settings, localstripe,
                                                            outcomes):
    reference, _, intent = held_escrow(amount_cents=2_000)
    made = stripe_client().v1.refunds.create(params={"payment_intent": intent.stripe_id,
                                                     "amount": 500})
    for _ in range(2):  # two deliveries (two event ids) of the same refund
        body = event_body("charge.refunded", {"id": intent.charge_id, "object": "charge",
                                              "payment_intent": intent.stripe_id,
                                              "amount_refunded": 500})
        assert deliver(client, body, settings.STRIPE_WEBHOOK_SECRET).status_code == 200
    summary = escrow_summary(reference=reference)
    assert (summary.status, summary.refunded_cents, summary.remaining_cents) == (
        "held", 500, 1_500)
    [refund] = Refund.objects.filter(escrow__reference=reference)
    assert (refund.status, refund.stripe_id, refund.amount_cents) == ("succeeded", made.id, 500)
    assert not ReconciliationIssue.objects.exists()
    assert [(o.status, o.escrow_references, o.amount_cents) for o in outcomes
            if o.status != "succeeded"] == [("refunded", (reference,), 500)]


@pytest.mark.django_db(transaction=True)
def test_localstripe_delivers_a_signed_event_that_is_applied(live_server, settings, localstripe,
                                                             outcomes):
    secret = settings.STRIPE_WEBHOOK_SECRET
    hook = f"{localstripe}/_config/webhooks/payments_tests"
    requests.post(hook, data={"url": f"{live_server.url}{URL}", "secret": secret},
                  timeout=5).raise_for_status()
    try:
        record = intent_paid_at_stripe()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not outcomes:
            time.sleep(0.2)
    finally:  # later events of this run must not chase a stopped server
        requests.post(hook, data={"url": "http://127.0.0.1:9/", "secret": secret}, timeout=5)
    record.refresh_from_db()
    assert record.status == "succeeded"
    assert outcomes[0].reference == record.reference
    assert WebhookEvent.objects.filter(type="payment_intent.succeeded",
                                       status="processed").exists()
