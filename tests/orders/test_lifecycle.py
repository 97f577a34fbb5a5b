import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from moderation.services.disputes import dispute_resolve
from orders.errors import InvalidTransition
from orders.models import Checkout, Order, OrderEvent, Review
from payments.models import JournalLine
from payments.selectors import escrow_summary, shop_balance
from sellers.models import Listing, Shop
from tests.checkout_http import add, checkout, paid_orders
from tests.factories import ListingFactory, UserFactory

pytestmark = pytest.mark.django_db


def ship(client, order, seller):
    client.force_authenticate(seller)
    return client.post(f"/api/v1/orders/{order.pk}/ship",
                       {"carrier": "USPS", "tracking_number": "9400 1000"}, format="json")


def test_illegal_moves_are_409_and_change_nothing(api_client, buyer, two_shops, localstripe):
    honey, _ = two_shops
    (order,) = paid_orders(api_client, [honey])
    seller = honey.shop.owner
    # confirm before shipping
    assert api_client.post(f"/api/v1/orders/{order.pk}/confirm-receipt").status_code == 409
    # review before completion
    assert api_client.post(f"/api/v1/orders/{order.pk}/review", {"rating": 5},
                           format="json").status_code == 409
    assert ship(api_client, order, seller).status_code == 200
    # ship twice, cancel after shipping
    assert ship(api_client, order, seller).status_code == 409
    assert api_client.post(f"/api/v1/orders/{order.pk}/cancel").status_code == 409
    api_client.force_authenticate(buyer)
    assert api_client.post(f"/api/v1/orders/{order.pk}/cancel").status_code == 409
    assert api_client.post(f"/api/v1/orders/{order.pk}/confirm-receipt").status_code == 200
    assert api_client.post(f"/api/v1/orders/{order.pk}/review", {"rating": 4, "text": "Good"},
                           format="json").status_code == 201
    second = api_client.post(f"/api/v1/orders/{order.pk}/review", {"rating": 1},
                             format="json")
    assert second.status_code == 409
    assert Review.objects.count() == 1
    shop = Shop.objects.get(pk=honey.shop_id)
    assert (str(shop.rating_avg), shop.rating_count) == ("4.00", 1)
    assert [e.status for e in OrderEvent.objects.filter(order=order)] == [
        "pending_payment", "paid", "shipped", "completed"
    ]


