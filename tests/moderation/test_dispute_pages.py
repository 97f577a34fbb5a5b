"""Staff decide a dispute on the page: a confirmation that says who gets how much, and a
written reason when they decide before the seller's answer."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from moderation.models import AuditLog, DisputeDecision
from orders.models import Order
from payments.selectors import escrow_summary
from tests import builders
from tests.checkout_http import paid_orders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import staff_login, staff_make
from tests.support import dispute_opened_hours_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(localstripe):
    shop = ShopFactory(name="Driftless Bee Farm")
    honey = ListingFactory(shop=shop, price_cents=1200, shipping_cents=650, stock=5)
    buyer_api = APIClient()
    buyer_api.force_authenticate(UserFactory(display_name="Dana Buyer"))
    (order,) = paid_orders(buyer_api, [honey], [2])  # 3050 held
    assert buyer_api.post(f"/api/v1/orders/{order.pk}/dispute",
                          {"reason": "damaged", "details": "Cracked."},
                          format="json").status_code == 200
    return order


@pytest.fixture
def desk():
    return staff_login(Client(), builders.moderator())


def _text(response) -> str:
    return " ".join(response.content.decode().split())


def test_an_early_decision_asks_why_then_confirms_who_gets_what(opened, desk):
    detail = _text(desk.get(f"/staff/disputes/{opened.pk}/"))
    assert "The seller has not answered yet" in detail
    assert 'name="override_reason"' in detail
    url = f"/staff/disputes/{opened.pk}/resolve/"

    refused = _text(desk.post(url, {"outcome": "refund"}, follow=True))
    assert "Could not resolve" in refused and "This field is required." in refused
    assert Order.objects.get(pk=opened.pk).status == "disputed"

    step = desk.post(url, {"outcome": "refund", "note": "Sorry.",
                           "override_reason": "The shop is closed."})
    text = _text(step)
    assert step.status_code == 200
    assert "Dana Buyer gets $30.50 back on their card." in text
    assert "Driftless Bee Farm receives nothing for this order." in text
    assert "Why now, before the seller's answer: The shop is closed." in text
    assert f'href="/staff/disputes/{opened.pk}/">Go back</a>' in text
    assert Order.objects.get(pk=opened.pk).status == "disputed"
    assert not DisputeDecision.objects.exists() and not AuditLog.objects.exists()

    done = desk.post(url, {"outcome": "refund", "note": "Sorry.", "confirmed": "yes",
                           "override_reason": "The shop is closed."}, follow=True)
    assert "Dispute resolved." in _text(done)
    assert Order.objects.get(pk=opened.pk).status == "refunded"
    assert escrow_summary(reference=opened.reference).refunded_cents == 3050
    assert AuditLog.objects.get().reason.endswith(
        "Decided before the seller's answer: The shop is closed.")


def test_after_48_hours_a_partial_refund_shows_both_shares(opened, desk):
    dispute_opened_hours_ago(opened, 49)
    assert 'name="override_reason"' not in _text(desk.get(f"/staff/disputes/{opened.pk}/"))
    url = f"/staff/disputes/{opened.pk}/resolve/"
    too_much = _text(desk.post(url, {"outcome": "partial_refund", "refund": "30.50"},
                               follow=True))
    assert "less than $30.50" in too_much
    text = _text(desk.post(url, {"outcome": "partial_refund", "refund": "10.00"}))
    assert "Dana Buyer gets $10.00 back on their card." in text
    # 2050 to the seller side, less the 5% fee rounded half up (103): 1947.
    assert "Driftless Bee Farm receives $19.47 (the other $20.50, less the $1.03" in text
    assert Order.objects.get(pk=opened.pk).status == "disputed"
    desk.post(url, {"outcome": "partial_refund", "refund": "10.00", "confirmed": "yes"})
    summary = escrow_summary(reference=opened.reference)
    assert (summary.refunded_cents, summary.released_cents) == (1000, 2050)


def test_release_step_names_the_sellers_share(opened, desk):
    dispute_opened_hours_ago(opened, 49)
    text = _text(desk.post(f"/staff/disputes/{opened.pk}/resolve/", {"outcome": "release"}))
    assert "Driftless Bee Farm receives $28.97 (the $30.50 held, less the $1.53" in text
    assert "Dana Buyer gets nothing back." in text
    assert Order.objects.get(pk=opened.pk).status == "disputed"


def test_staff_without_the_permission_cannot_decide(opened):
    plain = staff_login(Client(), staff_make(permissions=()))
    response = plain.post(f"/staff/disputes/{opened.pk}/resolve/",
                          {"outcome": "refund", "confirmed": "yes", "override_reason": "x"})
    assert response.status_code == 403
    assert Order.objects.get(pk=opened.pk).status == "disputed"
