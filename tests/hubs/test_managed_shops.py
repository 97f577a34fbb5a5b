"""An agent opens a shop for a neighbour: the account (a phone, no e-mail, no password), the
shop waiting for verification, the consent and the act, all or nothing."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hubs.models import HubAct, HubAgent, ManagedShop
from hubs.services.managed import phone_normalize
from sellers.models import Shop
from tests import builders
from tests.factories import UserFactory
from tests.hubs.managed_support import (  # noqa: F401 - fixture
    agency_set,
    media_in_tmp,
    neighbour,
    verified_agent,
)
from tests.support import client_for, jpeg_bytes, reader_zone, run_together

pytestmark = pytest.mark.django_db
User = get_user_model()
URL = "/api/v1/hub/shops"


def _counts():
    return (User.objects.count(), Shop.objects.count(), ManagedShop.objects.count(),
            HubAct.objects.count())


def test_an_agent_opens_a_shop_for_a_neighbour_with_a_phone_only():
    place = builders.hub(name="Cashton Feed Store")
    agent = verified_agent(hub=place)
    response = client_for(agent).post(URL, neighbour(owner_phone="(608) 555-0199",
                                                     shop_name="Miller Family Quilts"),
                                      format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    owner = User.objects.get(phone="+16085550199")
    assert (owner.email, owner.display_name, owner.has_usable_password()) == (
        "", "Ruth Miller", False)
    shop = Shop.objects.get(owner=owner)
    assert (shop.name, shop.status, shop.village_id) == (
        "Miller Family Quilts", Shop.Status.PENDING_VERIFICATION, place.village_id)
    managed = ManagedShop.objects.get(shop=shop)
    assert (managed.hub, managed.agent, managed.consent_on, managed.is_live) == (
        place, agent, timezone.localdate(), True)
    assert managed.owner_address == {"name": "Ruth Miller", "line1": "4410 County Road K",
                                     "line2": "", "city": "Cashton", "state": "WI",
                                     "postal_code": "54619"}
    assert body["shop"] == {"id": shop.pk, "slug": shop.slug, "name": "Miller Family Quilts",
                            "status": "pending_verification"}
    assert body["owner"] == {"id": owner.pk, "display_name": "Ruth Miller", "has_email": False}
    assert (body["agent"], body["has_consent_photo"], body["ended_at"]) == (
        agent.display_name, False, None)
    act = HubAct.objects.get(shop=shop)
    assert (act.action, act.agent, act.owner, act.hub, act.reference) == (
        HubAct.Action.SHOP_OPENED, agent, owner, place, f"shop:{shop.pk}")


def test_the_consent_photo_is_re_encoded(media_in_tmp):  # noqa: F811
    agent = verified_agent()
    photo = SimpleUploadedFile("form.jpg", jpeg_bytes(size=(300, 400)), "image/jpeg")
    values = neighbour(consent_photo=photo)
    values["owner_address"] = __import__("json").dumps(values["owner_address"])
    response = client_for(agent).post(URL, values, format="multipart")
    assert response.status_code == 201, response.json()
    managed = ManagedShop.objects.get()
    assert managed.consent_photo.name.startswith("hubs/consent/")
    assert managed.consent_photo.name.endswith(".webp")
    assert managed.consent_photo.read()[8:12] == b"WEBP"
    assert response.json()["has_consent_photo"] is True


@pytest.mark.parametrize(("raw", "normal"), [
    ("(608) 555-0142", "+16085550142"), ("608.555.0142", "+16085550142"),
    ("+1 608 555 0142", "+16085550142"), ("1-608-555-0142", "+16085550142"),
])
def test_phones_are_kept_in_e164(raw, normal):
    assert phone_normalize(raw) == normal


@pytest.mark.parametrize("raw", ["", "555-0142", "(108) 555-0142", "+44 20 7946 0958",
                                 "608-555-01422", "call me"])
def test_phones_that_are_not_us_numbers_are_refused(raw):
    with pytest.raises(ValueError):
        phone_normalize(raw)


def test_bad_input_is_400_with_a_message_per_field_and_writes_nothing():
    agent = verified_agent()
    before = _counts()
    response = client_for(agent).post(URL, neighbour(
        owner_name="", owner_phone="555", owner_email="not-an-address",
        owner_address={"name": "R", "line1": "", "city": "Cashton", "state": "ZZ",
                       "postal_code": "5461"},
        shop_name="", consent_on="yesterday", consent_statement="ok"), format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"owner_name", "owner_phone", "owner_email", "owner_address.line1",
                         "owner_address.state", "owner_address.postal_code", "shop_name",
                         "consent_on", "consent_statement"}, body
    assert body["owner_phone"] == ["Enter a US phone number with its area code, such as "
                                   "(563) 555-0142."]
    assert _counts() == before


@pytest.mark.parametrize(("days", "message"), [
    (-1, "The day of consent cannot be in the future."),
    (31, "The consent is older than 30 days: ask the neighbour again and record the new date."),
])
def test_consent_from_the_future_or_too_long_ago_is_refused(days, message):
    agent = verified_agent()
    day = timezone.localdate() - datetime.timedelta(days=days)
    response = client_for(agent).post(URL, neighbour(consent_on=day.isoformat()), format="json")
    assert (response.status_code, response.json()) == (400, {"consent_on": [message]})
    assert not ManagedShop.objects.exists()


def test_consent_of_30_days_ago_is_accepted():
    agent = verified_agent()
    day = timezone.localdate() - datetime.timedelta(days=30)
    response = client_for(agent).post(URL, neighbour(consent_on=day.isoformat()), format="json")
    assert response.status_code == 201


def test_an_existing_phone_or_email_is_409_with_a_clear_message():
    agent = verified_agent()
    UserFactory(phone="+16085550111", email="ruth@example.test")
    before = _counts()
    client = client_for(agent)
    by_phone = client.post(URL, neighbour(owner_phone="608 555 0111"), format="json")
    assert by_phone.status_code == 409
    assert "already has an account with this phone number" in by_phone.json()["detail"]
    by_email = client.post(URL, neighbour(owner_email="Ruth@Example.test"), format="json")
    assert by_email.status_code == 409
    assert "already has an account with this e-mail address" in by_email.json()["detail"]
    assert _counts() == before


def test_a_big_consent_photo_is_413_and_a_file_that_is_no_image_415(settings):
    agent = verified_agent()
    before = _counts()
    client = client_for(agent)
    values = neighbour()
    values["owner_address"] = __import__("json").dumps(values["owner_address"])
    big = SimpleUploadedFile("form.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024),
                             "image/jpeg")
    assert client.post(URL, {**values, "consent_photo": big},
                       format="multipart").status_code == 413
    text = SimpleUploadedFile("form.jpg", b"%PDF-1.4 not a photo at all", "image/jpeg")
    response = client.post(URL, {**values, "consent_photo": text}, format="multipart")
    assert response.status_code == 415
    assert response.json()["detail"].startswith("That file type is not supported.")
    assert _counts() == before


@pytest.mark.parametrize("status", [None, HubAgent.Status.PENDING, HubAgent.Status.REJECTED,
                                    HubAgent.Status.REMOVED])
def test_only_a_verified_agent_opens_a_shop_for_a_neighbour(status):
    person = UserFactory()
    if status is not None:
        HubAgent.objects.create(hub=builders.hub(), user=person, status=status,
                                statement="Please.")
    response = client_for(person).post(URL, neighbour(), format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == ("Only a verified agent of an open hub can open a "
                                         "shop for a neighbour.")
    assert not ManagedShop.objects.exists()


def test_an_agent_of_a_closed_hub_cannot_open_one():
    agent = verified_agent()
    HubAgent.objects.get(user=agent).hub.__class__.objects.update(is_open=False)
    assert client_for(agent).post(URL, neighbour(), format="json").status_code == 403


def test_an_agent_cannot_open_a_managed_shop_for_themselves():
    agent = verified_agent()
    agent.phone = "+16085550177"
    agent.save(update_fields=["phone"])
    client = client_for(agent)
    response = client.post(URL, neighbour(owner_phone="608-555-0177"), format="json")
    assert response.status_code == 403
    assert "cannot open a managed shop for yourself" in response.json()["detail"]
    response = client.post(URL, neighbour(owner_email=agent.email.upper()), format="json")
    assert response.status_code == 403
    assert not ManagedShop.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_agents_opening_for_the_same_phone_at_once_make_one_shop():
    place = builders.hub()
    agents = [verified_agent(hub=place, name=f"Agent {n}") for n in range(2)]

    def open_shop(index):
        return client_for(agents[index]).post(URL, neighbour(owner_phone="608-555-0123"),
                                              format="json").status_code

    assert sorted(run_together(2, open_shop)) == [201, 409]
    assert User.objects.filter(phone="+16085550123").count() == 1
    assert ManagedShop.objects.count() == Shop.objects.count() == HubAct.objects.count() == 1


# --- the page -----------------------------------------------------------------------------
def _form(values: dict) -> dict:
    address = values.pop("owner_address")
    # A page reads dates on its person's calendar (the agent's zone, the default one here),
    # which is a day behind UTC's each evening in America.
    values["consent_on"] = timezone.localdate(timezone=reader_zone()).isoformat()
    return {**values, **{f"address_{key}": value for key, value in address.items()}}


def test_the_page_opens_a_shop_and_goes_to_it(client):
    agent = verified_agent()
    client.force_login(agent)
    assert client.get("/hub/shops/new/").status_code == 200
    response = client.post("/hub/shops/new/", _form(neighbour(shop_name="Cashton Quilts")))
    managed = ManagedShop.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/hub/shops/{managed.shop_id}/"
    page = client.get(response["Location"])
    assert "Cashton Quilts" in page.content.decode()
    assert "Shop opened for a neighbour" in page.content.decode()


def test_the_page_shows_bad_input_with_400_and_saves_nothing(client):
    agent = verified_agent()
    client.force_login(agent)
    response = client.post("/hub/shops/new/", _form(neighbour(
        owner_phone="12", owner_address={"name": "R", "line1": "1 Road", "city": "Cashton",
                                         "state": "WI", "postal_code": "abc"})))
    assert response.status_code == 400
    text = response.content.decode()
    assert "Enter a US phone number with its area code" in text
    assert "Use a 5-digit ZIP code" in text
    assert not ManagedShop.objects.exists()


def test_the_page_is_403_for_someone_who_is_not_an_agent(client):
    client.force_login(UserFactory())
    assert client.get("/hub/shops/new/").status_code == 403
    assert client.post("/hub/shops/new/", _form(neighbour())).status_code == 403
    assert not ManagedShop.objects.exists()


def test_the_page_refuses_a_duplicate_phone_with_409(client):
    agent = verified_agent()
    UserFactory(phone="+16085550142")
    client.force_login(agent)
    response = client.post("/hub/shops/new/", _form(neighbour(owner_phone="6085550142")))
    assert response.status_code == 409
    assert "already has an account with this phone number" in response.content.decode()


def test_the_shop_waits_for_staff_like_any_other():
    from sellers.services import shop_verify
    from tests.hubs.managed_support import managed_shop

    managed = managed_shop(verified_agent())
    assert managed.shop.status == Shop.Status.PENDING_VERIFICATION
    assert shop_verify(shop_id=managed.shop_id).status == Shop.Status.ACTIVE


def test_agency_set_removed_stops_opening(client):
    agent = verified_agent()
    agency_set(agent, HubAgent.Status.REMOVED)
    client.force_login(agent)
    assert client.get("/hub/shops/new/").status_code == 403



@pytest.mark.django_db(transaction=True)
def test_two_openings_with_photos_at_once_leave_one_shop_and_one_file(media_in_tmp):  # noqa: F811
    import json

    place = builders.hub()
    agents = [verified_agent(hub=place, name=f"Agent {n}") for n in range(2)]

    def open_shop(index):
        values = neighbour(owner_phone="608-555-0150")
        values["owner_address"] = json.dumps(values["owner_address"])
        values["consent_photo"] = SimpleUploadedFile("form.jpg", jpeg_bytes(), "image/jpeg")
        return client_for(agents[index]).post(URL, values, format="multipart").status_code

    assert sorted(run_together(2, open_shop)) == [201, 409]
    files = list((media_in_tmp.parent / "private-media" / "hubs" / "consent").iterdir())
    assert [path.name for path in files] == [ManagedShop.objects.get().consent_photo.name
                                            .rsplit("/", 1)[-1]]