def test_shipping_a_cancelled_order_is_409(api_client, buyer, two_shops, localstripe):
    honey, _ = two_shops
    (order,) = paid_orders(api_client, [honey], [2])
    cancelled = api_client.post(f"/api/v1/orders/{order.pk}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["escrow"]["refunded_cents"] == order.total_cents
    assert Listing.objects.get(pk=honey.pk).stock == 5
    assert ship(api_client, order, honey.shop.owner).status_code == 409


def test_other_peoples_orders_are_404_and_a_buyer_cannot_ship(
    api_client, buyer, two_shops, localstripe
):
    honey, _ = two_shops
    (order,) = paid_orders(api_client, [honey])
    # The buyer is not the seller: "ship" finds no order of theirs.
    assert ship(api_client, order, buyer).status_code == 404
    stranger = UserFactory()
    api_client.force_authenticate(stranger)
    assert api_client.get(f"/api/v1/orders/{order.pk}").status_code == 404
    for path, body in (("confirm-receipt", {}), ("cancel", {}), ("review", {"rating": 5}),
                       ("dispute", {"reason": "other", "details": "x"}), ("ship", {
                           "carrier": "UPS", "tracking_number": "1Z"})):
        response = api_client.post(f"/api/v1/orders/{order.pk}/{path}", body, format="json")
        assert response.status_code == 404, path
    assert api_client.get("/api/v1/orders/").json()["count"] == 0
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_bad_ship_and_dispute_input_is_400(api_client, buyer, two_shops, localstripe):
    honey, _ = two_shops
    (order,) = paid_orders(api_client, [honey])
    api_client.force_authenticate(honey.shop.owner)
    response = api_client.post(f"/api/v1/orders/{order.pk}/ship", {"carrier": ""},
                               format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"carrier", "tracking_number"}
    api_client.force_authenticate(buyer)
    response = api_client.post(f"/api/v1/orders/{order.pk}/dispute",
                               {"reason": "vibes", "details": ""}, format="json")
    assert response.status_code == 400
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_local_pickup_code_completes_and_releases_wrong_codes_lock(
    api_client, buyer, two_shops, localstripe
):
    honey, _ = two_shops
    add(api_client, honey, 1)
    created = checkout(api_client, fulfillment="pickup").json()
    assert created["amount_cents"] == 1200  # no shipping for pickup
    api_client.post(f"/api/v1/checkout/{created['id']}/pay", {"payment_method": "pm_card_visa"},
                    format="json")
    order = Order.objects.get(pk=created["orders"][0])
    code = api_client.get(f"/api/v1/orders/{order.pk}").json()["pickup_code"]
    assert len(code) == 6 and code.isdigit()
    api_client.force_authenticate(honey.shop.owner)
    assert api_client.get(f"/api/v1/orders/{order.pk}").json()["pickup_code"] is None
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    statuses = [
        api_client.post(f"/api/v1/orders/{order.pk}/pickup", {"code": wrong},
                        format="json").status_code
        for _ in range(10)
    ]
    assert statuses == [400] * 9 + [409]
    locked = api_client.post(f"/api/v1/orders/{order.pk}/pickup", {"code": code}, format="json")
    assert locked.status_code == 409
    api_client.force_authenticate(buyer)
    renewed = api_client.post(f"/api/v1/orders/{order.pk}/pickup-code")
    assert renewed.status_code == 200
    code = renewed.json()["pickup_code"]
    api_client.force_authenticate(honey.shop.owner)
    done = api_client.post(f"/api/v1/orders/{order.pk}/pickup", {"code": code}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "completed"
    assert escrow_summary(reference=order.reference).status == "released"


def test_pickup_is_refused_when_an_item_does_not_allow_it(api_client, buyer, two_shops,
                                                          localstripe):
    _, quilt = two_shops
    add(api_client, quilt, 1)
    response = checkout(api_client, fulfillment="pickup")
    assert response.status_code == 400
    assert "Local pickup" in response.json()["detail"]
    assert not Checkout.objects.exists()
    assert Listing.objects.get(pk=quilt.pk).stock == 1


def test_dispute_then_partial_refund(api_client, buyer, two_shops, localstripe):
    honey, _ = two_shops
    (order,) = paid_orders(api_client, [honey], [2])  # 2400 + 650 = 3050
    disputed = api_client.post(f"/api/v1/orders/{order.pk}/dispute",
                               {"reason": "damaged", "details": "Jar arrived cracked."},
                               format="json")
    assert disputed.status_code == 200
    assert disputed.json()["status"] == "disputed"
    staff = UserFactory(is_staff=True)
    early = "The buyer sent a photo of the broken jar."  # decided before the seller answers
    with pytest.raises(ValidationError) as too_much:
        dispute_resolve(order_id=order.pk, actor=staff, outcome="partial_refund",
                        refund_cents=3050, override_reason=early)
    assert too_much.value.message_dict == {"refund_cents": [
        "Enter an amount between 1 and 3049 cents (less than what is held)."]}
    dispute_resolve(order_id=order.pk, actor=staff, outcome="partial_refund",
                    refund_cents=1000, note="Half a jar", override_reason=early)
    summary = escrow_summary(reference=order.reference)
    assert (summary.refunded_cents, summary.released_cents) == (1000, 2050)
    assert Order.objects.get(pk=order.pk).status == "completed"
    assert shop_balance(shop=honey.shop).available_cents == 2050 - (2050 * 500 + 5000) // 10000
    with pytest.raises(InvalidTransition) as twice:
        dispute_resolve(order_id=order.pk, actor=staff, outcome="refund", override_reason=early)
    assert (twice.value.http_status, twice.value.current) == (409, "completed")
    assert escrow_summary(reference=order.reference).refunded_cents == 1000


def test_due_jobs_cancel_unshipped_complete_unconfirmed_and_expire_unpaid(
    api_client, buyer, two_shops, localstripe, settings
):
    honey, quilt = two_shops
    settings.SHIP_BY_DAYS = 0
    settings.ESCROW_AUTO_CONFIRM_DAYS = 0
    settings.ESCROW_TRANSIT_DAYS = 0
    settings.PAYMENT_EXPIRY_MINUTES = 0
    unshipped, to_ship = paid_orders(api_client, [honey, quilt])
    assert ship(api_client, to_ship, quilt.shop.owner).status_code == 200
    api_client.force_authenticate(buyer)
    spare = ListingFactory(stock=3)
    add(api_client, spare, 2)
    unpaid = checkout(api_client).json()
    assert Listing.objects.get(pk=spare.pk).stock == 1

    call_command("run_due_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115

    unshipped.refresh_from_db()
    assert unshipped.status == "cancelled"
    assert escrow_summary(reference=unshipped.reference).refunded_cents == unshipped.total_cents
    assert Listing.objects.get(pk=honey.pk).stock == 5
    to_ship.refresh_from_db()
    assert to_ship.status == "completed"
    assert escrow_summary(reference=to_ship.reference).status == "released"
    assert Checkout.objects.get(pk=unpaid["id"]).status == "expired"
    assert Order.objects.get(pk=unpaid["orders"][0]).status == "cancelled"
    assert Listing.objects.get(pk=spare.pk).stock == 3
    # Running the jobs again changes nothing.
    lines = JournalLine.objects.count()
    call_command("run_due_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert JournalLine.objects.count() == lines


def test_a_category_can_shorten_the_confirmation_window(api_client, buyer, two_shops,
                                                        localstripe, settings):
    settings.ESCROW_TRANSIT_DAYS = 7
    honey, _ = two_shops
    honey.category.auto_confirm_days = 3
    honey.category.save()
    (order,) = paid_orders(api_client, [honey])
    shipped = ship(api_client, order, honey.shop.owner).json()
    order.refresh_from_db()
    assert (order.auto_confirm_at - order.shipped_at).days == 7 + 3  # transit, then window
    api_client.force_authenticate(buyer)
    extended = api_client.post(f"/api/v1/orders/{order.pk}/extend-confirmation")
    assert extended.status_code == 200
    assert extended.json()["auto_confirm_at"] > shipped["auto_confirm_at"]
    assert api_client.post(
        f"/api/v1/orders/{order.pk}/extend-confirmation").status_code == 409


def test_orders_list_query_count_is_fixed(api_client, buyer, localstripe,
                                          django_assert_max_num_queries):
    listings = ListingFactory.create_batch(3, stock=50)
    paid_orders(api_client, listings[:1])
    with django_assert_max_num_queries(8) as few:
        assert api_client.get("/api/v1/orders/").json()["count"] == 1
    for listing in listings[1:]:
        paid_orders(api_client, [listing])
    paid_orders(api_client, listings)
    with django_assert_max_num_queries(8) as many:
        assert api_client.get("/api/v1/orders/").json()["count"] == 6
    assert len(many.captured_queries) == len(few.captured_queries)
