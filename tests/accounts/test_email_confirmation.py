"""E-mail confirmation at sign-up: a signed, expiring link; a shop and payouts wait for it."""

import time

import pytest
from django.core import signing
from django.urls import reverse

from payments.models import Payout
from payments.services import payout_create
from sellers.models import Shop
from tests.builders import completed_order
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.support import mailed_link as link_in

pytestmark = pytest.mark.django_db

SIGNUP = {"display_name": "Rosa", "email": "rosa@example.test",
          "password": "plum-orchard-41", "time_zone": "America/Denver"}
SHOP = {"name": "Rosa's Quilts", "description": "", "village_name": "Berea",
        "village_county": "Madison", "village_state": "KY"}


def sign_up(client, committed, **changes):
    with committed():
        response = client.post("/accounts/signup/", {**SIGNUP, **changes})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def confirm(client, link):
    shown = client.get(link)
    assert shown.status_code == 200 and "Confirm my address" in shown.content.decode()
    return client.post(link)


def test_sign_up_mails_a_link_and_a_shop_waits_for_it(client, committed, mailoutbox,
                                                    django_user_model):
    sign_up(client, committed)
    rosa = django_user_model.objects.get(email="rosa@example.test")
    assert rosa.email_confirmed_at is None
    assert rosa.time_zone == "America/Denver"  # the browser's guess
    assert [(mail.to, mail.subject) for mail in mailoutbox] == [
        (["rosa@example.test"], "Confirm your e-mail address")]
    assert "Please confirm your e-mail address" in client.get("/sell/").content.decode()

    refused = client.post("/sell/shop/new/", SHOP)
    assert refused.status_code == 400
    assert "Please confirm your e-mail address first" in refused.content.decode()
    assert not Shop.objects.filter(owner=rosa).exists()

    confirmed = confirm(client, link_in(mailoutbox[0], "/accounts/confirm-email/"))
    assert confirmed.status_code == 302 and confirmed["Location"] == "/accounts/account/"
    rosa.refresh_from_db()
    assert rosa.email_confirmed_at is not None
    assert client.post("/sell/shop/new/", SHOP).status_code == 302
    assert Shop.objects.filter(owner=rosa).exists()


def test_the_api_refuses_a_shop_until_the_address_is_confirmed(api_client):
    rosa = UserFactory(email_confirmed_at=None)
    api_client.force_authenticate(rosa)
    body = {"name": "Rosa's Quilts", "description": "",
            "village": {"name": "Berea", "county": "Madison", "state": "KY"}}
    refused = api_client.post("/api/v1/shops/", body, format="json")
    assert refused.status_code == 403
    assert "confirm your e-mail address" in refused.json()["detail"]
    assert api_client.get("/api/v1/me").json()["email_confirmed"] is False
    assert not Shop.objects.exists()


def test_an_unconfirmed_buyer_can_still_buy(client, committed):
    sign_up(client, committed)
    assert client.get("/cart/").status_code == 200


def test_opening_the_link_twice_says_it_is_done(client, committed, mailoutbox,
                                                django_user_model):
    sign_up(client, committed)
    link = link_in(mailoutbox[0], "/accounts/confirm-email/")
    confirm(client, link)
    first = django_user_model.objects.get(email="rosa@example.test").email_confirmed_at
    again = client.post(link, follow=True)
    assert again.status_code == 200
    assert "already confirmed" in again.content.decode()
    assert django_user_model.objects.get(email="rosa@example.test").email_confirmed_at == first


@pytest.mark.parametrize("mangle", [
    lambda link: link[:-6] + "AAAAA/",
    lambda link: link.replace("/confirm-email/", "/confirm-email/x"),
    lambda link: "/accounts/confirm-email/%00%FF/",
])
def test_a_tampered_link_is_a_clear_page(client, committed, mailoutbox, mangle,
                                         django_user_model):
    sign_up(client, committed)
    link = mangle(link_in(mailoutbox[0], "/accounts/confirm-email/"))
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 400
        page = response.content.decode()
        assert "This link does not work" in page and "Send me a new link" in page
    assert django_user_model.objects.get(email="rosa@example.test").email_confirmed_at is None


