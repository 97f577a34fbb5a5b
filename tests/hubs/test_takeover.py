"""The owner takes their shop over from a signed link sent through notifications: they set an
e-mail address and a password, and the agent's help ends at once."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client

from hubs.models import HubAct, ManagedShop
from hubs.services import takeover
from hubs.services.managed import managed_shop_revoke
from notifications.kinds import KINDS
from notifications.models import Notification
from notifications.rendering import sms_render
from tests.factories import UserFactory
from tests.hubs.managed_support import managed_shop, verified_agent
from tests.support import client_for, run_together

pytestmark = pytest.mark.django_db
PASSWORD = "quilting-by-lamplight-42"


def _link(client, managed) -> str:
    response = client.post(f"/hub/shops/{managed.shop_id}/takeover-link/")
    assert response.status_code == 302
    notification = Notification.objects.filter(recipient=managed.shop.owner,
                                               kind="hub_takeover_link").latest("id")
    return notification.url


def test_the_owner_takes_the_shop_over_from_the_link(client):
    agent = verified_agent(name="Avery Agent")
    managed = managed_shop(agent)
    owner = managed.shop.owner
    client.force_login(agent)
    url = _link(client, managed)
    assert url.startswith("/hub/takeover/")
    notification = Notification.objects.get(kind="hub_takeover_link")
    assert notification.message.startswith(f"Avery Agent at {managed.hub.name} sent you a link "
                                           f"to run your shop {managed.shop.name} yourself")
    # A phone-only owner gets it as one text message, the whole link in it.
    text = sms_render(kind=KINDS["hub_takeover_link"], context=notification.context)
    assert text == (f"Taobao Village: to run your shop yourself, open {settings.SITE_URL}{url} "
                    "within 3 days. Sent by Avery Agent.")
    assert len(text) <= 160
    owner_browser = Client()
    page = owner_browser.get(url)
    assert page.status_code == 200 and managed.shop.name in page.content.decode()
    response = owner_browser.post(url, {"email": "Ruth@Example.test", "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    owner.refresh_from_db()
    assert (owner.email, owner.check_password(PASSWORD), owner.email_confirmed_at) == (
        "ruth@example.test", True, None)
    managed.refresh_from_db()
    assert (managed.is_live, managed.end_reason, managed.ended_by) == (
        False, ManagedShop.EndReason.OWNER_TOOK_OVER, owner)
    act = HubAct.objects.filter(shop=managed.shop).latest("id")
    assert (act.action, act.agent, act.owner) == (HubAct.Action.OWNER_TOOK_OVER, None, owner)
    told = Notification.objects.get(recipient=agent, kind="hub_help_ended")
    assert told.message.endswith("the owner runs the shop themselves.")
    # The link is spent; the agent no longer reaches the shop.
    again = owner_browser.get(url)
    assert again.status_code == 400
    assert "already been used" in again.content.decode()
    assert client.get(f"/hub/shops/{managed.shop_id}/").status_code == 404
    # The owner logs in with what they chose.
    login = Client().post("/accounts/login/", {"email": "ruth@example.test",
                                               "username": "ruth@example.test",
                                               "password": PASSWORD})
    assert login.status_code == 302


def test_the_api_sends_a_link_and_nobody_else_may():
    agent = verified_agent()
    managed = managed_shop(agent)
    response = client_for(agent).post(f"/api/v1/hub/shops/{managed.shop_id}/takeover-link")
    assert response.status_code == 202
    assert Notification.objects.filter(recipient=managed.shop.owner,
                                       kind="hub_takeover_link").count() == 1
    other = verified_agent(hub=managed.hub, name="Other")
    assert client_for(other).post(
        f"/api/v1/hub/shops/{managed.shop_id}/takeover-link").status_code == 404
    assert Notification.objects.filter(kind="hub_takeover_link").count() == 1


@pytest.mark.parametrize("token", ["nonsense", "eyJtIjoxfQ:1abc:forged"])
def test_an_altered_link_is_400(token):
    response = Client().get(f"/hub/takeover/{token}/")
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()


def test_an_expired_link_is_400(monkeypatch):
    managed = managed_shop(verified_agent())
    token = takeover.takeover_token(managed=managed)
    monkeypatch.setattr(takeover, "TAKEOVER_MAX_AGE", -1)
    response = Client().post(f"/hub/takeover/{token}/", {"email": "r@example.test",
                                                          "password": PASSWORD})
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    managed.refresh_from_db()
    assert managed.is_live


def test_a_link_after_the_owner_revoked_is_used():
    managed = managed_shop(verified_agent())
    token = takeover.takeover_token(managed=managed)
    managed_shop_revoke(owner=managed.shop.owner, shop_id=managed.shop_id)
    response = Client().get(f"/hub/takeover/{token}/")
    assert response.status_code == 400
    assert "already been used" in response.content.decode()


def test_bad_input_is_400_and_an_address_in_use_409():
    managed = managed_shop(verified_agent())
    UserFactory(email="taken@example.test")
    url = f"/hub/takeover/{takeover.takeover_token(managed=managed)}/"
    browser = Client()
    weak = browser.post(url, {"email": "not-an-address", "password": "123"})
    assert weak.status_code == 400
    text = weak.content.decode()
    assert "Enter a valid email address." in text
    taken = browser.post(url, {"email": "Taken@example.test", "password": PASSWORD})
    assert taken.status_code == 409
    assert "Another account already uses this e-mail address" in taken.content.decode()
    managed.refresh_from_db()
    owner = managed.shop.owner
    owner.refresh_from_db()
    assert (managed.is_live, owner.has_usable_password(), owner.email) == (True, False, "")


def test_a_short_password_is_refused_by_the_password_rules():
    managed = managed_shop(verified_agent())
    with pytest.raises(ValidationError) as caught:
        takeover.managed_shop_take_over(token=takeover.takeover_token(managed=managed),
                                        email="ruth@example.test", password="abc")
    assert "password" in caught.value.message_dict
    managed.refresh_from_db()
    assert managed.is_live


@pytest.mark.django_db(transaction=True)
def test_two_clicks_on_the_link_at_once_take_over_once():
    managed = managed_shop(verified_agent())
    url = f"/hub/takeover/{takeover.takeover_token(managed=managed)}/"

    def take(index):
        return Client().post(url, {"email": f"ruth{index}@example.test",
                                   "password": PASSWORD}).status_code

    assert sorted(run_together(2, take)) == [302, 400]
    managed.refresh_from_db()
    assert managed.end_reason == ManagedShop.EndReason.OWNER_TOOK_OVER
    assert HubAct.objects.filter(shop=managed.shop,
                                 action=HubAct.Action.OWNER_TOOK_OVER).count() == 1


def test_the_api_takes_the_shop_over_with_the_token():
    from rest_framework.test import APIClient

    managed = managed_shop(verified_agent())
    token = takeover.takeover_token(managed=managed)
    client = APIClient()
    assert client.post("/api/v1/hub/takeover", {"token": token + "x", "email": "r@example.test",
                                                "password": PASSWORD},
                       format="json").status_code == 400
    weak = client.post("/api/v1/hub/takeover", {"token": token, "email": "r@example.test",
                                                 "password": "abc"}, format="json")
    assert weak.status_code == 400 and "password" in weak.json()
    done = client.post("/api/v1/hub/takeover", {"token": token, "email": "r@example.test",
                                                 "password": PASSWORD}, format="json")
    assert done.status_code == 200
    managed.refresh_from_db()
    assert managed.end_reason == ManagedShop.EndReason.OWNER_TOOK_OVER
    again = client.post("/api/v1/hub/takeover", {"token": token, "email": "r@example.test",
                                                  "password": PASSWORD}, format="json")
    assert again.status_code == 400 and "already been used" in again.json()["detail"]


def test_after_staff_remove_the_agent_staff_send_the_owner_a_link_and_they_get_back_in(client):
    """A phone-only owner whose agent was removed has no agent and no password: staff send
    them a take-over link from the removed agent's page, and the owner sets their log-in."""
    from hubs.models import HubAgent
    from hubs.services.agents import agent_remove
    from tests import builders
    from tests.staff import staff_login

    agent = verified_agent(name="Avery Agent")
    managed = managed_shop(agent)
    owner = managed.shop.owner
    agency = HubAgent.objects.get(user=agent)
    staff = builders.moderator()
    agent_remove(agent_id=agency.pk, actor=staff, note="Kept a buyer's parcel.")
    staff_login(client, staff)
    page = client.get(f"/staff/hubs/agents/{agency.pk}/")
    assert "Owners who cannot log in" in page.content.decode()
    assert managed.shop.name in page.content.decode()
    url = f"/staff/hubs/agents/{agency.pk}/takeover-link/{managed.pk}/"
    assert client.post(url).status_code == 302
    link = Notification.objects.filter(recipient=owner, kind="hub_takeover_link").latest("id")
    assert HubAct.objects.filter(shop=managed.shop,
                                 action=HubAct.Action.TAKEOVER_LINK_SENT).count() == 1

    owner_browser = Client()
    assert owner_browser.get(link.url).status_code == 200
    done = owner_browser.post(link.url, {"email": "ruth@example.test", "password": PASSWORD})
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    managed.refresh_from_db()
    assert managed.end_reason == ManagedShop.EndReason.AGENT_REMOVED  # its ending stays
    # The link is spent, and staff cannot send another now that the owner can log in.
    assert "already been used" in owner_browser.get(link.url).content.decode()
    assert client.post(url).status_code == 404
    # A shop still run by its agent gets no staff link.
    other = managed_shop(verified_agent(name="Blair Agent"))
    assert client.post(f"/staff/hubs/agents/{agency.pk}/takeover-link/{other.pk}/"
                       ).status_code == 404
