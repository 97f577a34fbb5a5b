"""A village hub as the buyer's delivery address: checkout to a hub, the seller ships there,
the hub's agent marks the parcel arrived and hands it over by the buyer's code, which
completes the order exactly like a local pickup. Pages and services; real Postgres, the
payment recorded by tests/builders.py (the API file and the browser journey use
localstripe)."""

import re
import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hubs.models import HubAct, HubAgent
from notifications.models import Notification
from notifications.rendering import email_render, kind_get, message_render
from orders.errors import HubParcelState
from orders.models import Checkout, Order
from orders.services.cart import cart_item_add
from orders.services.checkout import checkout_reserve
from orders.services.deadlines import orders_complete_unconfirmed
from orders.services.lifecycle import (
    HUB_COLLECT,
    order_dispute,
    order_hub_arrived,
    order_mark_delivered,
    order_pickup_code_renew,
)
from payments.models import JournalEntry
from payments.selectors import escrow_summary
from tests.builders import ADDRESS
from tests.factories import ListingFactory, UserFactory
from tests.hubs.parcels_support import agent_make, hub_make, hub_order, hub_shipped
from tests.plain_words import raw_codes
from tests.support import run_together

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _released(order) -> list[str]:
    return list(JournalEntry.objects.filter(reference=order.reference, kind="release")
                .values_list("kind", flat=True))


def _arrive(agent, order):
    return _client(agent).post(f"/hub/parcels/{order.pk}/arrived/")


# --- checkout -----------------------------------------------------------------------------

def test_a_buyer_ships_to_a_hub_the_order_keeps_its_reference_address_and_hours():
    hub = hub_make(name="Bluffton Feed Store")
    buyer = UserFactory(display_name="Ada Miller")
    listing = ListingFactory(price_cents=2000, shipping_cents=700)
    order = hub_order(hub, buyer=buyer, listing=listing)
    assert order.hub_reference == f"hub:{hub.pk}"
    assert order.hub_name == "Bluffton Feed Store"
    assert order.hub_hours == hub.opening_hours
    assert order.fulfillment == Order.Fulfillment.SHIP
    # Shipping is charged as usual; the parcel carries the buyer's name care of the hub.
    assert (order.shipping_cents, order.total_cents) == (700, 2700)
    assert order.shipping_address["name"] == "Ada Miller c/o Bluffton Feed Store"
    assert order.shipping_address["line1"] == hub.line1
    assert order.shipping_address["postal_code"] == "52101"
    assert order.checkout.hub_reference == hub.reference
    assert order.hub_parcel_word == "Not shipped yet"
    assert len(order.pickup_code) == 6  # the hand-over code, shown once it arrives


@pytest.mark.parametrize("case", ["unknown", "closed", "with_address", "pickup"])
def test_a_bad_hub_at_checkout_is_400_in_words_and_writes_nothing(case):
    hub = hub_make(name="Closed Mill Hub", is_open=case != "closed")
    buyer = UserFactory()
    listing = ListingFactory(stock=4, local_pickup=True)
    cart_item_add(user=buyer, listing_id=listing.pk, quantity=1)
    kwargs = {"unknown": {"hub": "no-such-hub", "fulfillment": "ship"},
              "closed": {"hub": hub.slug, "fulfillment": "ship"},
              "with_address": {"hub": hub.slug, "fulfillment": "ship",
                               "shipping_address": ADDRESS},
              "pickup": {"hub": hub.slug, "fulfillment": "pickup"}}[case]
    with pytest.raises(ValidationError) as error:
        checkout_reserve(buyer=buyer, idempotency_key="k1", **kwargs)
    message = " ".join(error.value.message_dict["hub"])
    assert {"unknown": "We know no hub by that name", "closed": "Closed Mill Hub is closed",
            "with_address": "not both", "pickup": "choose shipping"}[case] in message
    assert not Checkout.objects.exists() and not Order.objects.exists()
    listing.refresh_from_db()
    assert listing.stock == 4