def test_an_expired_link_offers_a_new_one(client, committed, mailoutbox, monkeypatch,
                                          settings, django_user_model):
    old = int(time.time()) - settings.EMAIL_CONFIRMATION_MAX_AGE - 60
    monkeypatch.setattr(signing.TimestampSigner, "timestamp",
                        lambda self: signing.b62_encode(old))
    sign_up(client, committed)
    monkeypatch.undo()
    response = client.post(link_in(mailoutbox[0], "/accounts/confirm-email/"))
    assert response.status_code == 400
    assert "This link has expired." in response.content.decode()
    assert django_user_model.objects.get(email="rosa@example.test").email_confirmed_at is None
    with committed():
        resent = client.post("/accounts/confirm-email/resend/")
    assert resent.status_code == 302
    assert len(mailoutbox) == 2
    assert confirm(client, link_in(mailoutbox[1], "/accounts/confirm-email/")).status_code == 302


def test_another_persons_link_confirms_only_its_own_account(client, committed, mailoutbox,
                                                            django_user_model):
    sign_up(client, committed)  # rosa
    other = client.__class__()
    sign_up(other, committed, email="mallory@example.test", display_name="Mallory")
    rosa_link = link_in(mailoutbox[0], "/accounts/confirm-email/")
    # Mallory, signed in, opens Rosa's link: Rosa's address is confirmed, Mallory's is not.
    other.post(rosa_link)
    assert django_user_model.objects.get(email="mallory@example.test").email_confirmed_at is None
    # A link made for Mallory's account id with Rosa's address does not exist: the signature
    # covers both, so swapping one is a tampered link.
    mallory = django_user_model.objects.get(email="mallory@example.test")
    forged = signing.dumps({"u": mallory.pk, "e": "mallory@example.test"}, salt="other-salt")
    assert other.post(f"/accounts/confirm-email/{forged}/").status_code == 400
    assert django_user_model.objects.get(email="mallory@example.test").email_confirmed_at is None


def test_a_link_for_an_address_the_account_no_longer_has_is_used(client, committed, mailoutbox,
                                                                  django_user_model):
    sign_up(client, committed)
    link = link_in(mailoutbox[0], "/accounts/confirm-email/")
    django_user_model.objects.filter(email="rosa@example.test").update(
        email="rosa.new@example.test")
    response = client.post(link)
    assert response.status_code == 400
    assert "already used" in response.content.decode()


def test_new_links_are_limited(client, committed, mailoutbox):
    sign_up(client, committed)
    with committed():
        statuses = [client.post("/accounts/confirm-email/resend/").status_code
                    for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    assert len(mailoutbox) == 6  # the sign-up's link and five new ones


def test_a_confirmed_account_gets_no_new_link(client, committed, mailoutbox):
    client.force_login(UserFactory())
    with committed():
        response = client.post("/accounts/confirm-email/resend/", follow=True)
    assert "already confirmed" in response.content.decode()
    assert mailoutbox == []


def test_sign_up_without_script_gets_us_central(client, committed, django_user_model):
    sign_up(client, committed, time_zone="")
    assert django_user_model.objects.get(email="rosa@example.test").time_zone == "America/Chicago"


def test_a_made_up_zone_from_the_browser_falls_back_to_the_default(client, committed,
                                                                   django_user_model):
    sign_up(client, committed, time_zone="Mars/Olympus_Mons")
    assert django_user_model.objects.get(email="rosa@example.test").time_zone == "America/Chicago"


def test_an_unconfirmed_owner_is_not_paid_out_until_confirmed():
    shop = ShopFactory(owner=UserFactory(email_confirmed_at=None))
    completed_order(listing=ListingFactory(shop=shop, price_cents=5_000))
    assert payout_create(shop_id=shop.pk) is None
    assert not Payout.objects.exists()
    type(shop.owner).objects.filter(pk=shop.owner_id).update(email_confirmed_at="2026-01-01T00:00Z")
    payout = payout_create(shop_id=shop.pk)
    assert payout is not None and payout.amount_cents > 0


def test_a_shop_owner_without_a_confirmed_address_is_told_payouts_wait(client):
    shop = ShopFactory(owner=UserFactory(email_confirmed_at=None))
    client.force_login(shop.owner)
    page = client.get(reverse("sell-dashboard")).content.decode()
    assert "You need a confirmed address to open a shop and to be paid" in page
