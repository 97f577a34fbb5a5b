"""Sign-up, reports, uploads and checkout: the N+1th request is 429 with Retry-After, the
limit resets in the next window, and nothing is written by a refused request."""

import io
import threading

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from PIL import Image

from marketplace.ratelimit import RateLimited, rate_limit_take
from moderation.models import Report
from sellers.models import ListingImage
from tests.factories import DEFAULT_PASSWORD, ListingFactory, UserFactory

User = get_user_model()
pytestmark = pytest.mark.django_db


def jpeg(name="photo.jpg") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 30)).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def assert_throttled_json(response, *, retry_after: int, words: str):
    assert response.status_code == 429
    assert response["Retry-After"] == str(retry_after)
    assert words in response.json()["detail"]
    assert f"Please wait {retry_after} seconds and try again." in response.json()["detail"]


def register(api_client, n):
    return api_client.post("/api/v1/auth/register", {
        "email": f"new{n}@example.test", "password": DEFAULT_PASSWORD,
        "display_name": f"New {n}"}, format="json")


def test_signup_api_third_in_a_minute_is_429_then_resets(api_client, tight_limits, clock):
    assert [register(api_client, n).status_code for n in (1, 2)] == [201, 201]
    clock.now += 15
    refused = register(api_client, 3)
    assert_throttled_json(refused, retry_after=45, words="Too many new accounts from here.")
    assert not User.objects.filter(email="new3@example.test").exists()
    clock.now += 45  # the next window
    assert register(api_client, 3).status_code == 201
    assert User.objects.filter(email__startswith="new").count() == 3


def test_signup_page_and_api_share_one_limit_per_ip(client, api_client, tight_limits, clock):
    assert register(api_client, 1).status_code == 201
    form = {"email": "page@example.test", "password": DEFAULT_PASSWORD,
            "display_name": "Page Person"}
    assert client.post("/accounts/signup/", form).status_code == 302
    refused = Client().post("/accounts/signup/", {**form, "email": "page2@example.test"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "Too many new accounts from here. Please wait 60 seconds" in refused.content.decode()
    assert refused["Content-Security-Policy"].startswith("default-src 'self'")
    assert not User.objects.filter(email="page2@example.test").exists()
    # Reading the page is never limited.
    assert Client().get("/accounts/signup/").status_code == 200


def test_signup_limit_is_per_ip(api_client, tight_limits, clock):
    assert [register(api_client, n).status_code for n in (1, 2, 3)] == [201, 201, 429]
    other = api_client.post("/api/v1/auth/register", {
        "email": "elsewhere@example.test", "password": DEFAULT_PASSWORD,
        "display_name": "Elsewhere"}, format="json", REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 201


def test_report_api_and_page_limit(api_client, tight_limits, clock):
    listing = ListingFactory()
    reporter = UserFactory()
    api_client.force_authenticate(reporter)
    url = f"/api/v1/listings/{listing.pk}/reports/"
    statuses = [api_client.post(url, {"reason": "nonsense"}, format="json").status_code
                for _ in range(2)]
    assert statuses == [400, 400]  # bad requests count too: the slot is taken first
    refused = api_client.post(url, {"reason": "prohibited"}, format="json")
    assert_throttled_json(refused, retry_after=60,
                          words="You have sent a lot of reports in a short time.")
    page = Client()
    page.force_login(reporter)
    refused_page = page.post(f"/listings/{listing.pk}/report/", {"reason": "prohibited"})
    assert refused_page.status_code == 429
    assert refused_page["Retry-After"] == "60"
    assert Report.objects.count() == 0
    clock.now += 60
    assert page.post(f"/listings/{listing.pk}/report/", {"reason": "nonsense"}).status_code == 400


def test_upload_api_and_page_limit(api_client, tight_limits, clock):
    listing = ListingFactory()
    api_client.force_authenticate(listing.shop.owner)
    url = f"/api/v1/listings/{listing.pk}/images/"
    assert api_client.post(url, {"image": jpeg()}, format="multipart").status_code == 201
    clock.now += 30
    page = Client()
    page.force_login(listing.shop.owner)
    added = page.post(f"/sell/listings/{listing.pk}/photos/", {"photo": jpeg()})
    assert added.status_code == 302
    refused = api_client.post(url, {"image": jpeg()}, format="multipart")
    assert_throttled_json(refused, retry_after=30,
                          words="You have uploaded a lot of photos in a short time.")
    refused_page = page.post(f"/sell/listings/{listing.pk}/photos/", {"photo": jpeg()})
    assert refused_page.status_code == 429
    assert refused_page["Retry-After"] == "30"
    assert ListingImage.objects.filter(listing=listing).count() == 2
    clock.now += 30
    assert api_client.post(url, {"image": jpeg()}, format="multipart").status_code == 201
    assert ListingImage.objects.filter(listing=listing).count() == 3


def test_checkout_api_limit_per_buyer_with_retry_after(api_client, tight_limits, clock):
    buyer = UserFactory()
    api_client.force_authenticate(buyer)
    body = {"fulfillment": "ship"}  # no address: 400, but each attempt counts
    statuses = [api_client.post("/api/v1/checkout", body, format="json",
                                HTTP_IDEMPOTENCY_KEY=f"k{n}").status_code for n in range(2)]
    assert statuses == [400, 400]
    refused = api_client.post("/api/v1/checkout/1/pay", {"payment_method": "pm_card_visa"},
                              format="json")
    assert_throttled_json(refused, retry_after=60,
                          words="Too many checkout attempts in a short time.")
    # Another buyer has a limit of their own.
    api_client.force_authenticate(UserFactory())
    assert api_client.post("/api/v1/checkout", body, format="json",
                           HTTP_IDEMPOTENCY_KEY="other").status_code == 400
    clock.now += 60
    api_client.force_authenticate(buyer)
    assert api_client.post("/api/v1/checkout", body, format="json",
                           HTTP_IDEMPOTENCY_KEY="k3").status_code == 400


def test_default_checkout_rate_is_30_a_minute(api_client, clock):
    api_client.force_authenticate(UserFactory())
    statuses = [api_client.post("/api/v1/checkout", {"fulfillment": "ship"}, format="json",
                                HTTP_IDEMPOTENCY_KEY=f"k{n}").status_code for n in range(31)]
    assert statuses == [400] * 30 + [429]


def test_login_page_throttle_also_sends_retry_after(client, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 1
    user = UserFactory()
    form = {"email": user.email, "password": "wrong"}
    assert client.post("/accounts/login/", form).status_code == 400
    refused = client.post("/accounts/login/", form)
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(settings.LOGIN_FAILURE_WINDOW)


def test_concurrent_takes_never_exceed_the_limit(settings, clock):
    """Real Redis: 20 threads race for 7 slots; exactly 7 win."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report": "7/hour"}
    results, barrier = [], threading.Barrier(20)

    def take():
        barrier.wait()
        try:
            rate_limit_take(scope="report", who="user:42")
            results.append("ok")
        except RateLimited:
            results.append("429")

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["429"] * 13 + ["ok"] * 7


def test_unreachable_cache_skips_the_limit_instead_of_failing(api_client, settings):
    from tests.processes import free_port

    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "1/hour"}
    assert [register(api_client, n).status_code for n in (1, 2)] == [201, 201]