def test_the_checkout_page_lists_open_hubs_by_state_and_village_and_searches_them():
    open_hub = hub_make(name="Kalona Quilt Corner")
    other = hub_make(name="Arthur Dry Goods")
    hub_make(name="Shut Down Hub", is_open=False)
    buyer = UserFactory()
    cart_item_add(user=buyer, listing_id=ListingFactory().pk, quantity=1)
    page = _client(buyer).get("/checkout/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Deliver to a village hub" in text
    assert "Kalona Quilt Corner" in text and "Arthur Dry Goods" in text
    assert "Shut Down Hub" not in text
    assert open_hub.opening_hours in text
    assert f"{open_hub.village.name}, {open_hub.state}" in text
    found = _client(buyer).get("/checkout/?hub_q=Kalona").content.decode()
    assert "Kalona Quilt Corner" in found and other.name not in found
    nothing = _client(buyer).get("/checkout/?hub_q=Nowhere").content.decode()
    assert "No open hub matches" in nothing


def test_the_checkout_page_sends_the_order_to_the_chosen_hub(localstripe):
    hub = hub_make(name="Kalona Quilt Corner")
    buyer = UserFactory()
    cart_item_add(user=buyer, listing_id=ListingFactory().pk, quantity=1)
    client = _client(buyer)
    missing = client.post("/checkout/", {"fulfillment": "hub", "idempotency_key": "a1",
                                         "saved_address": "new"})
    assert "Choose the hub where you will collect" in missing.content.decode()
    assert not Checkout.objects.exists()
    # A NUL character or a hub reference in other digits is a clear answer, never an error.
    for odd in ("kal\x00ona", "hub:³", "hub:99999999999999999999"):
        answer = client.post("/checkout/", {"fulfillment": "hub", "hub": odd,
                                            "hub_q": "Kal\x00", "idempotency_key": "a9",
                                            "saved_address": "new"})
        assert answer.status_code in (200, 400), odd
    assert not Checkout.objects.exists()
    response = client.post("/checkout/", {"fulfillment": "hub", "hub": hub.slug,
                                          "idempotency_key": "a2", "saved_address": "new"})
    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get(buyer=buyer)
    assert order.hub_reference == hub.reference
    assert not order.checkout.save_address
    # Back at checkout later, the same hub is offered again.
    again = client.get("/checkout/").content.decode()
    assert re.search(rf'value="{hub.slug}"[^>]*checked', again)


# --- the seller ships; the deadline waits for the hub --------------------------------------

def test_the_confirmation_clock_waits_for_collection_then_pays_the_seller(clock):
    hub = hub_make()
    agent = agent_make(hub)
    order = hub_shipped(hub, listing=ListingFactory(price_cents=3000, shipping_cents=0))
    normal = settings.ESCROW_TRANSIT_DAYS + settings.ESCROW_AUTO_CONFIRM_DAYS
    assert order.auto_confirm_at - order.shipped_at == (
        timezone.timedelta(days=normal) + HUB_COLLECT)
    # When an ordinary parcel would have been confirmed, a hub parcel still waits.
    clock.move(days=normal, hours=1)
    assert orders_complete_unconfirmed() == 0
    assert _arrive(agent, order).status_code == 302
    order.refresh_from_db()
    arrived = order.hub_arrived_at
    assert order.auto_confirm_at == arrived + HUB_COLLECT + timezone.timedelta(
        days=settings.ESCROW_AUTO_CONFIRM_DAYS)
    clock.move(days=settings.ESCROW_AUTO_CONFIRM_DAYS, hours=1)
    assert orders_complete_unconfirmed() == 0  # the buyer still has their time to collect
    clock.move(days=HUB_COLLECT.days)
    assert orders_complete_unconfirmed() == 1  # never collected: the seller is paid at last
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED and len(_released(order)) == 1


def test_nobody_marks_a_hub_parcel_delivered_the_hub_records_its_arrival():
    order = hub_shipped(hub_make())
    for person in (order.shop.owner, order.buyer):
        with pytest.raises(HubParcelState, match="the hub records its arrival"):
            order_mark_delivered(order_id=order.pk, user=person)
    response = _client(order.buyer).post(f"/orders/{order.pk}/delivered/")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.delivered_at is None


# --- arrival --------------------------------------------------------------------------------

def test_the_agent_marks_a_parcel_arrived_the_buyer_is_told_with_the_hours():
    hub = hub_make(name="Kalona Quilt Corner")
    agent = agent_make(hub)
    order = hub_shipped(hub)
    response = _arrive(agent, order)
    assert response.status_code == 302 and "state=waiting" in response["Location"]
    order.refresh_from_db()
    assert order.hub_arrived_at is not None
    assert order.hub_parcel_word == "Waiting at the hub"
    act = HubAct.objects.get(action=HubAct.Action.PARCEL_ARRIVED)
    assert (act.hub_id, act.agent_id, act.reference) == (hub.pk, agent.pk, order.reference)
    note = Notification.objects.get(kind="hub_parcel_arrived", recipient=order.buyer)
    assert "Kalona Quilt Corner" in note.message and hub.opening_hours in note.message
    assert hub.line1 in note.message
    assert order.events.last().note == "Arrived at Kalona Quilt Corner; waiting for the buyer " \
                                       "to collect it."
    page = _client(order.buyer).get(f"/orders/{order.pk}/").content.decode()
    assert order.pickup_code in page
    assert "Waiting at the hub" in page and "Deliver to" in page
    seller_page = _client(order.shop.owner).get(f"/sell/orders/{order.pk}/").content.decode()
    assert "Waiting at the hub" in seller_page and order.pickup_code not in seller_page
    listed = _client(order.shop.owner).get("/sell/orders/").content.decode()
    assert "to Kalona Quilt Corner · Waiting at the hub" in listed
    mine = _client(order.buyer).get("/orders/").content.decode()
    assert "Kalona Quilt Corner: Waiting at the hub" in mine


def test_the_code_is_hidden_until_the_parcel_arrives():
    hub = hub_make()
    order = hub_shipped(hub)
    page = _client(order.buyer).get(f"/orders/{order.pk}/").content.decode()
    assert order.pickup_code not in page
    assert "On its way to the hub" in page
    assert "It arrived; I'm checking it" not in page


def test_arrived_twice_or_before_shipping_is_409_and_changes_nothing():
    hub = hub_make()
    agent = agent_make(hub)
    order = hub_shipped(hub)
    assert _arrive(agent, order).status_code == 302
    first = Order.objects.get(pk=order.pk).hub_arrived_at
    again = _arrive(agent, order)
    assert again.status_code == 409 and "already marked arrived" in again.content.decode()
    assert Order.objects.get(pk=order.pk).hub_arrived_at == first
    assert HubAct.objects.filter(action=HubAct.Action.PARCEL_ARRIVED).count() == 1
    assert Notification.objects.filter(kind="hub_parcel_arrived").count() == 1
    unshipped = hub_order(hub)
    refused = _arrive(agent, unshipped)
    assert refused.status_code == 409 and "has not been shipped yet" in refused.content.decode()


def test_only_a_verified_agent_of_that_hub_sees_or_touches_its_parcels():
    hub, elsewhere = hub_make(), hub_make()
    order = hub_shipped(hub)
    strangers = [agent_make(elsewhere), agent_make(hub, status=HubAgent.Status.PENDING),
                 order.buyer, order.shop.owner]
    for person in strangers:
        client = _client(person)
        assert client.post(f"/hub/parcels/{order.pk}/arrived/").status_code == 404
        assert client.get(f"/hub/parcels/{order.pk}/hand-over/").status_code == 404
        assert client.post(f"/hub/parcels/{order.pk}/hand-over/",
                           {"code": order.pickup_code}).status_code == 404
    assert _client(strangers[0]).get("/hub/parcels/").status_code == 200  # their own hub's
    assert order.pk not in [o.pk for o in Order.objects.filter(hub_reference=elsewhere.reference)]
    assert _client(order.buyer).get("/hub/parcels/").status_code == 404
    assert Client().get("/hub/parcels/").status_code == 302  # to the log-in page
    order.refresh_from_db()
    assert order.hub_arrived_at is None and order.status == Order.Status.SHIPPED
    assert order.pickup_failed_attempts == 0
    # A staff decision ends the agency at once, also for an open session.
    agent = agent_make(hub)
    client = _client(agent)
    assert client.get("/hub/parcels/").status_code == 200
    HubAgent.objects.filter(user=agent).update(status=HubAgent.Status.REMOVED)
    assert client.post(f"/hub/parcels/{order.pk}/arrived/").status_code == 404


# --- hand-over by code ----------------------------------------------------------------------

def test_the_agent_hands_over_by_code_and_the_order_completes_like_a_local_pickup():
    hub = hub_make(name="Kalona Quilt Corner")
    agent = agent_make(hub)
    order = hub_shipped(hub, listing=ListingFactory(price_cents=4000, shipping_cents=500))
    _arrive(agent, order)
    client = _client(agent)
    form = client.get(f"/hub/parcels/{order.pk}/hand-over/")
    assert form.status_code == 200 and "Confirm hand-over" in form.content.decode()
    wrong = client.post(f"/hub/parcels/{order.pk}/hand-over/",
                        {"code": "000000" if order.pickup_code != "000000" else "111111"})
    assert wrong.status_code == 400 and "9 tries left" in wrong.content.decode()
    malformed = client.post(f"/hub/parcels/{order.pk}/hand-over/", {"code": "12ab"})
    assert malformed.status_code == 400 and "6-digit code" in malformed.content.decode()
    done = client.post(f"/hub/parcels/{order.pk}/hand-over/", {"code": order.pickup_code})
    assert done.status_code == 302 and "state=collected" in done["Location"]
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED and order.completed_at
    assert order.pickup_failed_attempts == 1
    assert order.events.last().note == "Collected at Kalona Quilt Corner; code confirmed."
    summary = escrow_summary(reference=order.reference)
    assert summary.released_cents == 4500 and summary.remaining_cents == 0
    assert len(_released(order)) == 1
    act = HubAct.objects.get(action=HubAct.Action.PARCEL_COLLECTED)
    assert (act.agent_id, act.reference) == (agent.pk, order.reference)
    assert order.hub_parcel_word == "Collected"
    again = client.post(f"/hub/parcels/{order.pk}/hand-over/", {"code": order.pickup_code})
    assert again.status_code == 409
    assert len(_released(order)) == 1


def test_a_parcel_that_has_not_arrived_cannot_be_handed_over():
    hub = hub_make()
    agent = agent_make(hub)
    order = hub_shipped(hub)
    response = _client(agent).post(f"/hub/parcels/{order.pk}/hand-over/",
                                   {"code": order.pickup_code})
    assert response.status_code == 409
    assert "has not arrived at the hub yet" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED and order.pickup_failed_attempts == 0


def test_ten_wrong_codes_lock_it_until_the_buyer_asks_for_a_new_one():
    hub = hub_make()
    agent = agent_make(hub)
    order = hub_shipped(hub)
    _arrive(agent, order)
    client = _client(agent)
    wrong = "000000" if order.pickup_code != "000000" else "111111"
    for _ in range(10):
        client.post(f"/hub/parcels/{order.pk}/hand-over/", {"code": wrong})
    locked = client.post(f"/hub/parcels/{order.pk}/hand-over/", {"code": order.pickup_code})
    assert locked.status_code == 409 and "code is locked" in locked.content.decode()
    assert Notification.objects.filter(kind="pickup_code_locked").exists()
    renewed = order_pickup_code_renew(order_id=order.pk, buyer=order.buyer)
    assert renewed.pickup_code and renewed.pickup_failed_attempts == 0
    done = client.post(f"/hub/parcels/{order.pk}/hand-over/", {"code": renewed.pickup_code})
    assert done.status_code == 302
    assert Order.objects.get(pk=order.pk).status == Order.Status.COMPLETED


# --- the parcel list ------------------------------------------------------------------------

def test_the_parcel_list_shows_each_state_with_counts_in_fixed_queries():
    hub = hub_make()
    agent = agent_make(hub)
    client = _client(agent)

    def queries(url):
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    on_the_way = hub_shipped(hub)
    waiting = hub_shipped(hub)
    _arrive(agent, waiting)
    hub_shipped(hub_make())  # another hub's parcel: never listed here
    page = client.get("/hub/parcels/").content.decode()
    assert f"Order #{on_the_way.pk}" in page and f"Order #{waiting.pk}" not in page
    assert "On its way to the hub <span class=\"count\">(1)</span>" in page
    assert "Waiting at the hub <span class=\"count\">(1)</span>" in page
    waiting_page = client.get("/hub/parcels/?state=waiting").content.decode()
    assert f"Order #{waiting.pk}" in waiting_page and "Hand over to the buyer" in waiting_page
    assert client.get("/hub/parcels/?state=lost").status_code == 400
    few = {state: queries(f"/hub/parcels/?state={state}")
           for state in ("on_the_way", "waiting", "collected")}
    for _ in range(4):
        _arrive(agent, hub_shipped(hub))
        hub_shipped(hub)
    many = {state: queries(f"/hub/parcels/?state={state}")
            for state in ("on_the_way", "waiting", "collected")}
    assert few == many


# --- races ----------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_hand_overs_with_the_right_code_at_once_complete_it_once():
    hub = hub_make()
    agent = agent_make(hub)
    order = hub_shipped(hub, listing=ListingFactory(price_cents=2500, shipping_cents=0))
    _arrive(agent, order)

    def hand_over(_):
        return _client(agent).post(f"/hub/parcels/{order.pk}/hand-over/",
                                   {"code": order.pickup_code}).status_code

    codes = sorted(run_together(2, hand_over))
    assert codes == [302, 409]
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert len(_released(order)) == 1
    assert escrow_summary(reference=order.reference).released_cents == 2500
    assert HubAct.objects.filter(action=HubAct.Action.PARCEL_COLLECTED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_arrival_while_the_buyer_opens_a_dispute_one_order_state_wins():
    hub = hub_make()
    agent = agent_make(hub)
    order = hub_shipped(hub)
    outcome = {}
    go = threading.Barrier(2)

    def arrive(_):
        go.wait(timeout=10)
        outcome["arrive"] = _arrive(agent, order).status_code

    def dispute(_):
        go.wait(timeout=10)
        try:
            order_dispute(order_id=order.pk, buyer=order.buyer, reason="not_received",
                          details="Nothing came.")
            outcome["dispute"] = "opened"
        except Exception as exc:  # noqa: BLE001 - recorded and checked below
            outcome["dispute"] = repr(exc)

    run_together(2, lambda i: (arrive, dispute)[i](i))
    order.refresh_from_db()
    assert order.status == Order.Status.DISPUTED and outcome["dispute"] == "opened"
    if outcome["arrive"] == 302:  # arrived first: the dispute stands, the parcel waits
        assert order.hub_arrived_at is not None
        assert order.hub_parcel_word == "Waiting at the hub"
    else:  # the dispute first: nothing arrives at a disputed order
        assert outcome["arrive"] == 409 and order.hub_arrived_at is None
    # Either way nothing is released and a hand-over is refused.
    response = _client(agent).post(f"/hub/parcels/{order.pk}/hand-over/",
                                   {"code": order.pickup_code})
    assert response.status_code == 409
    assert _released(order) == []


def test_the_service_refuses_another_hubs_reference():
    hub, other = hub_make(), hub_make()
    order = hub_shipped(hub)
    with pytest.raises(Exception) as error:
        order_hub_arrived(order_id=order.pk, hub_reference=other.reference, actor=None)
    assert getattr(error.value, "http_status", None) == 404


# --- plain words ----------------------------------------------------------------------------

def test_every_hub_parcel_page_and_the_message_read_in_plain_words():
    hub = hub_make(name="Kalona Quilt Corner")
    agent = agent_make(hub)
    not_shipped = hub_order(hub)
    on_the_way = hub_shipped(hub)
    waiting = hub_shipped(hub)
    collected = hub_shipped(hub)
    disputed = hub_shipped(hub)
    for order in (waiting, collected, disputed):
        _arrive(agent, order)
    _client(agent).post(f"/hub/parcels/{collected.pk}/hand-over/",
                        {"code": Order.objects.get(pk=collected.pk).pickup_code})
    order_dispute(order_id=disputed.pk, buyer=disputed.buyer, reason="damaged",
                  details="The box was crushed.")
    problems = {}
    agent_client = _client(agent)
    pages = [(agent_client, f"/hub/parcels/?state={state}")
             for state in ("on_the_way", "waiting", "collected")]
    pages += [(agent_client, f"/hub/parcels/{order.pk}/hand-over/")
              for order in (on_the_way, waiting, collected)]
    for order in (not_shipped, on_the_way, waiting, collected, disputed):
        pages += [(_client(order.buyer), f"/orders/{order.pk}/"),
                  (_client(order.shop.owner), f"/sell/orders/{order.pk}/")]
    buyer = UserFactory()
    cart_item_add(user=buyer, listing_id=ListingFactory().pk, quantity=1)
    pages += [(_client(buyer), "/checkout/"), (_client(buyer), "/checkout/?hub_q=Kalona")]
    for client, path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        found = raw_codes(response.content.decode())
        if found:
            problems[path] = found
    for note in Notification.objects.filter(kind="hub_parcel_arrived"):
        kind = kind_get(note.kind)
        mail = email_render(kind=kind, context=note.context, url=note.url,
                            recipient_name=note.recipient.display_name)
        for part in (mail.subject, mail.text, mail.html, message_render(kind=kind,
                                                                        context=note.context)):
            found = raw_codes(part.replace("\n", "<br>"))
            if found:
                problems[f"mail {note.pk}"] = found
    assert problems == {}


def test_the_agents_parcel_acts_are_rate_limited(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "hub_parcel": "2/hour"}
    hub = hub_make()
    agent = agent_make(hub)
    order = hub_shipped(hub)
    client = _client(agent)
    wrong = "000000" if order.pickup_code != "000000" else "111111"
    assert _arrive(agent, order).status_code == 302
    assert client.post(f"/hub/parcels/{order.pk}/hand-over/", {"code": wrong}).status_code == 400
    limited = client.post(f"/hub/parcels/{order.pk}/hand-over/", {"code": order.pickup_code})
    assert limited.status_code == 429 and limited.has_header("Retry-After")
    assert Order.objects.get(pk=order.pk).status == Order.Status.SHIPPED
    assert client.get("/hub/parcels/?state=waiting").status_code == 200  # reading is never limited


def test_a_buyer_with_only_a_phone_is_texted_the_hub_its_hours_and_the_code():
    from django.contrib.auth import get_user_model

    from notifications.rendering import sms_render

    hub = hub_make(name="Kalona Quilt Corner")
    agent = agent_make(hub)
    buyer = get_user_model().objects.create_user(email="", phone="+16085550111",
                                                 display_name="Ruth Yoder")
    order = hub_shipped(hub, buyer=buyer)
    assert _arrive(agent, order).status_code == 302
    note = Notification.objects.get(kind="hub_parcel_arrived", recipient=buyer)
    assert note.sms_state == Notification.SmsState.PENDING
    text = sms_render(kind=kind_get(note.kind), context=note.context)
    assert f"order #{order.pk} is waiting for you at Kalona Quilt Corner" in text
    assert "Mon-Fri 9 am-5 pm" in text and f"hand-over code: {order.pickup_code}" in text
    assert len(text) <= 160
    # Someone with an e-mail address reads it there, never in a text.
    other = hub_shipped(hub)
    _arrive(agent, other)
    assert Notification.objects.get(kind="hub_parcel_arrived", recipient=other.buyer
                                    ).sms_state == Notification.SmsState.NONE
