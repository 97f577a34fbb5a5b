"""A managed shop's sale pays its hub a commission at release: a separate ledger line to
hub_commission:<hub>, out of the seller's share, never out of the platform fee, at the hub's
rate at release time, rounded once. Refunds before release take none."""

import pytest
from django.conf import settings

from payments.models import JournalEntry, JournalLine
from payments.selectors import shop_balance
from payments.services import escrow_refund, escrow_resolve_partial
from tests.builders import completed_order, hub, managed_shop, shipped_order
from tests.factories import ListingFactory, ShopFactory
from tests.hubs.money_support import account_sums, ledger_identity_holds, managed_world
from tests.stripe_support import held_escrow

pytestmark = pytest.mark.django_db


def release_lines(reference: str) -> dict[str, int]:
    entry = JournalEntry.objects.get(key=f"release:{reference}")
    return {line.account: line.amount_cents for line in entry.lines.all()}


def test_release_of_a_managed_shops_order_pays_the_hub_commission_from_the_sellers_share():
    assert settings.PLATFORM_FEE_BPS == 500
    # 750 + 500 shipping = 1 250 released: fee 62.5 → 63, commission 37.5 → 38 (half up).
    managed, _ = managed_world(commission_bps=300, price_cents=750)
    lines = release_lines(JournalEntry.objects.get(kind="release").reference)
    hub_account = f"hub_commission:{managed.hub_id}"
    assert lines[hub_account] == 38
    assert lines["platform_fees"] == 63
    assert lines[f"seller_payable:{managed.shop_id}"] == 1_250 - 63 - 38
    assert sum(lines.values()) == 0
    assert shop_balance(shop=managed.shop).available_cents == 1_149
    assert ledger_identity_holds()


def test_the_rate_is_the_hubs_at_release_time_and_an_unmanaged_shop_pays_none():
    place = hub(commission_bps=300)
    managed = managed_shop(place=place)
    order = shipped_order(listing=ListingFactory(shop=managed.shop, price_cents=9_500))
    place.commission_bps = 1000  # staff raised it before the buyer confirmed
    place.save(update_fields=["commission_bps"])
    from orders.services.lifecycle import order_confirm_receipt

    order_confirm_receipt(order_id=order.pk, buyer=order.buyer)
    assert release_lines(order.reference)[f"hub_commission:{place.pk}"] == 1_000  # 10 % of 10 000

    plain = completed_order(shop=ShopFactory())
    assert not any(account.startswith("hub_commission:")
                   for account in release_lines(plain.reference))
    assert ledger_identity_holds()


def test_a_shop_whose_agency_ended_pays_no_commission():
    from django.utils import timezone

    managed = managed_shop(place=hub(commission_bps=500))
    managed.ended_at, managed.end_reason = timezone.now(), "owner_revoked"
    managed.ended_by = managed.shop.owner
    managed.save()
    order = completed_order(listing=ListingFactory(shop=managed.shop))
    assert not any(a.startswith("hub_commission:") for a in release_lines(order.reference))


def test_a_hub_at_zero_percent_posts_no_commission_line():
    managed = managed_shop(place=hub(commission_bps=0))
    order = completed_order(listing=ListingFactory(shop=managed.shop))
    assert not any(a.startswith("hub_commission:") for a in release_lines(order.reference))


@pytest.mark.usefixtures("localstripe")
def test_a_partial_dispute_outcome_pays_commission_on_the_released_part_only():
    managed = managed_shop(place=hub(commission_bps=300))
    reference, shop, _ = held_escrow(amount_cents=10_000, shop=managed.shop)
    escrow_resolve_partial(reference=reference, refund_cents=4_000)
    lines = release_lines(reference)
    assert lines[f"hub_commission:{managed.hub_id}"] == 180  # 3 % of the 6 000 released
    assert lines["platform_fees"] == 300
    assert lines[f"seller_payable:{shop.pk}"] == 6_000 - 300 - 180
    assert ledger_identity_holds()


@pytest.mark.usefixtures("localstripe")
def test_a_refund_before_release_takes_no_commission():
    managed = managed_shop(place=hub(commission_bps=300))
    reference, _, _ = held_escrow(amount_cents=5_000, shop=managed.shop)
    escrow_refund(reference=reference)
    assert not JournalLine.objects.filter(account__startswith="hub_commission:").exists()
    assert account_sums()["refunded"] == 5_000
    assert ledger_identity_holds()


@pytest.mark.usefixtures("localstripe")
def test_a_chargeback_lost_after_release_takes_the_commission_back_too(api_client, buyer,
                                                                       settings):
    from django.test import Client

    from tests.checkout_http import paid_orders
    from tests.stripe_support import event_body, sign

    managed = managed_shop(place=hub(commission_bps=1000))
    listing = ListingFactory(shop=managed.shop, price_cents=1_500, shipping_cents=500)
    (order,) = paid_orders(api_client, [listing])
    from orders.services.lifecycle import order_confirm_receipt, order_ship

    order_ship(order_id=order.pk, seller=managed.shop.owner, carrier="USPS",
               tracking_number="9400 1")
    order_confirm_receipt(order_id=order.pk, buyer=order.buyer)
    hub_account = f"hub_commission:{managed.hub_id}"
    assert account_sums()[hub_account] == 200  # 10 % of 2 000

    from orders.models import Checkout

    intent = Checkout.objects.get(pk=order.checkout_id).payment_intent_id
    opened = {"id": "dp_hub_commission", "object": "dispute", "amount": 2_000,
              "currency": "usd", "payment_intent": intent, "reason": "fraudulent",
              "status": "needs_response"}
    for kind, data in [("charge.dispute.created", opened),
                       ("charge.dispute.closed", {**opened, "status": "lost"})]:
        body = event_body(kind, data)
        answer = Client().post("/api/v1/payments/stripe/webhook", data=body,
                               content_type="application/json",
                               HTTP_STRIPE_SIGNATURE=sign(body, settings.STRIPE_WEBHOOK_SECRET))
        assert answer.status_code == 200
    sums = account_sums()
    assert sums["chargebacks"] == 2_000
    assert sums[hub_account] == 0 and sums["platform_fees"] == 0
    assert sums[f"seller_payable:{managed.shop_id}"] == 0
    assert ledger_identity_holds()


def test_the_owner_is_told_what_the_release_left_them_after_the_commission():
    from notifications.models import Notification
    from payments.services import escrow_summary

    managed, _ = managed_world(commission_bps=300)  # 1 700 released: fee 85, commission 51
    told = Notification.objects.get(kind="escrow_released", recipient=managed.shop.owner)
    assert told.context["amount_cents"] == 1_564
    reference = JournalEntry.objects.get(kind="release").reference
    summary = escrow_summary(reference=reference)
    assert (summary.hub_commission_cents, summary.seller_cents) == (51, 1_564)
