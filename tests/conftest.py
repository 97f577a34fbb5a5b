import subprocess
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from tests.browser import browser, phone_page, screenshot  # noqa: F401 - shared fixtures
from tests.processes import BIN, free_port, stop_process, wait_for_port


def cache_clear_own_keys() -> None:
    """Empty this site's cache keys only: the Redis database also holds Celery's queues."""
    backend = cache._cache if hasattr(cache, "_cache") else None
    if backend is None or not hasattr(backend, "get_client"):
        cache.clear()
        return
    client = backend.get_client(write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Every factory user gets a password: PBKDF2 costs ~1 s per account on these machines,
    MD5 next to nothing. Tests only; processes the tests start keep the real hashers."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache_clear_own_keys()
    yield


LEDGER_DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


@pytest.fixture(autouse=True)
def _ledger_consistent(request):
    """After every test that used the database: each journal entry sums to zero per currency
    and no escrow account is negative (two small aggregate queries; skipped without DB)."""
    if request.node.get_closest_marker("django_db") is None and not (
        LEDGER_DB_FIXTURES & set(request.fixturenames)
    ):
        yield
        return
    request.getfixturevalue("db")  # set up first, so this check runs before its rollback
    yield
    from django.db import connection

    if connection.needs_rollback:
        return  # the test left its transaction broken on purpose; nothing can be read
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT entry_id, currency, SUM(amount_cents) FROM payments_journalline"
            " GROUP BY entry_id, currency HAVING SUM(amount_cents) <> 0 LIMIT 5"
        )
        unbalanced = cursor.fetchall()
        cursor.execute(
            "SELECT account, currency, SUM(amount_cents) FROM payments_journalline"
            " WHERE account LIKE 'escrow:%%' GROUP BY account, currency"
            " HAVING SUM(amount_cents) < 0 LIMIT 5"
        )
        negative = cursor.fetchall()
    if unbalanced or negative:
        pytest.fail(f"ledger broken: unbalanced entries {unbalanced}, negative escrow {negative}")


@pytest.fixture
def clock(monkeypatch):
    """Move Django's clock (timezone.now) forward: clock.move(minutes=16). (tests/security
    has its own `clock`, for the rate limiter's time.time.)"""

    class Clock:
        offset = timedelta(0)

        def move(self, **delta):
            self.offset += timedelta(**delta)

    state = Clock()
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + state.offset)
    return state


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture(scope="session")
def localstripe_base(tmp_path_factory):
    """A real localstripe server over HTTP for the whole run, on a port of its own."""
    port = free_port()
    log = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(BIN / "localstripe"), "--from-scratch", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            wait_for_port(port, timeout=30)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop_process(process)


@pytest.fixture
def localstripe(localstripe_base, settings):
    """Point the app's Stripe gateway at the run's localstripe."""
    settings.STRIPE_API_BASE = localstripe_base
    return localstripe_base
