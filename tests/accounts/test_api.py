import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def register(client, **overrides):
    body = {"email": "ada@example.test", "password": "plum-orchard-41", "display_name": "Ada"}
    body.update(overrides)
    return client.post("/api/v1/auth/register", body, format="json")


def test_register_then_token_then_me(api_client):
    response = register(api_client)
    assert response.status_code == 201
    user = User.objects.get(email="ada@example.test")
    assert response.json() == {"id": user.id, "email": "ada@example.test", "display_name": "Ada"}

    response = api_client.post(
        "/api/v1/auth/token", {"email": "ada@example.test", "password": "plum-orchard-41"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=user).key == token

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": user.id,
        "email": "ada@example.test",
        "display_name": "Ada",
        "is_seller": False,
        "shop": None,
        "is_staff": False,
        "email_confirmed": False,  # the link is in the mail
        "time_zone": "America/Chicago",  # no zone sent: US Central
    }


def test_register_lowercases_the_email_and_refuses_a_duplicate_in_any_case(api_client):
    assert register(api_client, email="Ada@Example.TEST").status_code == 201
    response = register(api_client, email="ADA@example.test")
    assert response.status_code == 400
    assert response.json() == {"email": ["An account with this e-mail address already exists."]}
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "password", ["short1", "12345678901", "password123", "ada@example.test"]
)
def test_register_refuses_a_weak_password(api_client, password):
    response = register(api_client, password=password)
    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "not-an-email", "password": "plum-orchard-41", "display_name": "Ada"},
        {"email": "a@example.test", "password": "plum-orchard-41", "display_name": ""},
        {"email": "a@example.test", "password": "plum-orchard-41", "display_name": "x" * 61},
        {"email": ["a@example.test"], "password": 5, "display_name": None},
    ],
)
def test_register_bad_input_is_a_400_with_field_errors(api_client, body):
    response = api_client.post("/api/v1/auth/register", body, format="json")
    assert response.status_code == 400
    assert response.json()
    assert not User.objects.exists()


def test_register_rejects_malformed_json(api_client):
    response = api_client.post(
        "/api/v1/auth/register", data="{nope", content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_token_with_a_wrong_password_is_400(api_client):
    user = UserFactory()
    response = api_client.post(
        "/api/v1/auth/token", {"email": user.email, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "That e-mail address and password do not match an account."
    }
    assert not Token.objects.exists()


def test_eleven_wrong_logins_in_a_row_are_throttled_even_with_the_right_password(api_client):
    user = UserFactory()
    statuses = [
        api_client.post(
            "/api/v1/auth/token", {"email": user.email, "password": "wrong"}, format="json"
        ).status_code
        for _ in range(11)
    ]
    assert statuses == [400] * 10 + [429]
    response = api_client.post(
        "/api/v1/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed log-in attempts" in response.json()["detail"]
    assert not Token.objects.exists()


def test_a_successful_login_resets_the_account_counter(api_client):
    user = UserFactory()
    for _ in range(9):
        api_client.post(
            "/api/v1/auth/token", {"email": user.email, "password": "wrong"}, format="json"
        )
    ok = api_client.post(
        "/api/v1/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert ok.status_code == 200
    statuses = [
        api_client.post(
            "/api/v1/auth/token", {"email": user.email, "password": "wrong"}, format="json"
        ).status_code
        for _ in range(10)
    ]
    assert statuses == [400] * 10


def test_me_requires_authentication(api_client):
    response = api_client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_me_with_a_bad_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api_client.get("/api/v1/me").status_code == 401
