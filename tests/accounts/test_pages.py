import pytest
from django.contrib.auth import get_user_model

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_signup_page_creates_an_account_and_signs_in(client):
    assert client.get("/accounts/signup/").status_code == 200
    response = client.post(
        "/accounts/signup/",
        {"display_name": "Bea", "email": "bea@example.test", "password": "plum-orchard-41"},
        follow=True,
    )
    assert response.status_code == 200
    assert User.objects.filter(email="bea@example.test", display_name="Bea").exists()
    html = response.content.decode()
    assert "Hi, Bea" in html
    assert "Welcome, Bea! Your account is ready." in html


def test_signup_page_shows_field_errors_and_writes_nothing(client):
    UserFactory(email="taken@example.test")
    response = client.post(
        "/accounts/signup/",
        {"display_name": "", "email": "taken@example.test", "password": "123"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html
    assert User.objects.count() == 1


def test_signup_page_reports_a_taken_email(client):
    UserFactory(email="taken@example.test")
    response = client.post(
        "/accounts/signup/",
        {"display_name": "T", "email": "taken@example.test", "password": "plum-orchard-41"},
    )
    assert "An account with this e-mail address already exists." in response.content.decode()
    assert User.objects.count() == 1


def test_login_and_logout_pages(client):
    user = UserFactory(display_name="Cal")
    response = client.post(
        "/accounts/login/?next=/accounts/signup/",
        {"email": user.email, "password": DEFAULT_PASSWORD, "next": "/accounts/signup/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/"
    assert "Hi, Cal" in client.get("/").content.decode()
    response = client.post("/accounts/logout/", follow=True)
    assert "Hi, Cal" not in response.content.decode()
    assert "Log in" in response.content.decode()


def test_login_page_refuses_an_offsite_next(client):
    user = UserFactory()
    response = client.post(
        "/accounts/login/",
        {"email": user.email, "password": DEFAULT_PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_page_wrong_password_then_throttled(client):
    user = UserFactory()
    statuses = [
        client.post("/accounts/login/", {"email": user.email, "password": "nope"}).status_code
        for _ in range(11)
    ]
    assert statuses == [400] * 10 + [429]
    response = client.post("/accounts/login/", {"email": user.email, "password": "nope"})
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
