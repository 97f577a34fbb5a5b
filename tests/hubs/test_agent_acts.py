"""An agent runs a neighbour's shop from the hub pages: each act goes through the sellers and
orders services as the owner and is recorded "by agent X for owner Y"; another agent, another
hub, a revoked or removed agency is a 404; an agent never buys from, confirms for or is paid
for a shop they run."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hubs.errors import NotFound
from hubs.models import HubAct, HubAgent, ManagedShop
from hubs.services.agent_acts import agent_order_ship
from hubs.services.managed import managed_shop_revoke
from notifications.models import Notification
from orders.models import Checkout, Order, OrderItem
from payments.models import PayoutAccount
from sellers.models import Listing
from tests import builders
from tests.factories import CategoryFactory, ListingFactory
from tests.hubs.managed_support import (  # noqa: F401 - fixture
    active_managed_shop,
    agency_set,
    managed_shop,
    media_in_tmp,
    verified_agent,
)
from tests.support import client_for, jpeg_bytes, run_together

pytestmark = pytest.mark.django_db


def _listing_form(category, **overrides):
    return {"title": "Log cabin quilt, queen", "description": "Cotton, hand-stitched.",
            "category": category.slug, "price": "240.00", "stock": "2", "shipping": "18.00",
            **overrides}


def _acts(shop):
    return [(act.action, act.agent_id, act.owner_id, act.detail)
            for act in HubAct.objects.filter(shop=shop).order_by("at", "id")]


def test_the_agent_lists_an_item_with_a_photo_for_the_owner(client, media_in_tmp):  # noqa: F811
    agent = verified_agent()
    managed = managed_shop(agent)
    shop, owner = managed.shop, managed.shop.owner
    category = CategoryFactory(slug="quilts")
    client.force_login(agent)
    page = client.get(f"/hub/shops/{shop.pk}/listings/new/")
    assert page.status_code == 200
    photo = SimpleUploadedFile("quilt.jpg", jpeg_bytes(size=(320, 240)), "image/jpeg")
    response = client.post(f"/hub/shops/{shop.pk}/listings/new/",
                           {**_listing_form(category), "photo": photo})
    listing = Listing.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/hub/shops/{shop.pk}/listings/{listing.pk}/"
    # The shop waits for verification: a draft, with its photo, in the owner's shop.
    assert (listing.shop_id, listing.status, listing.price_cents, listing.images.count()) == (
        shop.pk, Listing.Status.DRAFT, 24000, 1)
    assert _acts(shop)[-1] == (HubAct.Action.LISTING_CREATED, agent.pk, owner.pk,
                               "Log cabin quilt, queen (with a photo)")


def test_a_bad_photo_saves_no_listing_and_no_act(client, media_in_tmp):  # noqa: F811
    agent = verified_agent()
    managed = managed_shop(agent)
    category = CategoryFactory()
    client.force_login(agent)
    bad = SimpleUploadedFile("quilt.jpg", b"GIF89a not a jpeg", "image/jpeg")
    response = client.post(f"/hub/shops/{managed.shop_id}/listings/new/",
                           {**_listing_form(category), "photo": bad})
    assert response.status_code == 400
    assert "That file type is not supported" in response.content.decode()
    assert not Listing.objects.exists()
    assert [act[0] for act in _acts(managed.shop)] == [HubAct.Action.SHOP_OPENED]


def test_the_agent_changes_stock_and_adds_a_photo(client, media_in_tmp):  # noqa: F811
    agent = verified_agent()
    managed = active_managed_shop(agent)
    listing = ListingFactory(shop=managed.shop, stock=10, title="Quilt")
    client.force_login(agent)
    base = f"/hub/shops/{managed.shop_id}/listings/{listing.pk}/"
    assert client.get(base).status_code == 200
    assert client.post(base + "stock/", {"stock": "4"}).status_code == 302
    photo = SimpleUploadedFile("q.png", jpeg_bytes(), "image/jpeg")
    assert client.post(base + "photos/", {"photo": photo}).status_code == 302
    listing.refresh_from_db()
    assert (listing.stock, listing.images.count()) == (4, 1)
    assert _acts(managed.shop)[-2:] == [
        (HubAct.Action.STOCK_CHANGED, agent.pk, managed.shop.owner_id, "Quilt: stock 10 → 4"),
        (HubAct.Action.LISTING_PHOTO_ADDED, agent.pk, managed.shop.owner_id, "Quilt"),
    ]


def test_the_agent_ships_an_order_and_the_buyer_is_told(client):
    agent = verified_agent()
    managed = active_managed_shop(agent)
    order = builders.paid_order(listing=ListingFactory(shop=managed.shop))
    client.force_login(agent)
    page = client.get(f"/hub/shops/{managed.shop_id}/orders/{order.pk}/")
    assert page.status_code == 200 and "Mark as shipped" in page.content.decode()
    response = client.post(f"/hub/shops/{managed.shop_id}/orders/{order.pk}/ship/",
                           {"carrier": "USPS", "tracking_number": "9400100000000000000001"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.carrier) == (Order.Status.SHIPPED, "USPS")
    assert Notification.objects.filter(recipient=order.buyer, kind="order_shipped").exists()
    assert _acts(managed.shop)[-1] == (
        HubAct.Action.ORDER_SHIPPED, agent.pk, managed.shop.owner_id,
        f"Order #{order.pk} with USPS, 9400100000000000000001")


def test_the_agent_hands_over_a_pickup_order_by_its_code(client):
    agent = verified_agent()
    managed = active_managed_shop(agent)
    order = builders.paid_order(listing=ListingFactory(shop=managed.shop, local_pickup=True),
                                fulfillment="pickup")
    client.force_login(agent)
    url = f"/hub/shops/{managed.shop_id}/orders/{order.pk}/hand-over/"
    wrong = "000000" if order.pickup_code != "000000" else "111111"
    client.post(url, {"code": wrong})
    order.refresh_from_db()
    # A wrong code is counted (ten lock it) and is no act.
    assert (order.status, order.pickup_failed_attempts) == (Order.Status.PAID, 1)
    assert HubAct.Action.ORDER_HANDED_OVER not in [act[0] for act in _acts(managed.shop)]
    client.post(url, {"code": order.pickup_code})
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert _acts(managed.shop)[-1][:3] == (HubAct.Action.ORDER_HANDED_OVER, agent.pk,
                                           managed.shop.owner_id)


def test_the_agent_answers_a_dispute_for_the_shop(client):
    from moderation.models import DisputeStatement

    agent = verified_agent()
    managed = active_managed_shop(agent)
    order = builders.disputed_order(listing=ListingFactory(shop=managed.shop))
    client.force_login(agent)
    url = f"/hub/shops/{managed.shop_id}/orders/{order.pk}/answer/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"text": ""}).status_code == 400
    assert client.post(url, {"text": "Shipped on the 3rd; tracking shows delivered."}
                       ).status_code == 302
    statement = DisputeStatement.objects.get(order=order)
    assert (statement.role, statement.author_id) == ("seller", managed.shop.owner_id)
    assert statement.text == (f"Written by Avery Agent, agent at {managed.hub.name}, for "
                              "Ruth Miller:\nShipped on the 3rd; tracking shows delivered.")
    assert _acts(managed.shop)[-1][:3] == (HubAct.Action.DISPUTE_ANSWERED, agent.pk,
                                           managed.shop.owner_id)


def test_the_overview_costs_the_same_queries_for_1_and_20_listings(client,
                                                                   django_assert_num_queries):
    agent = verified_agent()
    managed = active_managed_shop(agent)
    ListingFactory(shop=managed.shop)
    builders.paid_order(listing=ListingFactory(shop=managed.shop))
    client.force_login(agent)
    url = f"/hub/shops/{managed.shop_id}/"
    client.get(url)  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    ListingFactory.create_batch(19, shop=managed.shop)
    for _ in range(3):
        builders.paid_order(listing=ListingFactory(shop=managed.shop))
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count("/listings/") >= 20


# --- who may ------------------------------------------------------------------------------
def _urls(managed, listing, order):
    base = f"/hub/shops/{managed.shop_id}/"
    return [("get", base, {}), ("get", base + "listings/new/", {}),
            ("get", f"{base}listings/{listing.pk}/", {}),
            ("post", f"{base}listings/{listing.pk}/stock/", {"stock": "1"}),
            ("get", f"{base}orders/{order.pk}/", {}),
            ("post", f"{base}orders/{order.pk}/ship/",
             {"carrier": "USPS", "tracking_number": "1"}),
            ("post", f"{base}takeover-link/", {})]


@pytest.mark.parametrize("who", ["another agent of the hub", "an agent of another hub",
                                 "revoked by the owner", "removed by staff", "a buyer"])
def test_anyone_but_the_managing_agent_gets_404_and_changes_nothing(client, who):
    agent = verified_agent()
    managed = active_managed_shop(agent)
    listing = ListingFactory(shop=managed.shop, stock=7)
    order = builders.paid_order(listing=ListingFactory(shop=managed.shop))
    person = agent
    if who == "another agent of the hub":
        person = verified_agent(hub=managed.hub, name="Other Agent")
    elif who == "an agent of another hub":
        person = verified_agent(name="Far Agent")
    elif who == "revoked by the owner":
        managed_shop_revoke(owner=managed.shop.owner, shop_id=managed.shop_id)
    elif who == "removed by staff":
        agency_set(agent, HubAgent.Status.REMOVED)
    else:
        person = order.buyer
    acts_before = HubAct.objects.count()
    client.force_login(person)
    for method, url, data in _urls(managed, listing, order):
        assert getattr(client, method)(url, data).status_code == 404, (method, url)
    listing.refresh_from_db()
    order.refresh_from_db()
    assert (listing.stock, order.status) == (7, Order.Status.PAID)
    assert HubAct.objects.count() == acts_before
    assert not Notification.objects.filter(kind="hub_takeover_link").exists()


def test_the_shops_of_other_agents_are_not_in_reach_even_by_number(client):
    agent, other = verified_agent(), verified_agent(name="Other")
    mine, theirs = managed_shop(agent), managed_shop(other)
    client.force_login(agent)
    assert client.get(f"/hub/shops/{mine.shop_id}/").status_code == 200
    assert client.get(f"/hub/shops/{theirs.shop_id}/").status_code == 404


# --- revocation ---------------------------------------------------------------------------
def test_the_owner_sees_who_runs_the_shop_and_stops_the_help(client):
    agent = verified_agent(name="Avery Agent")
    managed = active_managed_shop(agent)
    owner = managed.shop.owner
    client.force_login(owner)
    dashboard = client.get("/sell/").content.decode()
    assert f"Run by Avery Agent at {managed.hub.name}" in dashboard
    assert "by agent Avery Agent for Ruth Miller" in dashboard
    confirm = client.get(reverse("hub-owner-help-stop"))
    assert confirm.status_code == 200
    assert "Yes, stop the agent's help" in confirm.content.decode()
    assert ManagedShop.objects.get().is_live  # the confirmation page changes nothing
    response = client.post(reverse("hub-owner-help-stop"))
    assert response.status_code == 302
    managed.refresh_from_db()
    assert (managed.is_live, managed.end_reason, managed.ended_by) == (
        False, ManagedShop.EndReason.OWNER_REVOKED, owner)
    assert _acts(managed.shop)[-1][:3] == (HubAct.Action.OWNER_REVOKED, None, owner.pk)
    told = Notification.objects.get(recipient=agent, kind="hub_help_ended")
    assert told.message == (f"You no longer run {managed.shop.name} for Ruth Miller: the "
                            "owner ended the agent's help.")
    assert "Run by" not in client.get("/sell/").content.decode()
    help_page = client.get(reverse("hub-owner-help")).content.decode()
    assert "the owner ended the agent&#x27;s help" in help_page
    # The agent's session is still open: the next click is a 404.
    client.force_login(agent)
    assert client.get(f"/hub/shops/{managed.shop_id}/").status_code == 404


def test_someone_without_a_managed_shop_has_no_stop_page(client):
    client.force_login(builders.paid_order().shop.owner)
    assert client.get(reverse("hub-owner-help-stop")).status_code == 404
    assert client.post(reverse("hub-owner-help-stop")).status_code == 404


def test_revoked_before_the_agent_ships_nothing_ships():
    agent = verified_agent()
    managed = active_managed_shop(agent)
    order = builders.paid_order(listing=ListingFactory(shop=managed.shop))
    managed_shop_revoke(owner=managed.shop.owner, shop_id=managed.shop_id)
    with pytest.raises(NotFound):
        agent_order_ship(agent=agent, shop_id=managed.shop_id, order_id=order.pk,
                         carrier="USPS", tracking_number="1")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert not HubAct.objects.filter(action=HubAct.Action.ORDER_SHIPPED).exists()


@pytest.mark.django_db(transaction=True)
def test_the_owner_revokes_while_the_agent_ships_one_transaction_wins():
    agent = verified_agent()
    managed = active_managed_shop(agent)
    owner = managed.shop.owner
    orders = [builders.paid_order(listing=ListingFactory(shop=managed.shop)) for _ in range(4)]

    def work(index):
        try:
            if index == 0:
                managed_shop_revoke(owner=owner, shop_id=managed.shop_id)
                return "revoked"
            agent_order_ship(agent=agent, shop_id=managed.shop_id,
                             order_id=orders[index - 1].pk, carrier="USPS",
                             tracking_number=f"94{index}")
            return "shipped"
        except NotFound:
            return "refused"

    results = run_together(5, work)
    assert results[0] == "revoked"
    managed.refresh_from_db()
    shipped = Order.objects.filter(pk__in=[o.pk for o in orders], status=Order.Status.SHIPPED)
    acts = HubAct.objects.filter(shop=managed.shop, action=HubAct.Action.ORDER_SHIPPED)
    # Each shipment that happened has its act, recorded before the revocation; none after.
    assert shipped.count() == acts.count() == results.count("shipped")
    assert all(act.at <= managed.ended_at for act in acts)
    assert Order.objects.filter(pk__in=[o.pk for o in orders],
                                status=Order.Status.PAID).count() == results.count("refused")


# --- never for the agent's own benefit ----------------------------------------------------
def test_the_agent_cannot_buy_from_a_shop_they_run_and_nothing_is_reserved():
    agent = verified_agent()
    managed = active_managed_shop(agent, shop_name="Miller Quilts")
    listing = ListingFactory(shop=managed.shop, stock=3)
    client = client_for(agent)
    assert client.post("/api/v1/cart/items/", {"listing": listing.pk, "quantity": 2},
                       format="json").status_code == 201
    response = client.post("/api/v1/checkout",
                           {"fulfillment": "ship", "shipping_address": builders.ADDRESS},
                           format="json", HTTP_IDEMPOTENCY_KEY="agent-buys")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "You run “Miller Quilts” for its owner as a hub agent, so you cannot buy from it. "
        "Remove its items from your cart to buy the rest.")
    listing.refresh_from_db()
    assert listing.stock == 3
    assert not Checkout.objects.exists() and not OrderItem.objects.exists()


def test_once_the_help_ended_the_former_agent_may_buy_there():
    agent = verified_agent()
    managed = active_managed_shop(agent)
    listing = ListingFactory(shop=managed.shop, stock=3)
    managed_shop_revoke(owner=managed.shop.owner, shop_id=managed.shop_id)
    (order,) = builders.paid_checkout_orders(buyer=agent, lines=[(listing, 1)])
    assert order.status == Order.Status.PAID


def test_the_agent_cannot_confirm_a_buyers_receipt():
    agent = verified_agent()
    managed = active_managed_shop(agent)
    order = builders.shipped_order(listing=ListingFactory(shop=managed.shop))
    response = client_for(agent).post(f"/api/v1/orders/{order.pk}/confirm-receipt")
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED


def test_payouts_stay_with_the_owner(client):
    agent = verified_agent()
    managed = active_managed_shop(agent)
    client.force_login(agent)
    overview = client.get(f"/hub/shops/{managed.shop_id}/").content.decode()
    assert reverse("seller-payout-account") not in overview
    # The agent has no shop of their own: the payout pages are not the managed shop's.
    page = client.get("/sell/payouts/")
    assert (page.status_code, page["Location"]) == (302, "/sell/shop/new/")
    setup = client.post("/sell/payouts/setup/")
    assert (setup.status_code, setup["Location"]) == (302, "/sell/shop/new/")
    assert not PayoutAccount.objects.filter(shop=managed.shop).exists()


def test_an_agent_with_a_shop_of_their_own_sees_only_their_own_payouts(client):
    from tests.factories import ShopFactory

    agent = verified_agent()
    ShopFactory(owner=agent, name="Avery Own Shop")
    managed = active_managed_shop(agent, shop_name="Neighbour Quilts")
    client.force_login(agent)
    page = client.get("/sell/payouts/")
    assert page.status_code == 200 and "Neighbour Quilts" not in page.content.decode()
    assert not PayoutAccount.objects.filter(shop=managed.shop).exists()


def test_no_managed_shop_page_shows_a_raw_code(client, media_in_tmp):  # noqa: F811
    from django.test import Client

    from hubs.services import takeover
    from tests.plain_words import raw_codes

    agent = verified_agent()
    managed = active_managed_shop(agent)
    listing = ListingFactory(shop=managed.shop)
    orders = [builders.paid_order(listing=ListingFactory(shop=managed.shop)),
              builders.shipped_order(listing=ListingFactory(shop=managed.shop)),
              builders.disputed_order(listing=ListingFactory(shop=managed.shop))]
    client.force_login(agent)
    base = f"/hub/shops/{managed.shop_id}/"
    pages = ["/hub/shops/new/", base, base + "listings/new/", f"{base}listings/{listing.pk}/",
             f"{base}orders/{orders[2].pk}/answer/"]
    pages += [f"{base}orders/{order.pk}/" for order in orders]
    owner = Client()
    owner.force_login(managed.shop.owner)
    signed_out = Client()
    problems = {}
    for browser, paths in ((client, pages), (owner, ["/sell/", "/sell/hub-agent/",
                                                     "/sell/hub-agent/stop/"]),
                           (signed_out, [f"/hub/takeover/"
                                         f"{takeover.takeover_token(managed=managed)}/"])):
        for path in paths:
            response = browser.get(path)
            assert response.status_code == 200, (path, response.status_code)
            if found := raw_codes(response.content.decode()):
                problems[path] = found
    managed_shop_revoke(owner=managed.shop.owner, shop_id=managed.shop_id)
    ended = owner.get("/sell/hub-agent/")
    assert raw_codes(ended.content.decode()) == []
    assert problems == {}


def test_the_owners_activity_page_costs_the_same_for_1_and_20_acts(client,
                                                                  django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hubs.services.agent_acts import agent_stock_set

    agent = verified_agent()
    managed = active_managed_shop(agent)
    listing = ListingFactory(shop=managed.shop)
    client.force_login(managed.shop.owner)
    client.get("/sell/hub-agent/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/sell/hub-agent/").status_code == 200
    for number in range(19):
        agent_stock_set(agent=agent, shop_id=managed.shop_id, listing_id=listing.pk,
                        stock=number)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get("/sell/hub-agent/")
    assert page.content.decode().count("by agent Avery Agent for Ruth Miller") == 20


def test_the_checkout_page_tells_the_agent_why_and_reserves_nothing(client):
    from orders.services.cart import cart_item_add

    agent = verified_agent()
    managed = active_managed_shop(agent, shop_name="Miller Quilts")
    listing = ListingFactory(shop=managed.shop, stock=2, local_pickup=True)
    cart_item_add(user=agent, listing_id=listing.pk, quantity=1)
    client.force_login(agent)
    response = client.post("/checkout/", {"fulfillment": "pickup",
                                          "idempotency_key": "agent-page-1"})
    assert response.status_code == 200
    assert "so you cannot buy from it" in response.content.decode()
    listing.refresh_from_db()
    assert listing.stock == 2 and not Checkout.objects.exists()


@pytest.mark.parametrize("how", ["revoked by the owner", "removed by staff"])
def test_open_orders_stay_the_owners_and_complete_after_the_help_ends(how):
    from orders.services.lifecycle import order_confirm_receipt, order_ship
    from payments.selectors import escrow_summary_or_none

    agent = verified_agent()
    managed = active_managed_shop(agent)
    owner = managed.shop.owner
    order = builders.paid_order(listing=ListingFactory(shop=managed.shop))
    if how == "revoked by the owner":
        managed_shop_revoke(owner=owner, shop_id=managed.shop_id)
    else:
        agency_set(agent, HubAgent.Status.REMOVED)
    with pytest.raises(NotFound):
        agent_order_ship(agent=agent, shop_id=managed.shop_id, order_id=order.pk,
                         carrier="USPS", tracking_number="1")
    order_ship(order_id=order.pk, seller=owner, carrier="USPS", tracking_number="9400")
    completed = order_confirm_receipt(order_id=order.pk, buyer=order.buyer)
    assert completed.status == Order.Status.COMPLETED
    summary = escrow_summary_or_none(reference=order.reference)
    assert summary.released_cents == order.total_cents
