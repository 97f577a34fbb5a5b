"""Ship to a village hub through the REST API: the pick-up points, checkout with `hub` paid on
localstripe, the order's hub facts and code, and the agent's parcel endpoints (list, arrived,
hand-over), with bad input, permissions and a race."""

import pytest

from hubs.models import HubAct, HubAgent
from orders.models import Checkout, Order
from payments.models import JournalEntry
from payments.selectors import escrow_summary
from tests.builders import ADDRESS
from tests.checkout_http import add, pay
from tests.factories import ListingFactory, UserFactory
from tests.hubs.parcels_support import agent_make, hub_make, hub_shipped
from tests.support import client_for, run_together

pytestmark = pytest.mark.django_db


def _checkout(client, body, key="hub-key-1"):
    return client.post("/api/v1/checkout", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_hub_points_list_open_hubs_and_narrow_by_a_search(api_client, buyer):
    kalona = hub_make(name="Kalona Quilt Corner")
    hub_make(name="Arthur Dry Goods")
    hub_make(name="Shut Down Hub", is_open=False)
    every = api_client.get("/api/v1/hub-points").json()
    assert {row["name"] for row in every} == {"Kalona Quilt Corner", "Arthur Dry Goods"}
    row = next(row for row in every if row["slug"] == kalona.slug)
    assert row["opening_hours"] == kalona.opening_hours
    assert row["address"]["line1"] == kalona.line1 and row["village"] == kalona.village.name
    found = api_client.get("/api/v1/hub-points", {"q": "kalona"}).json()
    assert [row["slug"] for row in found] == [kalona.slug]
    assert api_client.get("/api/v1/hub-points", {"q": "x" * 101}).status_code == 400


def test_checkout_with_a_hub_pays_and_the_order_shows_the_hub_and_later_the_code(
        api_client, buyer, localstripe):
    hub = hub_make(name="Kalona Quilt Corner")
    agent = agent_make(hub)
    add(api_client, ListingFactory(price_cents=1800, shipping_cents=600))
    created = _checkout(api_client, {"fulfillment": "ship", "hub": hub.slug})
    assert created.status_code == 201, created.json()
    assert created.json()["amount_cents"] == 2400  # shipping as usual
    assert pay(api_client, created.json()["id"]).status_code == 200
    (order_id,) = created.json()["orders"]
    data = api_client.get(f"/api/v1/orders/{order_id}").json()
    assert data["hub"] == {
        "reference": hub.reference, "name": "Kalona Quilt Corner",
        "opening_hours": hub.opening_hours, "parcel": "not_shipped",
        "parcel_label": "Not shipped yet", "arrived_at": None,
    }
    assert data["shipping_address"]["name"] == "Dana Buyer c/o Kalona Quilt Corner"
    assert data["pickup_code"] is None
    order = Order.objects.get(pk=order_id)
    seller = client_for(order.shop.owner)
    shipped = seller.post(f"/api/v1/orders/{order_id}/ship",
                          {"carrier": "USPS", "tracking_number": "9400111"}, format="json")
    assert shipped.status_code == 200, shipped.json()
    assert api_client.get(f"/api/v1/orders/{order_id}").json()["hub"]["parcel"] == "on_the_way"
    assert client_for(agent).post(f"/api/v1/hub/parcels/{order_id}/arrived").status_code == 200
    data = api_client.get(f"/api/v1/orders/{order_id}").json()
    assert data["hub"]["parcel_label"] == "Waiting at the hub" and data["hub"]["arrived_at"]
    assert data["pickup_code"] == order.pickup_code
    # The seller never sees the buyer's code.
    assert seller.get(f"/api/v1/orders/{order_id}").json()["pickup_code"] is None


@pytest.mark.parametrize("case", ["unknown", "closed", "with_address", "pickup", "not_text",
                                  "unicode_digits", "huge_number"])
def test_a_bad_hub_at_checkout_is_400_with_a_clear_message(api_client, buyer, case):
    hub = hub_make(name="Closed Mill Hub", is_open=case != "closed")
    add(api_client, ListingFactory(local_pickup=True))
    body = {"unknown": {"fulfillment": "ship", "hub": "no-such-hub"},
            "closed": {"fulfillment": "ship", "hub": hub.slug},
            "with_address": {"fulfillment": "ship", "hub": hub.slug,
                             "shipping_address": ADDRESS},
            "pickup": {"fulfillment": "pickup", "hub": hub.slug},
            "not_text": {"fulfillment": "ship", "hub": {"slug": hub.slug}},
            "unicode_digits": {"fulfillment": "ship", "hub": "hub:³"},
            "huge_number": {"fulfillment": "ship", "hub": "hub:99999999999999999999"}}[case]
    response = _checkout(api_client, body)
    assert response.status_code == 400, response.json()
    message = " ".join(response.json()["hub"])
    assert {"unknown": "We know no hub by that name", "closed": "Closed Mill Hub is closed",
            "with_address": "not both", "pickup": "choose shipping",
            "not_text": "valid string", "unicode_digits": "We know no hub by that name",
            "huge_number": "We know no hub by that name"}[case] in message
    assert not Checkout.objects.exists()


def test_the_schema_and_docs_name_the_hub_field(api_client, buyer):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "A village hub's slug" in schema
    assert "/api/v1/hub/parcels/{order_id}/hand-over" in schema
    with open("docs/api.md") as docs:
        text = docs.read()
    assert "/api/v1/hub-points" in text
    assert "/api/v1/hub/parcels/{order_id}/hand-over" in text and '"hub"' in text


def test_the_agent_lists_marks_and_hands_over_parcels_with_clear_errors():
    hub = hub_make()
    agent = agent_make(hub)
    client = client_for(agent)
    order = hub_shipped(hub, listing=ListingFactory(price_cents=3000, shipping_cents=0))
    listed = client.get("/api/v1/hub/parcels/").json()
    assert listed["counts"] == {"on_the_way": 1, "waiting": 0, "collected": 0}
    assert [row["order"] for row in listed["results"]] == [order.pk]
    assert listed["results"][0]["state_label"] == "On its way to the hub"
    assert client.get("/api/v1/hub/parcels/?state=lost").status_code == 400
    early = client.post(f"/api/v1/hub/parcels/{order.pk}/hand-over",
                        {"code": order.pickup_code}, format="json")
    assert early.status_code == 409 and "not arrived" in early.json()["detail"]
    arrived = client.post(f"/api/v1/hub/parcels/{order.pk}/arrived")
    assert arrived.status_code == 200 and arrived.json()["state"] == "waiting"
    twice = client.post(f"/api/v1/hub/parcels/{order.pk}/arrived")
    assert twice.status_code == 409 and "already marked arrived" in twice.json()["detail"]
    assert client.post(f"/api/v1/hub/parcels/{order.pk}/hand-over", {"code": "12"},
                       format="json").status_code == 400
    wrong = "000000" if order.pickup_code != "000000" else "111111"
    refused = client.post(f"/api/v1/hub/parcels/{order.pk}/hand-over", {"code": wrong},
                          format="json")
    assert refused.status_code == 400 and "9 tries left" in refused.json()["detail"]
    done = client.post(f"/api/v1/hub/parcels/{order.pk}/hand-over",
                       {"code": order.pickup_code}, format="json")
    assert done.status_code == 200 and done.json()["state_label"] == "Collected"
    assert done.json()["collected_at"]
    assert escrow_summary(reference=order.reference).released_cents == 3000
    assert client.get("/api/v1/hub/parcels/?state=collected").json()["counts"] == {
        "on_the_way": 0, "waiting": 0, "collected": 1}
    assert list(HubAct.objects.filter(hub=hub).order_by("at", "id")
                .values_list("action", flat=True)) == ["parcel_arrived", "parcel_collected"]


def test_another_hubs_agent_the_buyer_and_a_pending_agent_get_404():
    hub, elsewhere = hub_make(), hub_make()
    order = hub_shipped(hub)
    for person in (agent_make(elsewhere), order.buyer, order.shop.owner,
                   agent_make(hub, status=HubAgent.Status.PENDING)):
        client = client_for(person)
        assert client.post(f"/api/v1/hub/parcels/{order.pk}/arrived").status_code == 404
        assert client.post(f"/api/v1/hub/parcels/{order.pk}/hand-over",
                           {"code": order.pickup_code}, format="json").status_code == 404
    assert client_for(order.buyer).get("/api/v1/hub/parcels/").status_code == 404
    from rest_framework.test import APIClient
    assert APIClient().get("/api/v1/hub/parcels/").status_code in (401, 403)
    order.refresh_from_db()
    assert order.hub_arrived_at is None and order.status == Order.Status.SHIPPED


@pytest.mark.django_db(transaction=True)
def test_two_agents_of_the_hub_hand_over_at_once_the_money_is_released_once():
    hub = hub_make()
    agents = [agent_make(hub), agent_make(hub)]
    order = hub_shipped(hub, buyer=UserFactory(),
                        listing=ListingFactory(price_cents=2200, shipping_cents=0))
    assert client_for(agents[0]).post(f"/api/v1/hub/parcels/{order.pk}/arrived").status_code \
        == 200

    def hand_over(index):
        return client_for(agents[index]).post(f"/api/v1/hub/parcels/{order.pk}/hand-over",
                                              {"code": order.pickup_code},
                                              format="json").status_code

    assert sorted(run_together(2, hand_over)) == [200, 409]
    assert JournalEntry.objects.filter(reference=order.reference, kind="release").count() == 1
    assert Order.objects.get(pk=order.pk).status == Order.Status.COMPLETED


def test_the_parcel_list_costs_the_same_queries_for_one_or_many_parcels():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    hub = hub_make()
    agent = agent_make(hub)
    client = client_for(agent)

    def queries():
        counts = {}
        for state in ("on_the_way", "waiting", "collected"):
            with CaptureQueriesContext(connection) as context:
                assert client.get(f"/api/v1/hub/parcels/?state={state}").status_code == 200
            counts[state] = len(context)
        return counts

    hub_shipped(hub)
    client.post(f"/api/v1/hub/parcels/{hub_shipped(hub).pk}/arrived")
    few = queries()
    for _ in range(4):
        hub_shipped(hub)
        client.post(f"/api/v1/hub/parcels/{hub_shipped(hub).pk}/arrived")
    assert queries() == few


def test_a_repeated_checkout_with_its_key_is_the_same_and_another_hub_is_409(
        api_client, buyer, localstripe):
    first_hub, second_hub = hub_make(), hub_make()
    add(api_client, ListingFactory())
    created = _checkout(api_client, {"fulfillment": "ship", "hub": first_hub.slug}, key="k-rep")
    again = _checkout(api_client, {"fulfillment": "ship", "hub": first_hub.slug}, key="k-rep")
    assert created.status_code == 201 and again.json()["id"] == created.json()["id"]
    other = _checkout(api_client, {"fulfillment": "ship", "hub": second_hub.slug}, key="k-rep")
    assert other.status_code == 409
    assert Checkout.objects.count() == 1
