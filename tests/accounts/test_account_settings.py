"""The account page: name and time zone, change of address, change of password."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from notifications.services import notify
from orders.models import Checkout, Order, OrderEvent, OrderItem
from tests.factories import DEFAULT_PASSWORD, ListingFactory, UserFactory
from tests.support import mailed_link as link_in
from tests.support import run_together

pytestmark = pytest.mark.django_db

NEW = "Pl0m-orchard-77"


@pytest.fixture
def ada(client):
    user = UserFactory(email="ada@example.test", display_name="Ada")
    client.force_login(user)
    return user


# --- the page and the time zone -----------------------------------------------------------

def test_the_account_page_links_everything_and_shows_the_time_in_the_persons_zone(
        client, ada):
    ada.time_zone = "America/Denver"
    ada.save()
    page = client.get("/accounts/account/").content.decode()
    for link in ("/accounts/account/email/", "/accounts/account/password/",
                 "/accounts/account/data/", "/accounts/account/close/"):
        assert f'href="{link}"' in page
    assert "Mountain time (Denver)" in page
    assert ("(MST)" in page) or ("(MDT)" in page)
    assert 'href="/accounts/account/">Account</a>' in page  # the header links here


def test_the_default_zone_is_us_central(client, ada):
    page = client.get("/accounts/account/").content.decode()
    assert ("(CST)" in page) or ("(CDT)" in page)


def test_choosing_a_zone_and_a_name(client, ada):
    response = client.post("/accounts/account/", {"display_name": "Ada L.",
                                                  "time_zone": "Pacific/Honolulu"})
    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.display_name, ada.time_zone) == ("Ada L.", "Pacific/Honolulu")
    assert "(HST)" in client.get("/accounts/account/").content.decode()


def test_a_zone_not_in_the_list_is_refused_and_the_name_kept(client, ada):
    response = client.post("/accounts/account/", {"display_name": "Ada typed this",
                                                  "time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice" in page and 'value="Ada typed this"' in page
    ada.refresh_from_db()
    assert (ada.display_name, ada.time_zone) == ("Ada", "America/Chicago")


def test_the_api_changes_the_zone_and_refuses_a_made_up_one(api_client, ada):
    api_client.force_authenticate(ada)
    bad = api_client.patch("/api/v1/me", {"time_zone": "Nowhere/Special"}, format="json")
    assert bad.status_code == 400 and "time_zone" in bad.json()
    good = api_client.patch("/api/v1/me", {"time_zone": "America/New_York"}, format="json")
    assert good.status_code == 200 and good.json()["time_zone"] == "America/New_York"


def test_an_email_shows_times_in_the_recipients_zone(mailoutbox, committed):
    east = UserFactory(time_zone="America/New_York")
    with committed():
        notification = notify(recipient=east, kind="auto_confirm_soon",
                              context={"order_id": 1, "shop_name": "Hilltop",
                                       "auto_confirm_at": "2026-03-02T15:30:00Z"},
                              dedupe_key="auto_confirm_soon:order:1", url="/orders/1/")
    assert "Mon, Mar 2, 2026, 10:30 AM EST" in notification.message
    assert "10:30 AM EST" in mailoutbox[0].body


# --- changing the address -----------------------------------------------------------------

def ask_change(client, committed, email, password=DEFAULT_PASSWORD):
    with committed():
        return client.post("/accounts/account/email/", {"email": email, "password": password})


def test_a_new_address_is_confirmed_at_that_address_and_the_old_one_is_told(
        client, ada, committed, mailoutbox):
    asked = ask_change(client, committed, "Ada.New@Example.test")
    assert asked.status_code == 302
    ada.refresh_from_db()
    assert ada.email == "ada@example.test"  # nothing changes before the link is opened
    assert [(mail.to, mail.subject) for mail in mailoutbox] == [
        (["ada.new@example.test"], "Confirm your new e-mail address")]
    link = link_in(mailoutbox[0], "/accounts/change-email/")
    assert "ada.new@example.test" in client.get(link).content.decode()
    with committed():
        done = client.post(link)
    assert done.status_code == 302
    ada.refresh_from_db()
    assert ada.email == "ada.new@example.test" and ada.email_confirmed_at is not None
    told = mailoutbox[1]
    assert (told.to, told.subject) == (["ada@example.test"], "Your e-mail address was changed")
    assert "a•••@example.test" in told.body and "ada.new@" not in told.body

    again = client.post(link)  # the same link once more
    assert again.status_code == 400 and "already used" in again.content.decode()


@pytest.mark.parametrize(("email", "password", "message"), [
    ("not-an-address", DEFAULT_PASSWORD, "Enter a valid email address."),
    ("ada@example.test", DEFAULT_PASSWORD, "That is already your address."),
    ("fresh@example.test", "wrong", "That is not your current password."),
])
def test_a_bad_change_of_address_is_refused_with_what_was_typed(
        client, ada, committed, mailoutbox, email, password, message):
    UserFactory(email="taken@example.test")
    response = ask_change(client, committed, email, password)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and f'value="{email}"' in page
    assert mailoutbox == []
    ada.refresh_from_db()
    assert ada.email == "ada@example.test"


def test_changes_of_address_are_limited(client, ada, committed):
    statuses = [ask_change(client, committed, f"ada{n}@example.test").status_code
                for n in range(6)]
    assert statuses == [302] * 5 + [429]


def test_an_address_in_use_gets_the_same_answer_and_its_holder_a_note(
        client, ada, committed, mailoutbox):
    UserFactory(email="taken@example.test")
    answers, shown = [], []
    for address in ("Taken@Example.test", "free@example.test"):
        answers.append(ask_change(client, committed, address))
        shown.append(client.get(answers[-1]["Location"]).content.decode())
    assert [answer.status_code for answer in answers] == [302, 302]
    assert "We sent a link to taken@example.test." in shown[0]
    assert "We sent a link to free@example.test." in shown[1]
    assert [(mail.to, mail.subject) for mail in mailoutbox] == [
        (["taken@example.test"], "Someone tried to use your e-mail address"),
        (["free@example.test"], "Confirm your new e-mail address")]
    note = mailoutbox[0]
    assert "nothing changed" in note.body and "/accounts/change-email/" not in note.body
    ada.refresh_from_db()
    assert ada.email == "ada@example.test"


def test_probing_addresses_counts_in_the_limit(client, ada, committed):
    for n in range(3):
        UserFactory(email=f"someone{n}@example.test")
    statuses = [ask_change(client, committed, f"someone{n % 3}@example.test").status_code
                for n in range(6)]
    assert statuses == [302] * 5 + [429]


def test_an_address_taken_before_the_link_is_opened_is_refused(client, ada, committed, mailoutbox):
    ask_change(client, committed, "new@example.test")
    UserFactory(email="new@example.test")
    response = client.post(link_in(mailoutbox[0], "/accounts/change-email/"))
    assert response.status_code == 409
    ada.refresh_from_db()
    assert ada.email == "ada@example.test"


def test_the_api_asks_for_a_change_of_address(api_client, ada, committed, mailoutbox):
    api_client.force_authenticate(ada)
    wrong = api_client.post("/api/v1/me/email", {"email": "x@example.test", "password": "no"},
                            format="json")
    assert wrong.status_code == 400
    with committed():
        asked = api_client.post("/api/v1/me/email", {"email": "x@example.test",
                                                     "password": DEFAULT_PASSWORD}, format="json")
    assert asked.status_code == 202
    assert [mail.to for mail in mailoutbox] == [["x@example.test"]]
    UserFactory(email="taken@example.test")
    with committed():
        taken = api_client.post("/api/v1/me/email", {"email": "taken@example.test",
                                                     "password": DEFAULT_PASSWORD}, format="json")
    assert taken.status_code == 202
    assert taken.json() == {"detail": "We sent a link to taken@example.test. Your address "
                                      "changes when you open it."}
    assert mailoutbox[-1].subject == "Someone tried to use your e-mail address"


def test_only_the_newest_change_of_address_link_works(client, ada, committed, mailoutbox):
    ask_change(client, committed, "typo@exmaple.test")
    ask_change(client, committed, "right@example.test")
    older, newer = (link_in(mail, "/accounts/change-email/") for mail in mailoutbox)
    for answer in (client.get(older), client.post(older)):
        assert answer.status_code == 400
        page = answer.content.decode()
        assert "replaced by a newer one" in page
        assert 'href="/accounts/account/email/"' in page  # a way to ask again
    ada.refresh_from_db()
    assert ada.email == "ada@example.test"
    with committed():
        assert client.post(newer).status_code == 302
    ada.refresh_from_db()
    assert ada.email == "right@example.test"


def test_a_new_password_voids_a_pending_change_of_address_link(client, ada, committed,
                                                                mailoutbox):
    ask_change(client, committed, "typo@exmaple.test")
    link = link_in(mailoutbox[0], "/accounts/change-email/")
    with committed():
        changed = client.post("/accounts/account/password/", {
            "old_password": DEFAULT_PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert changed.status_code == 302
    answer = Client().post(link)
    assert answer.status_code == 400
    assert "Your password was changed after this link was sent" in answer.content.decode()
    ada.refresh_from_db()
    assert ada.email == "ada@example.test"


def test_a_password_reset_voids_a_pending_change_of_address_link(client, ada, committed,
                                                                  mailoutbox):
    ask_change(client, committed, "typo@exmaple.test")
    change = link_in(mailoutbox[0], "/accounts/change-email/")
    visitor = Client()
    with committed():
        visitor.post("/accounts/password-reset/", {"email": "ada@example.test"})
    reset = link_in(mailoutbox[1], "/accounts/reset/")
    form = visitor.get(reset, follow=True)
    with committed():
        done = visitor.post(form.redirect_chain[-1][0],
                            {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    ada.refresh_from_db()
    assert ada.check_password(NEW)
    assert Client().post(change).status_code == 400
    ada.refresh_from_db()
    assert ada.email == "ada@example.test"


@pytest.mark.django_db(transaction=True)
def test_the_newest_link_opened_twice_at_once_changes_the_address_once(mailoutbox):
    ada = UserFactory(email="ada@example.test")
    client = Client()
    client.force_login(ada)
    client.post("/accounts/account/email/", {"email": "one@example.test",
                                             "password": DEFAULT_PASSWORD})
    client.post("/accounts/account/email/", {"email": "two@example.test",
                                             "password": DEFAULT_PASSWORD})
    newest = link_in(mailoutbox[-1], "/accounts/change-email/")
    statuses = run_together(2, lambda n: Client().post(newest).status_code)
    assert sorted(statuses) == [302, 400]
    ada.refresh_from_db()
    assert ada.email == "two@example.test"
    told = [mail for mail in mailoutbox if mail.subject == "Your e-mail address was changed"]
    assert [mail.to for mail in told] == [["ada@example.test"]]


# --- changing the password ----------------------------------------------------------------

def test_changing_the_password_needs_the_current_one(client, ada, committed, mailoutbox):
    Token.objects.create(user=ada)
    wrong = client.post("/accounts/account/password/", {
        "old_password": "nope", "new_password1": NEW, "new_password2": NEW})
    assert wrong.status_code == 400
    assert "Your old password was entered incorrectly" in wrong.content.decode()
    mismatch = client.post("/accounts/account/password/", {
        "old_password": DEFAULT_PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"})
    assert mismatch.status_code == 400
    with committed():
        done = client.post("/accounts/account/password/", {
            "old_password": DEFAULT_PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == "/accounts/account/"
    ada.refresh_from_db()
    assert ada.check_password(NEW)
    assert not Token.objects.filter(user=ada).exists()
    assert client.get("/accounts/account/").status_code == 200  # this session goes on
    assert [mail.subject for mail in mailoutbox] == ["Your password was changed"]


def test_the_api_changes_the_password_and_hands_a_new_token(api_client, ada):
    old = Token.objects.create(user=ada)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")
    weak = api_client.post("/api/v1/me/password", {"old_password": DEFAULT_PASSWORD,
                                                   "new_password": "123"}, format="json")
    assert weak.status_code == 400 and "new_password" in weak.json()
    changed = api_client.post("/api/v1/me/password", {"old_password": DEFAULT_PASSWORD,
                                                      "new_password": NEW}, format="json")
    assert changed.status_code == 200
    new_key = changed.json()["token"]
    assert new_key != old.key
    assert api_client.get("/api/v1/me").status_code == 401  # the old token is gone
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {new_key}")
    assert api_client.get("/api/v1/me").status_code == 200


def test_the_api_keeps_its_timestamps_in_utc(api_client, ada):
    ada.time_zone = "America/Denver"
    ada.save()
    notify(recipient=ada, kind="order_completed", context={"order_id": 1, "shop_name": "Hilltop"},
           dedupe_key="order_completed:1", url="/orders/1/")
    api_client.force_authenticate(ada)
    created = api_client.get("/api/v1/notifications/").json()["results"][0]["created"]
    assert created.endswith("Z")


def test_an_order_page_shows_its_times_in_the_buyers_zone(client, ada):
    ada.time_zone = "America/Los_Angeles"
    ada.save()
    listing = ListingFactory()
    checkout = Checkout.objects.create(buyer=ada, idempotency_key="k", request_fingerprint="f",
                                       amount_cents=1000, expires_at=timezone.now())
    order = Order.objects.create(checkout=checkout, buyer=ada, shop=listing.shop,
                                 fulfillment="ship", subtotal_cents=1000, shipping_cents=0,
                                 total_cents=1000, status="pending_payment")
    OrderItem.objects.create(order=order, listing=listing, title="Honey", quantity=1,
                             unit_price_cents=1000)
    OrderEvent.objects.create(order=order, status="pending_payment",
                              at=datetime(2026, 3, 2, 15, 30, tzinfo=UTC))
    page = client.get(reverse("order", args=[order.pk])).content.decode()
    assert "Mar 2, 2026 7:30 AM PST" in page
    assert "UTC" not in page
