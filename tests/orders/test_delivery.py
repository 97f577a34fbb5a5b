"""Delivery marks, the transit allowance, the hand-over code lock and late extensions."""

import pytest
from django.test import Client
from django.utils import timezone

from notifications.models import Notification
from orders.models import Order, OrderEvent
from tests import builders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.test_settings import manage

pytestmark = pytest.mark.django_db
DAY = timezone.timedelta(days=1)


@pytest.fixture
def honey(settings):
    settings.ESCROW_TRANSIT_DAYS = 7
    settings.ESCROW_AUTO_CONFIRM_DAYS = 10
    return ListingFactory(shop=ShopFactory(name="Driftless Bee Farm"), price_cents=1200,
                          shipping_cents=650, stock=5, local_pickup=True)


def _as(client, user):
    client.force_authenticate(user)
    return client


def _shipped(api_client, buyer, listing) -> Order:
    order = builders.paid_order(buyer=buyer, listing=listing)
    response = _as(api_client, listing.shop.owner).post(
        f"/api/v1/orders/{order.pk}/ship", {"carrier": "USPS", "tracking_number": "9400"},
        format="json")
    assert response.status_code == 200
    assert response.json()["delivered_at"] is None
    _as(api_client, buyer)
    return Order.objects.get(pk=order.pk)


def _close(a, b) -> bool:
    return abs((a - b).total_seconds()) < 5


def test_without_a_mark_auto_confirm_waits_for_transit_then_the_window(api_client, buyer, honey):
    order = _shipped(api_client, buyer, honey)
    assert order.auto_confirm_at - order.shipped_at == 17 * DAY


def test_a_perishable_window_starts_when_the_seller_marks_it_delivered(api_client, buyer, honey):
    honey.category.auto_confirm_days = 3
    honey.category.save()
    order = _shipped(api_client, buyer, honey)
    assert order.auto_confirm_at - order.shipped_at == 10 * DAY  # 7 in transit, then 3

    marked = _as(api_client, honey.shop.owner).post(f"/api/v1/orders/{order.pk}/delivered")
    assert marked.status_code == 200, marked.json()
    order.refresh_from_db()
    assert marked.json()["delivered_at"] is not None
    assert _close(order.delivered_at, timezone.now())
    assert order.auto_confirm_at == order.delivered_at + 3 * DAY
    assert marked.json()["status"] == "shipped"
    assert marked.json()["timeline"][-1]["note"] == "Marked as delivered by the seller."
    told = Notification.objects.get(kind="order_marked_delivered", recipient=buyer)
    assert "before" in told.message and str(order.pk) in told.message  # the window ran on

    # The buyer marks it too: the first answer, and no second timeline row.
    again = _as(api_client, buyer).post(f"/api/v1/orders/{order.pk}/delivered")
    assert again.status_code == 200
    assert again.json()["delivered_at"] == marked.json()["delivered_at"]
    assert again.json()["auto_confirm_at"] == marked.json()["auto_confirm_at"]
    marks = OrderEvent.objects.filter(order=order, note__startswith="Marked as delivered")
    assert marks.count() == 1
    assert Notification.objects.filter(kind="order_marked_delivered").count() == 1


def test_a_buyer_who_extended_keeps_the_extra_days_after_delivery(api_client, buyer, honey):
    order = _shipped(api_client, buyer, honey)
    assert api_client.post(f"/api/v1/orders/{order.pk}/extend-confirmation").status_code == 200
    marked = api_client.post(f"/api/v1/orders/{order.pk}/delivered")
    assert marked.status_code == 200
    order.refresh_from_db()
    assert order.auto_confirm_at == order.delivered_at + 15 * DAY
    assert order.auto_confirm_extended


def test_delivered_refuses_unshipped_pickup_and_strangers(api_client, buyer, honey):
    paid = builders.paid_order(buyer=buyer, listing=honey)
    refused = api_client.post(f"/api/v1/orders/{paid.pk}/delivered")
    assert refused.status_code == 409
    assert "cannot become delivered" in refused.json()["detail"]
    stranger = _as(api_client, UserFactory())
    assert stranger.post(f"/api/v1/orders/{paid.pk}/delivered").status_code == 404
    assert stranger.post("/api/v1/orders/999999/delivered").status_code == 404
    api_client.force_authenticate(None)
    assert api_client.post(f"/api/v1/orders/{paid.pk}/delivered").status_code in (401, 403)
    assert Order.objects.get(pk=paid.pk).delivered_at is None
    assert not OrderEvent.objects.filter(note__startswith="Marked as delivered").exists()


def test_order_pages_have_delivery_buttons(api_client, buyer, honey):
    order = _shipped(api_client, buyer, honey)
    seller = Client()
    seller.force_login(honey.shop.owner)
    page = seller.get(f"/sell/orders/{order.pk}/").content.decode()
    assert f'action="/sell/orders/{order.pk}/delivered/"' in page
    assert "after 7 days in transit" in page
    buyer_page = Client()
    buyer_page.force_login(buyer)
    assert f'action="/orders/{order.pk}/delivered/"' in buyer_page.get(
        f"/orders/{order.pk}/").content.decode()
    done = buyer_page.post(f"/orders/{order.pk}/delivered/", follow=True).content.decode()
    assert "Marked as delivered." in done and "Delivered on" in done
    assert Order.objects.get(pk=order.pk).delivered_at is not None
    assert f'action="/sell/orders/{order.pk}/delivered/"' not in seller.get(
        f"/sell/orders/{order.pk}/").content.decode()


