"""Agents through the pages: a person applies, staff verify, decline or remove; a removal
hands every managed shop back to its owner at once, in one transaction."""

import pytest
from django.test import Client

from hubs.errors import Conflict
from hubs.models import HubAct, HubAgent, ManagedShop
from hubs.selectors import agency_of
from hubs.services.agents import agent_apply
from moderation.models import AuditLog
from notifications.models import Notification
from orders.models import Order
from tests import builders
from tests.factories import UserFactory
from tests.hubs.agents_support import STATEMENT, applied, managed_shop, verified_agent
from tests.plain_words import raw_codes
from tests.staff import staff_login, staff_make
from tests.support import audit_rows, client_for, run_together

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("id")
                .values_list("kind", flat=True))


# --- applying ---------------------------------------------------------------------------------

def test_a_person_applies_on_the_hub_page_and_staff_are_told():
    hub = builders.hub(name="Viroqua Feed & Hub")
    moderator = builders.moderator()
    person = UserFactory(display_name="Avery Agent")
    client = _signed_in(person)
    form = client.get(f"/hubs/{hub.slug}/apply/")
    assert form.status_code == 200 and 'name="statement"' in form.content.decode()

    response = client.post(f"/hubs/{hub.slug}/apply/", {"statement": STATEMENT})
    assert response.status_code == 302 and response["Location"] == f"/hubs/{hub.slug}/"
    application = HubAgent.objects.get(user=person)
    assert (application.hub, application.status, application.statement) == (
        hub, HubAgent.Status.PENDING, STATEMENT)
    assert list(HubAct.objects.filter(hub=hub).values_list("action", "agent_id")) == [
        (HubAct.Action.AGENT_APPLIED, person.pk)]
    (told,) = Notification.objects.filter(recipient=moderator)
    assert told.kind == "staff_new_hub_agent" and "Avery Agent" in told.message
    assert told.url == f"/staff/hubs/agents/{application.pk}/"
    page = client.get(f"/hubs/{hub.slug}/").content.decode()
    assert "waits for staff" in page


def test_an_unconfirmed_email_address_is_asked_for_first_and_nothing_is_written():
    hub = builders.hub()
    client = _signed_in(UserFactory(email_confirmed_at=None))
    page = client.get(f"/hubs/{hub.slug}/apply/").content.decode()
    assert "Confirm your e-mail address first" in page and 'name="statement"' not in page
    response = client.post(f"/hubs/{hub.slug}/apply/", {"statement": STATEMENT})
    assert response.status_code == 403
    assert "Confirm your e-mail address first" in response.content.decode()
    assert not HubAgent.objects.exists()


@pytest.mark.parametrize("statement, words", [
    ("", "This field is required."),
    ("Hi there.", "in at least 20 characters"),
    ("x" * 2001, "at most 2000 characters"),
])
def test_a_short_or_long_statement_is_a_400_with_the_reason(statement, words):
    hub = builders.hub()
    response = _signed_in(UserFactory()).post(f"/hubs/{hub.slug}/apply/",
                                              {"statement": statement})
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not HubAgent.objects.exists()


def test_one_live_application_per_person_whatever_the_hub():
    first = applied()
    other = builders.hub(name="Second Hub")
    client = _signed_in(first.user)
    page = client.get(f"/hubs/{other.slug}/apply/").content.decode()
    assert "staff have not decided yet" in page and 'name="statement"' not in page
    response = client.post(f"/hubs/{other.slug}/apply/", {"statement": STATEMENT})
    assert response.status_code == 409
    assert f"You applied to {first.hub.name} and staff have not decided yet" in \
        response.content.decode()
    assert HubAgent.objects.filter(user=first.user).count() == 1


def test_a_declined_person_may_apply_again():
    application = applied()
    from hubs.services.agents import agent_decide

    agent_decide(application_id=application.pk, actor=builders.moderator(),
                 decision="reject", note="Tell us more about the store.")
    client = _signed_in(application.user)
    page = client.get(f"/hubs/{application.hub.slug}/apply/").content.decode()
    assert "Tell us more about the store." in page
    response = client.post(f"/hubs/{application.hub.slug}/apply/", {"statement": STATEMENT})
    assert response.status_code == 302
    assert list(HubAgent.objects.filter(user=application.user).order_by("id")
                .values_list("status", flat=True)) == ["rejected", "pending"]


def test_a_closed_hub_takes_no_application():
    hub = builders.hub()
    from hubs.services.hub_admin import hub_change

    hub_change(actor=builders.moderator(), slug=hub.slug, is_open=False)
    client = _signed_in(UserFactory())
    assert client.post(f"/hubs/{hub.slug}/apply/", {"statement": STATEMENT}).status_code == 404
    assert not HubAgent.objects.exists()


