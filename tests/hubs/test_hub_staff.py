"""The staff pages for hubs: the list with counts, opening a hub, its commission, closing and
reopening it, and the queue of agent applications."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hubs.models import Hub, HubAct
from hubs.selectors import agency_of
from moderation.models import AuditLog
from tests import builders
from tests.factories import UserFactory, VillageFactory
from tests.hubs.agents_support import applied, managed_shop, verified_agent
from tests.plain_words import raw_codes
from tests.staff import staff_login, staff_make
from tests.support import audit_rows

pytestmark = pytest.mark.django_db

FORM = {"name": "Prairie du Chien Feed & Hub", "line1": "101 W Blackhawk Ave", "line2": "",
        "city": "Prairie du Chien", "state": "WI", "postal_code": "53821",
        "phone": "608.555.0142", "opening_hours": "Mon–Fri 8 am–5 pm, Sat 8 am–noon",
        "commission_bps": "250"}


@pytest.fixture
def moderator():
    return builders.moderator(display_name="Morgan Moderator")


@pytest.fixture
def staff(moderator):
    return staff_login(Client(), moderator)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_staff_see_every_hub_with_its_counts(staff):
    hub = builders.hub(name="Viroqua Hub")
    agent = verified_agent(hub=hub)
    applied(hub=hub)
    managed_shop(agent)
    closed = builders.hub(name="Closed Hub")
    Hub.objects.filter(pk=closed.pk).update(is_open=False)
    page = staff.get("/staff/hubs/").content.decode()
    row = page.split(f'id="hub-{hub.slug}"')[1].split("</tr>")[0]
    assert [cell.split(">")[1].split("<")[0] for cell in row.split("<td")[3:7]] == [
        "Open", "1", "1", "1"]
    assert "Closed Hub" in page and ">Closed<" in page
    assert 'name="opening_hours"' in page
    assert raw_codes(page) == []


def test_staff_open_a_hub_with_the_form(staff, moderator):
    village = VillageFactory(name="Prairie du Chien", state="WI")
    response = staff.post("/staff/hubs/", {**FORM, "village": village.pk})
    hub = Hub.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/hubs/{hub.slug}/"
    assert (hub.phone, hub.commission_bps, hub.village, hub.is_open) == (
        "+16085550142", 250, village, True)
    assert audit_rows(object_type="hub") == [
        ("hub_created", "hub", str(hub.pk),
         "Opened in Prairie du Chien, WI; commission 250 basis points.", "", "open")]
    assert HubAct.objects.get(hub=hub).action == HubAct.Action.HUB_CREATED
    page = staff.get(f"/staff/hubs/{hub.slug}/").content.decode()
    assert "Prairie du Chien Feed &amp; Hub" in page and "Hub opened by staff" in page
    assert raw_codes(page) == []


@pytest.mark.parametrize("change, words", [
    ({"phone": "call the store"}, "Give a phone number with its area code"),
    ({"commission_bps": "1001"}, "less than or equal to 1000"),
    ({"commission_bps": "ten"}, "Enter a whole number."),
    ({"postal_code": "ABCDE"}, "Give a ZIP code"),
    ({"village": "999999"}, "Select a valid choice."),
    ({"state": "XX"}, "Select a valid choice."),
])
def test_a_bad_hub_form_is_a_400_with_the_reason(staff, change, words):
    village = VillageFactory()
    response = staff.post("/staff/hubs/", {**FORM, "village": village.pk, **change})
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not Hub.objects.exists() and not AuditLog.objects.exists()


def test_a_reserved_name_gets_a_slug_that_does_not_hide_a_staff_page(staff):
    village = VillageFactory()
    staff.post("/staff/hubs/", {**FORM, "name": "Agents", "village": village.pk})
    hub = Hub.objects.get()
    assert hub.slug == "agents-hub"
    assert staff.get("/staff/hubs/agents/").status_code == 200
    assert staff.get("/staff/hubs/agents-hub/").status_code == 200


def test_staff_change_the_commission_close_and_reopen(staff, moderator):
    hub = builders.hub(commission_bps=300)
    agent = verified_agent(hub=hub)
    url = f"/staff/hubs/{hub.slug}/change/"
    assert staff.post(url, {"what": "commission", "commission_bps": "1000"}).status_code == 302
    hub.refresh_from_db()
    assert hub.commission_bps == 1000
    response = staff.post(url, {"what": "commission", "commission_bps": "1500"}, follow=True)
    assert "at most 10 %" in response.content.decode()
    hub.refresh_from_db()
    assert hub.commission_bps == 1000

    staff.post(url, {"what": "close", "note": "The store burned down."})
    hub.refresh_from_db()
    assert hub.is_open is False
    assert agency_of(user=agent.user) is None  # its agents cannot act while it is closed
    assert Client().get(f"/hubs/{hub.slug}/").status_code == 404
    page = staff.get(f"/staff/hubs/{hub.slug}/").content.decode()
    assert "Reopen the hub" in page and raw_codes(page) == []
    staff.post(url, {"what": "reopen"})
    hub.refresh_from_db()
    assert hub.is_open is True and agency_of(user=agent.user) == agent
    assert [(row[0], row[4], row[5]) for row in audit_rows(object_type="hub")] == [
        ("hub_changed", "open", "open"), ("hub_changed", "open", "closed"),
        ("hub_changed", "closed", "open")]
    assert list(HubAct.objects.filter(hub=hub, agent=moderator).order_by("id")
                .values_list("action", flat=True)) == [
        "commission_changed", "hub_closed", "hub_reopened"]


def test_an_unknown_change_or_hub(staff):
    hub = builders.hub()
    response = staff.post(f"/staff/hubs/{hub.slug}/change/", {"what": "paint"}, follow=True)
    assert "Choose what to change." in response.content.decode()
    assert staff.get("/staff/hubs/nowhere/").status_code == 404
    assert staff.post("/staff/hubs/nowhere/change/", {"what": "close"}).status_code == 404


def test_the_agent_queue_has_tabs_and_refuses_an_unknown_status(staff):
    waiting = applied()
    verified = verified_agent()
    page = staff.get("/staff/hubs/agents/").content.decode()
    assert f'id="agent-{waiting.pk}"' in page and f'id="agent-{verified.pk}"' not in page
    assert raw_codes(page) == []
    for status in ("verified", "rejected", "removed"):
        assert raw_codes(staff.get(f"/staff/hubs/agents/?status={status}").content.decode()) \
            == []
    response = staff.get("/staff/hubs/agents/?status=asleep")
    assert response.status_code == 400
    assert "There is no status “asleep”" in response.content.decode()


def test_the_staff_pages_cost_the_same_queries_with_one_or_twenty_rows(staff):
    hub = builders.hub()
    applied(hub=hub)
    urls = ["/staff/hubs/", "/staff/hubs/agents/", f"/staff/hubs/{hub.slug}/"]
    one = [_queries(staff, url) for url in urls]
    moderator = builders.moderator()
    for _ in range(19):
        managed_shop(verified_agent(hub=hub, staff=moderator))
        applied(hub=builders.hub())
    assert [_queries(staff, url) for url in urls] == one


def test_people_who_are_not_moderators_get_403_and_visitors_the_log_in(client):
    hub = builders.hub()
    village = VillageFactory()
    for person in (staff_login(Client(), staff_make(permissions=())),
                   _signed_in(UserFactory())):
        assert person.get("/staff/hubs/").status_code == 403
        assert person.post("/staff/hubs/", {**FORM, "village": village.pk}).status_code == 403
        assert person.post(f"/staff/hubs/{hub.slug}/change/",
                           {"what": "close"}).status_code == 403
    response = client.get("/staff/hubs/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    hub.refresh_from_db()
    assert hub.is_open and Hub.objects.count() == 1


def test_the_audit_log_reads_hub_decisions_in_words(staff):
    agent = verified_agent()
    from hubs.services.agents import agent_remove

    agent_remove(agent_id=agent.pk, actor=builders.moderator(), note="Moved away.")
    page = staff.get("/staff/audit/").content.decode()
    assert "Hub agent removed" in page and "Removed by staff" in page
    assert raw_codes(page) == []


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
