import pytest
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_visitor_opens_home_signs_up_and_sees_the_signed_in_header(
    live_server, phone_page, screenshot
):
    page = phone_page
    page.goto(live_server.url + "/")
    assert "Buy straight from America's small towns" in page.inner_text("h1")
    screenshot(page, "home")

    page.click("text=Sign up")
    page.wait_for_url("**/accounts/signup/")
    page.fill("#id_display_name", "Rosa Martinez")
    page.fill("#id_email", "rosa@example.test")
    page.fill("#id_password", "short")
    page.click("button:has-text('Sign up')")
    assert "This password is too short" in page.inner_text("main")
    screenshot(page, "signup-error")

    page.fill("#id_password", "plum-orchard-41")
    page.click("button:has-text('Sign up')")
    page.wait_for_url(live_server.url + "/")
    assert page.inner_text(".site-header .who") == "Hi, Rosa Martinez"
    assert "Welcome, Rosa Martinez!" in page.inner_text(".messages")
    screenshot(page, "signed-in")
    assert get_user_model().objects.filter(email="rosa@example.test").exists()
