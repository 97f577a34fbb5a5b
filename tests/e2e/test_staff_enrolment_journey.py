"""A new staff member signs in for the first time on a phone (390×844): the password, setting
up an authenticator from the QR code's key, the recovery codes, the staff pages; then a new
sign-in asks for the code. Every screen is checked with axe-core and screenshotted."""

import re
import time
from base64 import b32decode

import pytest
from axe_playwright_python.sync_playwright import Axe
from django_otp.oath import TOTP

from notifications.models import Notification
from tests.factories import DEFAULT_PASSWORD
from tests.staff import staff_make

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def code_for(secret: str, *, steps_ahead: int = 0) -> str:
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def accessible(page, screenshot, step: str) -> None:
    shot = screenshot(page, step)
    assert shot.exists()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, step


def test_new_staff_member_enrols_on_a_phone(live_server, phone_page, screenshot):
    person = staff_make(display_name="Riley Rookie")
    page = phone_page
    errors = []
    # Script errors only: a 400 answer to a wrong code is logged as a failed resource.
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/?next=/staff/")
    page.fill("#id_email", person.email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url("**/accounts/second-factor/setup/**")
    qr = page.locator(".qr img")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert page.evaluate("document.querySelector('.qr img').naturalWidth") > 100  # it drew
    secret = page.inner_text("#totp-secret")
    assert re.fullmatch(r"[A-Z2-7 ]{32,}", secret)
    accessible(page, screenshot, "1-setup")

    page.fill("#id_code", "123456" if code_for(secret) != "123456" else "654321")
    page.click("button:has-text('Confirm')")
    assert "That code is not right" in page.inner_text(".field.has-error")
    accessible(page, screenshot, "2-wrong-code")

    page.fill("#id_code", code_for(secret))
    page.click("button:has-text('Confirm')")
    page.wait_for_selector("h1:has-text('Your recovery codes')")
    codes = page.locator(".recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    accessible(page, screenshot, "3-recovery-codes")
    page.click("text=I saved my codes, continue")
    page.wait_for_url(f"{live_server.url}/staff/")
    accessible(page, screenshot, "4-staff-home")
    assert Notification.objects.filter(recipient=person, kind="staff_new_browser").count() == 1

    # Signing in again asks for the code (and a recovery code works instead).
    page.click("button:has-text('Log out')")
    page.goto(f"{live_server.url}/accounts/login/?next=/staff/disputes/")
    page.fill("#id_email", person.email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url("**/accounts/second-factor/verify/**")
    accessible(page, screenshot, "5-verify")
    page.fill("#id_code", codes[0])
    page.click("button:has-text('Verify')")
    page.wait_for_url(f"{live_server.url}/staff/disputes/")
    assert errors == []