def test_an_extension_after_the_deadline_is_refused(api_client, buyer, honey):
    order = _shipped(api_client, buyer, honey)
    past = timezone.now() - timezone.timedelta(seconds=1)
    Order.objects.filter(pk=order.pk).update(auto_confirm_at=past)
    response = api_client.post(f"/api/v1/orders/{order.pk}/extend-confirmation")
    assert response.status_code == 409
    assert "already ended" in response.json()["detail"]
    order.refresh_from_db()
    assert order.auto_confirm_at == past and not order.auto_confirm_extended


def _pickup_order(buyer, listing) -> Order:
    return builders.paid_order(buyer=buyer, listing=listing, fulfillment="pickup")


def test_ten_wrong_codes_lock_until_the_buyer_asks_for_a_new_one(api_client, buyer, honey):
    order = _pickup_order(buyer, honey)
    old_code = order.pickup_code
    wrong = f"{(int(old_code) + 1) % 1_000_000:06d}"
    seller = _as(api_client, honey.shop.owner)
    answers = [seller.post(f"/api/v1/orders/{order.pk}/pickup", {"code": wrong}, format="json")
               for _ in range(10)]
    assert [a.status_code for a in answers] == [400] * 9 + [409]
    assert "1 try left" in answers[8].json()["detail"]
    assert "ask for a new code" in answers[9].json()["detail"]
    right = seller.post(f"/api/v1/orders/{order.pk}/pickup", {"code": old_code}, format="json")
    assert right.status_code == 409  # locked: even the right code does nothing
    order.refresh_from_db()
    assert (order.status, order.pickup_failed_attempts) == ("paid", 10)
    assert sorted(Notification.objects.filter(kind="pickup_code_locked")
                  .values_list("recipient_id", flat=True)) == sorted(
        [order.buyer_id, honey.shop.owner_id])
    # An hour later is no different: only a new code unlocks it.
    Order.objects.filter(pk=order.pk).update(
        pickup_locked_until=timezone.now() - timezone.timedelta(hours=2))
    assert seller.post(f"/api/v1/orders/{order.pk}/pickup", {"code": old_code},
                       format="json").status_code == 409

    assert seller.post(f"/api/v1/orders/{order.pk}/pickup-code").status_code == 403
    assert _as(api_client, UserFactory()).post(
        f"/api/v1/orders/{order.pk}/pickup-code").status_code == 404
    renewed = _as(api_client, buyer).post(f"/api/v1/orders/{order.pk}/pickup-code")
    assert renewed.status_code == 200
    new_code = renewed.json()["pickup_code"]
    assert new_code != old_code and len(new_code) == 6
    assert renewed.json()["timeline"][-1]["note"] == "The buyer asked for a new hand-over code."

    seller = _as(api_client, honey.shop.owner)
    assert seller.post(f"/api/v1/orders/{order.pk}/pickup", {"code": old_code},
                       format="json").status_code == 400
    done = seller.post(f"/api/v1/orders/{order.pk}/pickup", {"code": new_code}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    after = _as(api_client, buyer).post(f"/api/v1/orders/{order.pk}/pickup-code")
    assert after.status_code == 409  # completed: no new code


def test_the_buyer_page_shows_the_lock_and_gives_a_new_code(api_client, buyer, honey):
    order = _pickup_order(buyer, honey)
    Order.objects.filter(pk=order.pk).update(pickup_failed_attempts=10)
    page = Client()
    page.force_login(buyer)
    html = page.get(f"/orders/{order.pk}/").content.decode()
    assert "your code is locked" in html and order.pickup_code not in html
    seller_page = Client()
    seller_page.force_login(honey.shop.owner)
    assert "the code is locked" in seller_page.get(f"/sell/orders/{order.pk}/").content.decode()
    done = page.post(f"/orders/{order.pk}/new-code/", follow=True).content.decode()
    assert "Here is your new hand-over code." in done
    order.refresh_from_db()
    assert order.pickup_failed_attempts == 0 and order.pickup_code in done


def test_a_shipping_order_has_no_hand_over_code_to_renew(api_client, buyer, honey):
    order = _shipped(api_client, buyer, honey)
    assert api_client.post(f"/api/v1/orders/{order.pk}/pickup-code").status_code == 409


def test_a_bad_transit_allowance_stops_the_start_with_a_clear_message():
    result = manage("check", env={"ESCROW_TRANSIT_DAYS": "a week"})
    assert result.returncode != 0
    assert "ESCROW_TRANSIT_DAYS must be a whole number, not 'a week'." in result.stderr
    negative = manage("check", env={"ESCROW_TRANSIT_DAYS": "-1"})
    assert "ESCROW_TRANSIT_DAYS must be at least 0 and at most 90, not -1." in negative.stderr


def test_the_order_pages_read_delivered_once_someone_marked_it(api_client, buyer, honey):
    order = _shipped(api_client, buyer, honey)
    seller = Client()
    seller.force_login(honey.shop.owner)
    mine = Client()
    mine.force_login(buyer)
    badge = '<span class="badge shipped">{}</span>'
    for client, page in ((mine, f"/orders/{order.pk}/"), (mine, "/orders/"),
                         (seller, f"/sell/orders/{order.pk}/"), (seller, "/sell/orders/")):
        assert badge.format("Shipped") in client.get(page).content.decode(), page
    assert _as(api_client, buyer).post(f"/api/v1/orders/{order.pk}/delivered").status_code == 200
    for client, page in ((mine, f"/orders/{order.pk}/"), (mine, "/orders/"),
                         (seller, f"/sell/orders/{order.pk}/"), (seller, "/sell/orders/")):
        html = client.get(page).content.decode()
        # the order's own badge (the first on the page; the timeline keeps each event's status)
        first = html.index('<span class="badge ')
        assert html[first:].startswith(badge.format("Delivered")), page