def test_applications_are_rate_limited(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "hub": "2/hour"}
    hub = builders.hub()
    client = _signed_in(UserFactory(email_confirmed_at=None))
    for _ in range(2):
        assert client.post(f"/hubs/{hub.slug}/apply/", {"statement": STATEMENT}).status_code \
            == 403
    response = client.post(f"/hubs/{hub.slug}/apply/", {"statement": STATEMENT})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "a lot of hub applications" in response.content.decode()


def test_visitors_are_asked_to_sign_in_before_applying(client):
    hub = builders.hub()
    response = client.post(f"/hubs/{hub.slug}/apply/", {"statement": STATEMENT})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db(transaction=True)
def test_two_applications_at_once_by_one_person_leave_one():
    person = UserFactory()
    hubs = [builders.hub(name=f"Hub {n}") for n in range(2)]

    def apply(index):
        try:
            return agent_apply(user=person, hub_slug=hubs[index].slug, statement=STATEMENT)
        except Conflict as exc:
            return exc

    results = run_together(2, apply)
    assert sorted(type(result).__name__ for result in results) == ["Conflict", "HubAgent"]
    assert HubAgent.objects.filter(user=person).count() == 1
    assert HubAct.objects.filter(action=HubAct.Action.AGENT_APPLIED).count() == 1


# --- staff decide ---------------------------------------------------------------------------

def test_staff_verify_an_application_on_its_page():
    application = applied()
    moderator = builders.moderator()
    staff = staff_login(Client(), moderator)
    page = staff.get(f"/staff/hubs/agents/{application.pk}/").content.decode()
    assert STATEMENT in page and raw_codes(page) == []

    response = staff.post(f"/staff/hubs/agents/{application.pk}/decide/",
                          {"decision": "verify", "note": ""})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.decided_by) == (HubAgent.Status.VERIFIED, moderator)
    assert application.decided_at is not None
    assert audit_rows(object_type="hub_agent") == [
        ("agent_verified", "hub_agent", str(application.pk), "Verified.", "pending",
         "verified")]
    assert HubAct.objects.filter(action=HubAct.Action.AGENT_VERIFIED, agent=moderator,
                                 reference=f"hub_agent:{application.pk}").count() == 1
    assert _kinds(application.user) == ["hub_agent_verified"]
    assert agency_of(user=application.user) == application
    assert "Verified" in staff.get(f"/staff/hubs/agents/{application.pk}/").content.decode()


def test_staff_decline_with_a_reason_the_applicant_reads():
    application = applied()
    staff = staff_login(Client(), builders.moderator())
    staff.post(f"/staff/hubs/agents/{application.pk}/decide/",
               {"decision": "reject", "note": ""})
    application.refresh_from_db()
    assert application.status == HubAgent.Status.PENDING  # a reason is required
    staff.post(f"/staff/hubs/agents/{application.pk}/decide/",
               {"decision": "reject", "note": "We could not reach your references."})
    application.refresh_from_db()
    assert application.status == HubAgent.Status.REJECTED
    (told,) = Notification.objects.filter(recipient=application.user)
    assert told.kind == "hub_agent_rejected"
    assert "We could not reach your references." in told.message
    assert audit_rows(action=AuditLog.Action.AGENT_REJECTED)[0][3] == (
        "We could not reach your references.")


def test_a_decided_application_cannot_be_decided_again():
    application = verified_agent()
    staff = staff_login(Client(), builders.moderator())
    response = staff.post(f"/staff/hubs/agents/{application.pk}/decide/",
                          {"decision": "reject", "note": "Changed my mind."}, follow=True)
    assert "already decided" in response.content.decode()
    application.refresh_from_db()
    assert application.status == HubAgent.Status.VERIFIED


def test_people_who_are_not_moderators_cannot_decide():
    application = applied()
    for client in (_signed_in(UserFactory()), _signed_in(application.user),
                   staff_login(Client(), staff_make(permissions=()))):
        assert client.get("/staff/hubs/agents/").status_code == 403
        assert client.post(f"/staff/hubs/agents/{application.pk}/decide/",
                           {"decision": "verify"}).status_code == 403
    application.refresh_from_db()
    assert application.status == HubAgent.Status.PENDING


def test_an_unknown_application_is_not_found():
    staff = staff_login(Client(), builders.moderator())
    assert staff.get("/staff/hubs/agents/999999/").status_code == 404
    assert staff.post("/staff/hubs/agents/999999/decide/",
                      {"decision": "verify"}).status_code == 404


# --- staff remove an agent ------------------------------------------------------------------

