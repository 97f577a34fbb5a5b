"""Password reset by e-mail: Django's views and tokens behind our pages and limits."""

from datetime import timedelta

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from rest_framework.authtoken.models import Token

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.support import mailed_link as link_in

pytestmark = pytest.mark.django_db

NEW = "Pl0m-orchard-77"


def ask(client, committed, email):
    with committed():
        return client.post("/accounts/password-reset/", {"email": email})


def test_the_login_page_links_to_the_reset(client):
    assert 'href="/accounts/password-reset/">Forgot your password?' in client.get(
        "/accounts/login/").content.decode()


def test_a_known_and_an_unknown_address_get_the_same_answer_and_only_one_mail(
        client, committed, mailoutbox):
    UserFactory(email="ada@example.test")
    known = ask(client, committed, "Ada@Example.test")
    unknown = ask(client, committed, "nobody@example.test")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password-reset/sent/"
    page = client.get("/accounts/password-reset/sent/").content.decode()
    assert "If an account uses" in page
    assert [mail.to for mail in mailoutbox] == [["ada@example.test"]]
    assert mailoutbox[0].subject == "Reset your password"
    assert "/accounts/reset/" in mailoutbox[0].body


def test_the_link_sets_a_new_password_once_and_revokes_api_tokens(client, committed, mailoutbox):
    ada = UserFactory(email="ada@example.test")
    Token.objects.create(user=ada)
    ask(client, committed, "ada@example.test")
    link = link_in(mailoutbox[0], "/accounts/reset/")

    opened = client.get(link)
    assert opened.status_code == 302  # Django moves the token out of the address bar
    form = client.get(opened["Location"])
    assert "Choose a new password" in form.content.decode()
    mismatch = client.post(opened["Location"], {"new_password1": NEW, "new_password2": "x" + NEW})
    assert mismatch.status_code == 400
    weak = client.post(opened["Location"], {"new_password1": "12345678",
                                            "new_password2": "12345678"})
    assert weak.status_code == 400 and "too common" in weak.content.decode()
    with committed():
        done = client.post(opened["Location"], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    ada.refresh_from_db()
    assert ada.check_password(NEW)
    assert not Token.objects.filter(user=ada).exists()
    assert "_auth_user_id" not in client.session  # nobody is logged in by a reset
    assert mailoutbox[-1].subject == "Your password was changed"

    again = client.get(link)  # the same link once more
    assert again.status_code == 400
    page = again.content.decode()
    assert "This link does not work" in page and 'href="/accounts/password-reset/"' in page
    ada.refresh_from_db()
    assert ada.check_password(NEW)


@pytest.mark.parametrize("mangle", [
    lambda link: link.replace("/reset/", "/reset/x"),  # another account id
    lambda link: link[:-3] + "zz/",  # a changed token
    lambda link: "/accounts/reset/%C3%BF%00/abc-def/",  # garbage
])
def test_a_tampered_link_is_a_clear_page_not_an_error(client, committed, mailoutbox, mangle):
    UserFactory(email="ada@example.test")
    ask(client, committed, "ada@example.test")
    response = client.get(mangle(link_in(mailoutbox[0], "/accounts/reset/")), follow=True)
    assert response.status_code == 400
    assert "Send me a new link" in response.content.decode()


def test_an_expired_link_is_a_clear_page(client, committed, mailoutbox, monkeypatch, settings):
    ada = UserFactory(email="ada@example.test")
    ask(client, committed, "ada@example.test")
    link = link_in(mailoutbox[0], "/accounts/reset/")
    later = PasswordResetTokenGenerator._now(None) + timedelta(
        seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    response = client.get(link, follow=True)
    assert response.status_code == 400
    assert "Send me a new link" in response.content.decode()
    ada.refresh_from_db()
    assert ada.check_password(DEFAULT_PASSWORD)


def test_bad_input_keeps_what_was_typed(client, mailoutbox):
    response = client.post("/accounts/password-reset/", {"email": "not an address"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address." in page and 'value="not an address"' in page
    assert mailoutbox == []


def test_three_requests_per_address_then_429_whether_or_not_it_has_an_account(
        client, committed, mailoutbox):
    UserFactory(email="ada@example.test")
    for address in ("ada@example.test", "nobody@example.test"):
        statuses = [ask(client, committed, address).status_code for _ in range(4)]
        assert statuses == [302, 302, 302, 429]
    assert len(mailoutbox) == 3  # ada's three; nobody's none


def test_requests_per_ip_are_limited(client, committed, settings, mailoutbox):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset": "2/hour"}
    statuses = [ask(client, committed, f"person{n}@example.test").status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    refused = ask(client, committed, "ada@example.test")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many password-reset requests" in refused.content.decode()


def test_a_closed_account_gets_no_link(client, committed, mailoutbox):
    UserFactory(email="ada@example.test", is_active=False)
    assert ask(client, committed, "ada@example.test").status_code == 302
    assert mailoutbox == []


def test_a_staff_reset_does_not_skip_the_second_factor(client, committed, mailoutbox):
    staff = UserFactory(email="sam@example.test", is_staff=True, is_superuser=True)
    ask(client, committed, "sam@example.test")
    opened = client.get(link_in(mailoutbox[0], "/accounts/reset/"))
    client.post(opened["Location"], {"new_password1": NEW, "new_password2": NEW})
    assert client.get("/staff/").status_code == 302  # not signed in by the reset
    login = client.post("/accounts/login/", {"email": staff.email, "password": NEW})
    assert login.status_code == 302
    assert login["Location"].startswith("/accounts/second-factor/")
    staff_page = client.get("/staff/")
    assert staff_page.status_code == 302
    assert staff_page["Location"].startswith("/accounts/second-factor/")


def test_the_api_answers_the_same_for_every_address(api_client, committed, mailoutbox):
    UserFactory(email="ada@example.test")
    with committed():
        known = api_client.post("/api/v1/auth/password-reset", {"email": "ada@example.test"},
                                format="json")
        unknown = api_client.post("/api/v1/auth/password-reset",
                                  {"email": "nobody@example.test"}, format="json")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert [mail.to for mail in mailoutbox] == [["ada@example.test"]]
    bad = api_client.post("/api/v1/auth/password-reset", {"email": "nope"}, format="json")
    assert bad.status_code == 400 and "email" in bad.json()
