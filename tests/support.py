"""Small helpers every test folder may use (import them from here, never from a conftest)."""

import io
import re
import subprocess
import threading
import time
import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from marketplace.accounts.time_zones import default_time_zone
from moderation.models import AuditLog
from orders.models import Checkout, Order, OrderEvent, OrderItem, Review
from tests.factories import UserFactory
from tests.processes import free_port, stop_process, wait_for_port


def cache_clear_own_keys() -> None:
    """Empty this site's cache keys only (the Redis database also holds Celery's queues), and
    what a process keeps itself (the category tree, the anonymous page cache, typo
    corrections)."""
    from marketplace.catalog.selectors import category_tree_invalidate
    from sellers.search import corrections
    from web.page_cache import store

    category_tree_invalidate()
    store.clear()
    corrections.clear()
    backend = cache._cache if hasattr(cache, "_cache") else None
    if backend is None or not hasattr(backend, "get_client"):
        cache.clear()
        return
    client = backend.get_client(write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def reader_zone() -> zoneinfo.ZoneInfo:
    """The zone a page shows dates in for a visitor or an account without a zone of its own
    (DEFAULT_USER_TIME_ZONE): a day behind UTC's each evening in America."""
    return zoneinfo.ZoneInfo(default_time_zone())


def client_for(user) -> APIClient:
    """An API client signed in as outside clients are: a person with their token, a staff
    member with a staff token made after their second-factor code (tests/staff.py)."""
    from rest_framework.authtoken.models import Token

    from tests.staff import staff_api_login

    client = APIClient()
    if user.is_staff:
        return staff_api_login(client, user)
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def jpeg_bytes(size=(64, 48), color=(200, 120, 30), exif=None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, format="JPEG", quality=90, **kwargs)
    return buffer.getvalue()


def photo_upload(client, listing, data: bytes, name="photo.jpg", content_type="image/jpeg"):
    """A photo sent to the listings API as its seller's app sends one (multipart)."""
    return client.post(
        f"/api/v1/listings/{listing.id}/images/",
        {"image": SimpleUploadedFile(name, data, content_type=content_type)},
        format="multipart",
    )


def png_bytes(size=(40, 30), color=(10, 160, 90, 255)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def run_together(count: int, work):
    """Run work(i) in `count` threads released at once; return the results in order."""
    barrier = threading.Barrier(count)

    def wrapped(index):
        try:
            barrier.wait(timeout=30)
            return work(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(wrapped, range(count)))


def wait_until(predicate, *, timeout: float, what: str = "condition", interval: float = 0.2,
               log: Path | None = None):
    """Poll `predicate` until it returns something true (returned), or fail after `timeout`
    seconds, with the tail of `log` (a worker's, say) in the message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    detail = f"\n--- log ---\n{log.read_text()[-5000:]}" if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{detail}")


class RedisServer:
    """A redis-server of the test's own on a free loopback port, no persistence; stop() and
    start() keep the port, so a test can take Redis away and bring it back."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log_dir / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--daemonize", "no"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_for_port(self.port, timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, timeout=10)
            self.process = None


def audit_rows(**filters) -> list[tuple]:
    """The audit log's rows (action, object, reason, states), oldest first."""
    return list(
        AuditLog.objects.filter(**filters).order_by("id")
        .values_list("action", "object_type", "object_id", "reason", "status_before",
                     "status_after")
    )


def dispute_opened_hours_ago(order, hours: float = 49) -> None:
    """Move the order's timeline (and so the dispute's opening) `hours` into the past."""
    OrderEvent.objects.filter(order=order).update(at=F("at") - timezone.timedelta(hours=hours))


def mailed_link(mail, prefix: str) -> str:
    """The site path of the first link in a mail's text that starts with `prefix`."""
    found = re.search(r"http://127\.0\.0\.1:8000(" + re.escape(prefix) + r"\S*)", mail.body)
    assert found, mail.body
    return found.group(1)


def review_written(listing, rating, text="", *, days_ago=0, name=None):
    """A completed order of `listing`, reviewed by its buyer through the API."""
    buyer = UserFactory(**({"display_name": name} if name else {}))
    checkout = Checkout.objects.create(buyer=buyer, idempotency_key=f"k{buyer.pk}",
                                       request_fingerprint="x", amount_cents=1000,
                                       fulfillment="ship", expires_at=timezone.now())
    order = Order.objects.create(checkout=checkout, buyer=buyer, shop=listing.shop,
                                 status="completed", fulfillment="ship", subtotal_cents=1000,
                                 shipping_cents=0, total_cents=1000)
    OrderItem.objects.create(order=order, listing=listing, title=listing.title, quantity=1,
                             unit_price_cents=1000)
    api = APIClient()
    api.force_authenticate(buyer)
    answer = api.post(f"/api/v1/orders/{order.pk}/review", {"rating": rating, "text": text},
                      format="json")
    assert answer.status_code == 201, answer.content
    review = Review.objects.get(order=order)
    if days_ago:
        Review.objects.filter(pk=review.pk).update(created=timezone.now() - timedelta(
            days=days_ago))
    return review


def review_answered(review, text):
    """The reviewed shop's owner replies to `review` through the API."""
    api = APIClient()
    api.force_authenticate(review.shop.owner)
    answer = api.post(f"/api/v1/seller/reviews/{review.pk}/reply", {"text": text}, format="json")
    assert answer.status_code in {200, 201}, answer.content