def test_removing_an_agent_hands_every_shop_back_at_once_and_tells_everyone():
    agent = verified_agent()
    moderator = builders.moderator()
    shops = [managed_shop(agent), managed_shop(agent)]
    earlier = managed_shop(agent)
    ManagedShop.objects.filter(pk=earlier.pk).update(
        ended_at=earlier.created, end_reason=ManagedShop.EndReason.OWNER_TOOK_OVER)
    order = builders.paid_order(shop=shops[0].shop)
    agent_client = _signed_in(agent.user)
    assert agent_client.get("/hub/").status_code == 200

    staff = staff_login(Client(), moderator)
    response = staff.post(f"/staff/hubs/agents/{agent.pk}/remove/",
                          {"note": "Sold goods as their own."})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.status, agent.decided_by) == (HubAgent.Status.REMOVED, moderator)
    for managed in shops:
        managed.refresh_from_db()
        assert (managed.end_reason, managed.ended_by) == (
            ManagedShop.EndReason.AGENT_REMOVED, moderator)
        assert managed.ended_at is not None
        assert _kinds(managed.shop.owner)[-1] == "hub_agent_removed_owner"
    earlier.refresh_from_db()
    assert earlier.end_reason == ManagedShop.EndReason.OWNER_TOOK_OVER
    assert "hub_agent_removed" in _kinds(agent.user)
    (row,) = audit_rows(action=AuditLog.Action.AGENT_REMOVED)
    assert row[3] == "Sold goods as their own. Shops handed back to their owners: 2."
    assert HubAct.objects.filter(action=HubAct.Action.AGENT_REMOVED).count() == 3
    # At once, in the session the agent already has open.
    assert agency_of(user=agent.user) is None
    assert agent_client.get("/hub/").status_code == 403
    # The shop and its open order stay the owner's: the owner ships it as before.
    owner = client_for(shops[0].shop.owner)
    shipped = owner.post(f"/api/v1/orders/{order.pk}/ship",
                         {"carrier": "USPS", "tracking_number": "9400 1000 0000 0000 0000 00"},
                         format="json")
    assert shipped.status_code == 200, shipped.content
    assert Order.objects.get(pk=order.pk).status == Order.Status.SHIPPED


def test_removal_needs_a_reason_and_a_verified_agent():
    agent = verified_agent()
    pending = applied()
    staff = staff_login(Client(), builders.moderator())
    staff.post(f"/staff/hubs/agents/{agent.pk}/remove/", {"note": ""})
    agent.refresh_from_db()
    assert agent.status == HubAgent.Status.VERIFIED
    response = staff.post(f"/staff/hubs/agents/{pending.pk}/remove/", {"note": "Why not."},
                          follow=True)
    assert "Only a verified agent can be removed" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == HubAgent.Status.PENDING
    assert not AuditLog.objects.filter(action=AuditLog.Action.AGENT_REMOVED).exists()


@pytest.mark.django_db(transaction=True)
def test_two_staff_removing_one_agent_at_once_end_each_shop_once():
    from hubs.services.agents import agent_remove

    agent = verified_agent()
    managed = managed_shop(agent)
    staff = [builders.moderator(), builders.moderator()]

    def remove(index):
        try:
            return agent_remove(agent_id=agent.pk, actor=staff[index], note="Moved away.")
        except Conflict as exc:
            return exc

    results = run_together(2, remove)
    assert sorted(type(result).__name__ for result in results) == ["Conflict", "HubAgent"]
    managed.refresh_from_db()
    assert managed.end_reason == ManagedShop.EndReason.AGENT_REMOVED
    assert AuditLog.objects.filter(action=AuditLog.Action.AGENT_REMOVED).count() == 1
    assert _kinds(managed.shop.owner) == ["hub_agent_removed_owner"]


def test_a_neighbour_with_only_a_phone_is_texted_when_their_agent_is_removed(settings):
    from notifications import sms
    from tests.factories import ShopFactory

    settings.SMS_URL = "locmem://"
    sms.outbox.clear()
    agent = verified_agent(user=UserFactory(display_name="Avery Agent"))
    neighbour = UserFactory(email="", phone="+15635550101", display_name="Ruth")
    managed = managed_shop(agent, shop=ShopFactory(owner=neighbour, name="Ruth's Eggs",
                                                   village=agent.hub.village))
    from hubs.services.agents import agent_remove
    from notifications.sms_delivery import notification_text

    agent_remove(agent_id=agent.pk, actor=builders.moderator(), note="Moved away.")
    managed.refresh_from_db()
    assert managed.end_reason == ManagedShop.EndReason.AGENT_REMOVED
    (told,) = Notification.objects.filter(recipient=neighbour)
    assert (told.kind, told.sms_state) == ("hub_agent_removed_owner", "pending")
    notification_text(notification_id=told.pk)  # what the worker's task does
    (text,) = sms.outbox
    assert text["to"] == "+15635550101"
    assert "Avery Agent no longer runs Ruth's Eggs for you" in text["body"]
    sms.outbox.clear()
