"""The agent's acts over the REST API: the same services, the same records, the same 404s."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hubs.models import HubAct, HubAgent
from hubs.services.managed import managed_shop_revoke
from orders.models import Order
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
from tests.support import client_for, jpeg_bytes

pytestmark = pytest.mark.django_db


def _last_act(shop):
    act = HubAct.objects.filter(shop=shop).order_by("-at", "-id").first()
    return act.action, act.agent_id, act.owner_id, act.reference


def test_listing_create_edit_stock_and_photo(media_in_tmp):  # noqa: F811
    agent = verified_agent()
    managed = active_managed_shop(agent)
    owner = managed.shop.owner
    CategoryFactory(slug="quilts")
    client = client_for(agent)
    base = f"/api/v1/hub/shops/{managed.shop_id}"
    created = client.post(f"{base}/listings", {
        "title": "Log cabin quilt", "category": "quilts", "price_cents": 24000, "stock": 2,
    }, format="json")
    assert created.status_code == 201, created.json()
    listing = Listing.objects.get(pk=created.json()["id"])
    assert listing.shop_id == managed.shop_id
    assert _last_act(managed.shop) == (HubAct.Action.LISTING_CREATED, agent.pk, owner.pk,
                                       f"listing:{listing.pk}")
    changed = client.patch(f"{base}/listings/{listing.pk}", {"price_cents": 22000},
                           format="json")
    assert (changed.status_code, changed.json()["price_cents"]) == (200, 22000)
    assert _last_act(managed.shop)[0] == HubAct.Action.LISTING_CHANGED
    stock = client.post(f"{base}/listings/{listing.pk}/stock", {"stock": 5}, format="json")
    assert (stock.status_code, stock.json()["stock"]) == (200, 5)
    assert HubAct.objects.filter(shop=managed.shop).first().detail == (
        "Log cabin quilt: stock 2 → 5")
    photo = SimpleUploadedFile("q.jpg", jpeg_bytes(), "image/jpeg")
    image = client.post(f"{base}/listings/{listing.pk}/images", {"image": photo},
                        format="multipart")
    assert image.status_code == 201
    assert _last_act(managed.shop)[0] == HubAct.Action.LISTING_PHOTO_ADDED
    overview = client.get(base).json()
    assert [row["id"] for row in overview["listings"]] == [listing.pk]
    assert overview["activity"][0]["action"] == "listing_photo_added"
    assert overview["activity"][0]["by"] == agent.display_name
    assert overview["activity"][0]["owner"] == owner.display_name
    assert overview["managed"]["shop"]["id"] == managed.shop_id


def test_bad_input_is_400_and_records_nothing(media_in_tmp):  # noqa: F811
    agent = verified_agent()
    managed = active_managed_shop(agent)
    listing = ListingFactory(shop=managed.shop, stock=3)
    order = builders.paid_order(listing=ListingFactory(shop=managed.shop))
    client = client_for(agent)
    base = f"/api/v1/hub/shops/{managed.shop_id}"
    before = HubAct.objects.count()
    bad_listing = client.post(f"{base}/listings", {"title": "", "category": "none",
                                                   "price_cents": 0, "stock": -1},
                              format="json")
    assert bad_listing.status_code == 400
    assert set(bad_listing.json()) == {"title", "category", "price_cents", "stock"}
    assert client.post(f"{base}/listings/{listing.pk}/stock", {"stock": -2},
                       format="json").status_code == 400
    ship = client.post(f"{base}/orders/{order.pk}/ship", {"carrier": ""}, format="json")
    assert ship.status_code == 400 and set(ship.json()) == {"carrier", "tracking_number"}
    assert client.post(f"{base}/orders/{order.pk}/pickup", {"code": "12"},
                       format="json").status_code == 400
    not_image = SimpleUploadedFile("q.jpg", b"plain text", "image/jpeg")
    assert client.post(f"{base}/listings/{listing.pk}/images", {"image": not_image},
                       format="multipart").status_code == 415
    assert client.post(f"{base}/listings/{listing.pk}/images", {},
                       format="multipart").status_code == 400
    # Answering a dispute that is not open is a conflict.
    answer = client.post(f"{base}/orders/{order.pk}/dispute-statement",
                         {"text": "All fine."}, format="json")
    assert answer.status_code == 409
    assert HubAct.objects.count() == before


def test_ship_hand_over_and_dispute_answer():
    agent = verified_agent()
    managed = active_managed_shop(agent)
    owner = managed.shop.owner
    client = client_for(agent)
    base = f"/api/v1/hub/shops/{managed.shop_id}"
    to_ship = builders.paid_order(listing=ListingFactory(shop=managed.shop))
    shipped = client.post(f"{base}/orders/{to_ship.pk}/ship",
                          {"carrier": "UPS", "tracking_number": "1Z999"}, format="json")
    assert shipped.status_code == 200
    assert (shipped.json()["status"], shipped.json()["carrier"]) == ("shipped", "UPS")
    assert _last_act(managed.shop) == (HubAct.Action.ORDER_SHIPPED, agent.pk, owner.pk,
                                       f"order:{to_ship.pk}")
    again = client.post(f"{base}/orders/{to_ship.pk}/ship",
                        {"carrier": "UPS", "tracking_number": "1Z999"}, format="json")
    assert again.status_code == 409
    pickup = builders.paid_order(listing=ListingFactory(shop=managed.shop, local_pickup=True),
                                 fulfillment="pickup")
    handed = client.post(f"{base}/orders/{pickup.pk}/pickup", {"code": pickup.pickup_code},
                         format="json")
    assert (handed.status_code, handed.json()["status"]) == (200, "completed")
    disputed = builders.disputed_order(listing=ListingFactory(shop=managed.shop))
    answer = client.post(f"{base}/orders/{disputed.pk}/dispute-statement",
                         {"text": "Tracking shows it was delivered on Monday."}, format="json")
    assert (answer.status_code, answer.json()["role"]) == (201, "seller")
    assert _last_act(managed.shop) == (HubAct.Action.DISPUTE_ANSWERED, agent.pk, owner.pk,
                                       f"order:{disputed.pk}")
    assert [act.action for act in HubAct.objects.filter(shop=managed.shop)
            .order_by("at", "id")] == [
        HubAct.Action.SHOP_OPENED, HubAct.Action.ORDER_SHIPPED,
        HubAct.Action.ORDER_HANDED_OVER, HubAct.Action.DISPUTE_ANSWERED]


def test_an_order_of_another_shop_is_404_even_through_a_managed_shop():
    agent = verified_agent()
    managed = active_managed_shop(agent)
    elsewhere = builders.paid_order()
    response = client_for(agent).post(
        f"/api/v1/hub/shops/{managed.shop_id}/orders/{elsewhere.pk}/ship",
        {"carrier": "UPS", "tracking_number": "1"}, format="json")
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == Order.Status.PAID


@pytest.mark.parametrize("who", ["another agent of the hub", "an agent of another hub",
                                 "revoked by the owner", "removed by staff"])
def test_anyone_but_the_managing_agent_gets_404(who):
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
    else:
        agency_set(agent, HubAgent.Status.REMOVED)
    client = client_for(person)
    base = f"/api/v1/hub/shops/{managed.shop_id}"
    before = HubAct.objects.count()
    calls = [
        client.get(base),
        client.post(f"{base}/listings", {"title": "X", "category": "x", "price_cents": 1,
                                         "stock": 1}, format="json"),
        client.patch(f"{base}/listings/{listing.pk}", {"stock": 1}, format="json"),
        client.post(f"{base}/listings/{listing.pk}/stock", {"stock": 1}, format="json"),
        client.post(f"{base}/orders/{order.pk}/ship", {"carrier": "UPS",
                                                       "tracking_number": "1"}, format="json"),
        client.post(f"{base}/orders/{order.pk}/pickup", {"code": "123456"}, format="json"),
        client.post(f"{base}/orders/{order.pk}/dispute-statement", {"text": "x"},
                    format="json"),
        client.post(f"{base}/takeover-link"),
    ]
    assert [call.status_code for call in calls] == [404] * len(calls)
    assert calls[0].json() == {"detail": "No managed shop with that number."}
    listing.refresh_from_db()
    order.refresh_from_db()
    assert (listing.stock, order.status, HubAct.objects.count()) == (7, "paid", before)


def test_the_owner_reads_and_revokes_the_agency_over_the_api():
    agent = verified_agent()
    managed = managed_shop(agent)
    owner = managed.shop.owner
    client = client_for(owner)
    agency = client.get("/api/v1/seller/hub-agent")
    assert agency.status_code == 200
    assert agency.json()["managed"]["agent"] == agent.display_name
    assert agency.json()["activity"][0]["action"] == "shop_opened"
    revoked = client.post("/api/v1/seller/hub-agent/revoke")
    assert (revoked.status_code, revoked.json()["end_reason"]) == (200, "owner_revoked")
    assert client.post("/api/v1/seller/hub-agent/revoke").status_code == 404
    assert client_for(agent).get(f"/api/v1/hub/shops/{managed.shop_id}").status_code == 404


def test_someone_without_an_agency_gets_404_from_the_owner_endpoints():
    client = client_for(builders.paid_order().shop.owner)
    assert client.get("/api/v1/seller/hub-agent").status_code == 404
    assert client.post("/api/v1/seller/hub-agent/revoke").status_code == 404


def test_the_overview_endpoint_costs_the_same_for_1_and_20_rows(django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agent = verified_agent()
    managed = active_managed_shop(agent)
    builders.paid_order(listing=ListingFactory(shop=managed.shop))
    client = client_for(agent)
    url = f"/api/v1/hub/shops/{managed.shop_id}"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    ListingFactory.create_batch(18, shop=managed.shop)
    builders.paid_order(listing=ListingFactory(shop=managed.shop))
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(client.get(url).json()["listings"]) == 20


def test_an_agents_acts_are_rate_limited(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "hub_act": "2/hour"}
    agent = verified_agent()
    managed = active_managed_shop(agent)
    listing = ListingFactory(shop=managed.shop, stock=1)
    client = client_for(agent)
    url = f"/api/v1/hub/shops/{managed.shop_id}/listings/{listing.pk}/stock"
    answers = [client.post(url, {"stock": n}, format="json") for n in (2, 3, 4)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert int(answers[2]["Retry-After"]) > 0
    listing.refresh_from_db()
    assert listing.stock == 3


def test_the_agent_lists_the_shops_they_run_at_a_fixed_query_count(django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agent = verified_agent()
    first = managed_shop(agent, shop_name="Aaron's Honey")
    managed_shop(verified_agent(hub=first.hub, name="Other"))  # another agent's: not listed
    client = client_for(agent)
    client.get("/api/v1/hub/shops")
    with CaptureQueriesContext(connection) as one:
        answer = client.get("/api/v1/hub/shops")
    assert answer.status_code == 200
    assert [row["shop"]["id"] for row in answer.json()["results"]] == [first.shop_id]
    for number in range(19):
        managed_shop(agent, shop_name=f"Zed Farm {number:02d}")
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get("/api/v1/hub/shops").json()
    assert page["count"] == 20 and page["results"][0]["shop"]["name"] == "Aaron's Honey"
    managed_shop_revoke(owner=first.shop.owner, shop_id=first.shop_id)
    assert client.get("/api/v1/hub/shops").json()["count"] == 19
    nobody = client_for(builders.paid_order().buyer).get("/api/v1/hub/shops").json()
    assert nobody["count"] == 0
