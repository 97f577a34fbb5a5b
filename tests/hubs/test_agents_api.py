"""The hubs and agents REST API: public hubs, applications, the agent's hub, staff decisions."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from hubs.models import HubAct, HubAgent, ManagedShop
from moderation.models import AuditLog
from notifications.models import Notification
from tests import builders
from tests.factories import UserFactory
from tests.hubs.agents_support import (
    STATEMENT,
    applied,
    cash_out_waiting,
    managed_shop,
    verified_agent,
)
from tests.support import audit_rows, client_for

pytestmark = pytest.mark.django_db


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def staff():
    moderator = builders.moderator()
    return moderator, client_for(moderator)


# --- public ---------------------------------------------------------------------------------

def test_the_hub_list_is_paginated_and_shows_open_hubs_only(api_client):
    hub = builders.hub(name="Viroqua Hub")
    closed = builders.hub(name="Closed Hub")
    closed.is_open = False
    closed.save()
    body = api_client.get("/api/v1/hubs").json()
    assert set(body) == {"count", "next", "previous", "results"} and body["count"] == 1
    (row,) = body["results"]
    assert row == {
        "slug": hub.slug, "name": "Viroqua Hub",
        "village": {"slug": hub.village.slug, "name": hub.village.name,
                    "state": hub.village.state},
        "line1": hub.line1, "line2": "", "city": hub.city, "state": hub.state,
        "postal_code": "53801", "phone": "+16085550100", "opening_hours": hub.opening_hours}


def test_the_hub_list_costs_the_same_queries_with_one_or_twenty_hubs(api_client):
    builders.hub()
    one = _count(api_client, "/api/v1/hubs")
    for _ in range(19):
        builders.hub()
    assert _count(api_client, "/api/v1/hubs") == one == 2  # count, page


def test_a_hub_shows_its_verified_agents_and_active_managed_shops(api_client):
    hub = builders.hub()
    agent = verified_agent(hub=hub, user=UserFactory(display_name="Avery Agent"))
    applied(hub=hub)
    managed = managed_shop(agent, name="Kickapoo Eggs")
    body = api_client.get(f"/api/v1/hubs/{hub.slug}").json()
    assert body["agents"] == [{"display_name": "Avery Agent"}]
    assert body["shops"] == [{"slug": managed.shop.slug, "name": "Kickapoo Eggs"}]
    assert "email" not in str(body)
    one = _count(api_client, f"/api/v1/hubs/{hub.slug}")
    for _ in range(5):
        managed_shop(verified_agent(hub=hub))
    assert _count(api_client, f"/api/v1/hubs/{hub.slug}") == one
    assert api_client.get("/api/v1/hubs/no-such-hub").status_code == 404


# --- applications ---------------------------------------------------------------------------

def test_a_person_applies_through_the_api():
    hub = builders.hub()
    person = UserFactory()
    response = client_for(person).post(f"/api/v1/hubs/{hub.slug}/agent-applications",
                                       {"statement": STATEMENT}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["hub"], body["status"], body["status_label"], body["decided_at"]) == (
        hub.slug, "pending", "Waiting for staff", None)
    assert HubAgent.objects.get(pk=body["id"]).user == person


@pytest.mark.parametrize("payload, status, field", [
    ({}, 400, "statement"),
    ({"statement": "Too short."}, 400, "statement"),
    ({"statement": "x" * 2001}, 400, "statement"),
    ({"statement": ["a", "list"]}, 400, "statement"),
])
def test_bad_applications_are_400s_with_the_field(payload, status, field):
    hub = builders.hub()
    response = client_for(UserFactory()).post(f"/api/v1/hubs/{hub.slug}/agent-applications",
                                              payload, format="json")
    assert response.status_code == status and field in response.json()
    assert not HubAgent.objects.exists()


def test_who_may_apply_where():
    hub = builders.hub()
    url = f"/api/v1/hubs/{hub.slug}/agent-applications"
    assert APIClient().post(url, {"statement": STATEMENT}, format="json").status_code == 401
    unconfirmed = client_for(UserFactory(email_confirmed_at=None))
    response = unconfirmed.post(url, {"statement": STATEMENT}, format="json")
    assert response.status_code == 403 and "Confirm your e-mail" in response.json()["detail"]
    person = client_for(UserFactory())
    assert person.post("/api/v1/hubs/nowhere/agent-applications", {"statement": STATEMENT},
                       format="json").status_code == 404
    assert person.post(url, {"statement": STATEMENT}, format="json").status_code == 201
    again = person.post(f"/api/v1/hubs/{builders.hub().slug}/agent-applications",
                        {"statement": STATEMENT}, format="json")
    assert again.status_code == 409
    assert "one application at a time" in again.json()["detail"]
    assert HubAgent.objects.count() == 1


def test_applications_are_rate_limited(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "hub": "1/hour"}
    hub = builders.hub()
    client = client_for(UserFactory())
    url = f"/api/v1/hubs/{hub.slug}/agent-applications"
    assert client.post(url, {"statement": STATEMENT}, format="json").status_code == 201
    response = client.post(url, {"statement": STATEMENT}, format="json")
    assert response.status_code == 429 and "Retry-After" in response
    assert HubAgent.objects.count() == 1


# --- the agent's hub --------------------------------------------------------------------------

def test_an_agent_reads_their_hub_and_counts():
    agent = verified_agent()
    managed = managed_shop(agent)
    builders.paid_order(shop=managed.shop)
    builders.paid_order(shop=managed.shop)
    cash_out_waiting(managed)
    client = client_for(agent.user)
    body = client.get("/api/v1/hub/me").json()
    assert body["hub"]["slug"] == agent.hub.slug
    assert body["counts"] == {"managed_shops": 1, "orders_to_ship": 2, "cash_outs_waiting": 1,
                              "parcels_on_the_way": 0, "parcels_waiting": 0,
                              "cash_ready_shops": 0, "cash_ready_cents": 0}
    one = _count(client, "/api/v1/hub/me")
    for _ in range(5):
        builders.paid_order(shop=managed_shop(agent).shop)
    assert _count(client, "/api/v1/hub/me") == one


def test_people_who_are_not_agents_get_403_from_their_hub():
    assert APIClient().get("/api/v1/hub/me").status_code == 401
    pending = applied()
    for user in (UserFactory(), pending.user):
        response = client_for(user).get("/api/v1/hub/me")
        assert response.status_code == 403
        assert "not a verified agent" in response.json()["detail"]


# --- staff: the queue and decisions -----------------------------------------------------------

def test_staff_list_applications_by_status(staff):
    _, client = staff
    waiting = applied()
    verified_agent()
    body = client.get("/api/v1/moderation/hubs/agent-applications").json()
    assert [row["id"] for row in body["results"]] == [waiting.pk]
    assert body["results"][0]["user"]["email"] == waiting.user.email
    verified = client.get("/api/v1/moderation/hubs/agent-applications?status=verified").json()
    assert verified["count"] == 1
    bad = client.get("/api/v1/moderation/hubs/agent-applications?status=sleeping")
    assert bad.status_code == 400 and "status" in bad.json()
    one = _count(client, "/api/v1/moderation/hubs/agent-applications")
    for _ in range(19):
        applied()
    assert _count(client, "/api/v1/moderation/hubs/agent-applications") == one


def test_staff_verify_and_reject_through_the_api(staff):
    moderator, client = staff
    first, second = applied(), applied()
    url = "/api/v1/moderation/hubs/agent-applications/{}/decision"
    response = client.post(url.format(first.pk), {"decision": "verify"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "verified"
    response = client.post(url.format(second.pk), {"decision": "reject", "note": "Unknown."},
                           format="json")
    assert response.json()["status_label"] == "Not accepted"
    assert [row[0] for row in audit_rows(object_type="hub_agent")] == [
        "agent_verified", "agent_rejected"]
    assert list(Notification.objects.filter(recipient__in=[first.user, second.user])
                .order_by("id").values_list("kind", flat=True)) == [
        "hub_agent_verified", "hub_agent_rejected"]


@pytest.mark.parametrize("payload, field", [
    ({}, "decision"), ({"decision": "maybe"}, "decision"),
    ({"decision": "reject"}, "note"), ({"decision": "reject", "note": "   "}, "note"),
])
def test_bad_decisions_are_400s_and_change_nothing(staff, payload, field):
    _, client = staff
    application = applied()
    response = client.post(
        f"/api/v1/moderation/hubs/agent-applications/{application.pk}/decision", payload,
        format="json")
    assert response.status_code == 400 and field in response.json()
    application.refresh_from_db()
    assert application.status == HubAgent.Status.PENDING
    assert not AuditLog.objects.filter(object_type="hub_agent").exists()


def test_deciding_twice_or_an_unknown_application(staff):
    _, client = staff
    application = verified_agent()
    url = "/api/v1/moderation/hubs/agent-applications/{}/decision"
    response = client.post(url.format(application.pk), {"decision": "verify"}, format="json")
    assert response.status_code == 409 and "already decided" in response.json()["detail"]
    for number in (999999, 2**40):
        assert client.post(url.format(number), {"decision": "verify"},
                           format="json").status_code == 404


def test_only_moderators_use_the_staff_api():
    application = applied()
    for client in (client_for(UserFactory()), client_for(application.user)):
        assert client.get("/api/v1/moderation/hubs/agent-applications").status_code == 403
        assert client.post(
            f"/api/v1/moderation/hubs/agent-applications/{application.pk}/decision",
            {"decision": "verify"}, format="json").status_code == 403
        assert client.post("/api/v1/moderation/hubs", {}, format="json").status_code == 403
    application.refresh_from_db()
    assert application.status == HubAgent.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_staff_deciding_one_application_at_once_one_wins_the_other_409():
    application = applied()
    clients = [client_for(builders.moderator()) for _ in range(2)]
    url = f"/api/v1/moderation/hubs/agent-applications/{application.pk}/decision"
    barrier = threading.Barrier(2)
    results = [None, None]

    def decide(index, decision):
        try:
            barrier.wait(timeout=30)
            results[index] = clients[index].post(
                url, {"decision": decision, "note": "Checked."}, format="json").status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(0, "verify")),
               threading.Thread(target=decide, args=(1, "reject"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 409]
    assert AuditLog.objects.filter(object_type="hub_agent").count() == 1
    assert Notification.objects.filter(recipient=application.user).count() == 1


# --- staff: removing an agent -----------------------------------------------------------------

def test_staff_remove_an_agent_through_the_api(staff):
    moderator, client = staff
    agent = verified_agent()
    managed = managed_shop(agent)
    response = client.post(f"/api/v1/moderation/hubs/agents/{agent.pk}/remove",
                           {"note": "Moved away."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "removed"
    managed.refresh_from_db()
    assert (managed.end_reason, managed.ended_by) == ("agent_removed", moderator)
    assert client_for(agent.user).get("/api/v1/hub/me").status_code == 403
    again = client.post(f"/api/v1/moderation/hubs/agents/{agent.pk}/remove",
                        {"note": "Moved away."}, format="json")
    assert again.status_code == 409
    assert ManagedShop.objects.filter(ended_at__isnull=True).count() == 0


def test_removal_without_a_note_or_of_a_pending_application(staff):
    _, client = staff
    agent, pending = verified_agent(), applied()
    url = "/api/v1/moderation/hubs/agents/{}/remove"
    assert client.post(url.format(agent.pk), {}, format="json").status_code == 400
    assert client.post(url.format(pending.pk), {"note": "x"}, format="json").status_code == 409
    assert client.post(url.format(999999), {"note": "x"}, format="json").status_code == 404
    assert HubAgent.objects.filter(status="removed").count() == 0


# --- staff: hubs ----------------------------------------------------------------------------

HUB = {"village": "", "name": "Prairie du Chien Feed & Hub", "line1": "101 W Blackhawk Ave",
       "city": "Prairie du Chien", "state": "WI", "postal_code": "53821",
       "phone": "(608) 555-0142", "opening_hours": "Mon–Fri 8 am–5 pm, Sat 8 am–noon",
       "commission_bps": 250}


def test_staff_open_a_hub_through_the_api(staff):
    moderator, client = staff
    village = builders.hub().village
    response = client.post("/api/v1/moderation/hubs", {**HUB, "village": village.slug},
                           format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["slug"], body["phone"], body["commission_bps"], body["is_open"]) == (
        "prairie-du-chien-feed-hub", "+16085550142", 250, True)
    assert body["agent_count"] == body["pending_count"] == body["managed_count"] == 0
    assert audit_rows(object_type="hub")[0][0] == "hub_created"
    assert HubAct.objects.filter(action=HubAct.Action.HUB_CREATED, agent=moderator).count() == 1
    second = client.post("/api/v1/moderation/hubs", {**HUB, "village": village.slug},
                         format="json")
    assert second.json()["slug"] == "prairie-du-chien-feed-hub-2"


@pytest.mark.parametrize("change, field", [
    ({"phone": "call me"}, "phone"), ({"phone": "555-0142"}, "phone"),
    ({"commission_bps": 1001}, "commission_bps"), ({"commission_bps": -1}, "commission_bps"),
    ({"village": "nowhere"}, "village"), ({"state": "ZZ"}, "state"),
    ({"postal_code": "5382"}, "postal_code"), ({"name": ""}, "name"),
    ({"opening_hours": "   "}, "opening_hours"),
])
def test_bad_hubs_are_400s_with_the_field(staff, change, field):
    _, client = staff
    village = builders.hub().village
    response = client.post("/api/v1/moderation/hubs", {**HUB, "village": village.slug, **change},
                           format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not AuditLog.objects.filter(object_type="hub").exists()


def test_staff_change_a_hubs_commission_and_close_it(staff):
    moderator, client = staff
    hub = builders.hub(commission_bps=300)
    url = f"/api/v1/moderation/hubs/{hub.slug}"
    response = client.patch(url, {"commission_bps": 450}, format="json")
    assert response.status_code == 200 and response.json()["commission_bps"] == 450
    assert HubAct.objects.get(action=HubAct.Action.COMMISSION_CHANGED).detail == (
        "300 → 450 basis points")
    response = client.patch(url, {"is_open": False, "note": "Store sold."}, format="json")
    assert response.json()["is_open"] is False
    assert [row[:1] + row[3:] for row in audit_rows(object_type="hub")] == [
        ("hub_changed", "Commission 300 → 450 basis points.", "open", "open"),
        ("hub_changed", "Closed. Store sold.", "open", "closed")]
    assert APIClient().get(f"/api/v1/hubs/{hub.slug}").status_code == 404
    assert client.patch(url, {}, format="json").status_code == 400
    assert client.patch(url, {"commission_bps": 1001}, format="json").status_code == 400
    assert client.patch("/api/v1/moderation/hubs/nowhere", {"is_open": True},
                        format="json").status_code == 404


def test_the_schema_documents_the_hub_routes(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/v1/hubs", "/api/v1/hubs/{slug}", "/api/v1/hubs/{slug}/agent-applications",
                 "/api/v1/hub/me", "/api/v1/moderation/hubs",
                 "/api/v1/moderation/hubs/{slug}",
                 "/api/v1/moderation/hubs/agent-applications",
                 "/api/v1/moderation/hubs/agent-applications/{application_id}/decision",
                 "/api/v1/moderation/hubs/agents/{agent_id}/remove"):
        assert path in schema["paths"], path
    assert "HubAgentStatusEnum" in schema["components"]["schemas"]
