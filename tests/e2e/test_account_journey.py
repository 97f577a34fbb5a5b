"""A buyer on a phone (390×844) whose browser is in Denver: signs up (the zone is guessed by
the page's script), confirms the e-mail address from the mail, looks at the account page,
forgets the password and resets it from the mail, meets a link that does not work. Every
screen is screenshotted and checked with axe-core."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model

from tests.browser import PHONE
from tests.support import mailed_link

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW = "Pl0m-orchard-77"


@pytest.fixture
def denver_phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1,
                                  timezone_id="America/Denver")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def accessible(page, screenshot, step: str) -> None:
    assert screenshot(page, step).exists()
    results = Axe().run(page)
    serious = [v for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], step


def test_a_buyer_confirms_the_address_and_resets_the_password_on_a_phone(
        live_server, denver_phone, screenshot, mailoutbox, eager_tasks):
    page, site = denver_phone, live_server.url
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{site}/accounts/signup/")
    page.fill("#id_display_name", "Rosa Martinez")
    page.fill("#id_email", "rosa@example.test")
    page.fill("#id_password", "plum-orchard-41")
    accessible(page, screenshot, "1-signup")
    page.click("button:has-text('Sign up')")
    page.wait_for_url(f"{site}/")
    rosa = get_user_model().objects.get(email="rosa@example.test")
    assert rosa.time_zone == "America/Denver"  # guessed by the browser
    assert rosa.email_confirmed_at is None
    assert [mail.subject for mail in mailoutbox] == ["Confirm your e-mail address"]

    page.click("header >> text=Account")
    page.wait_for_url(f"{site}/accounts/account/")
    main = page.inner_text("main")
    assert "Not confirmed yet" in main and "Mountain time (Denver)" in main
    assert re.search(r"\(M[SD]T\)", main)
    accessible(page, screenshot, "2-account-unconfirmed")

    page.goto(site + mailed_link(mailoutbox[0], "/accounts/confirm-email/"))
    accessible(page, screenshot, "3-confirm")
    page.click("button:has-text('Confirm my address')")
    page.wait_for_url(f"{site}/accounts/account/")
    assert "is confirmed" in page.inner_text(".messages")
    assert "Confirmed" in page.inner_text("main")
    accessible(page, screenshot, "4-account-confirmed")

    page.click("button:has-text('Log out')")
    page.goto(f"{site}/accounts/login/")
    page.click("text=Forgot your password?")
    page.wait_for_url(f"{site}/accounts/password-reset/")
    page.fill("#id_email", "not an address")
    page.click("button:has-text('Send me a link')")
    assert "Enter a valid email address." in page.inner_text("main")
    accessible(page, screenshot, "5-reset-bad-input")
    page.fill("#id_email", "rosa@example.test")
    page.click("button:has-text('Send me a link')")
    page.wait_for_url(f"{site}/accounts/password-reset/sent/")
    accessible(page, screenshot, "6-reset-sent")

    reset_link = mailed_link(mailoutbox[-1], "/accounts/reset/")
    page.goto(site + reset_link)
    page.wait_for_selector("h1:has-text('Choose a new password')")
    accessible(page, screenshot, "7-reset-choose")
    page.fill("#id_new_password1", NEW)
    page.fill("#id_new_password2", NEW)
    page.click("button:has-text('Save my new password')")
    page.wait_for_url(f"{site}/accounts/reset/done/")
    accessible(page, screenshot, "8-reset-done")

    page.goto(site + reset_link)  # the same link again
    assert "This link does not work" in page.inner_text("h1")
    accessible(page, screenshot, "9-reset-used")

    page.goto(f"{site}/accounts/login/")
    page.fill("#id_email", "rosa@example.test")
    page.fill("#id_password", NEW)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{site}/")
    page.goto(f"{site}/accounts/account/close/")
    accessible(page, screenshot, "10-close")
    assert errors == []
