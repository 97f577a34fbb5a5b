import http.server
import importlib.util
import socket
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from celery import current_app
from django.utils import timezone
from rest_framework.test import APIClient

from payments.services.intents import _OUTCOME_HANDLERS
from tests.browser import (  # noqa: F401 - shared fixtures
    axe_for_browser_tests,
    axe_watch,
    browser,
    phone_page,
    screenshot,
)
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.processes import BIN, ROOT, free_port, stop_process, wait_for_port
from tests.stripe_support import serve
from tests.support import cache_clear_own_keys


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


# --- Shared by the order, payment, job and fault tests ------------------------------------

@pytest.fixture
def buyer(api_client):
    user = UserFactory(display_name="Dana Buyer")
    api_client.force_authenticate(user)
    return user


@pytest.fixture
def two_shops():
    honey = ShopFactory(name="Driftless Bee Farm")
    quilts = ShopFactory(name="Berea Loom House")
    return (
        ListingFactory(shop=honey, title="Raw Wildflower Honey", price_cents=1200,
                       shipping_cents=650, stock=5, local_pickup=True),
        ListingFactory(shop=quilts, title="Log Cabin Quilt", price_cents=48000,
                       shipping_cents=2500, stock=1),
    )


@pytest.fixture
def outcomes():
    """Record every outcome payments dispatches for references "paytest:…"."""
    received = []
    _OUTCOME_HANDLERS["paytest"] = received.append
    yield received
    _OUTCOME_HANDLERS.pop("paytest", None)


@pytest.fixture
def failing_stripe():
    """A local server that answers every request with HTTP 500 (a broken Stripe)."""
    box = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            box["server"].requests.append({"path": self.path,
                                           "key": self.headers.get("Idempotency-Key")})
            body = b'{"error": {"type": "api_error", "message": "boom"}}'
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST  # noqa: N815

        def log_message(self, *args):
            pass

    box["server"] = serve(Handler)
    yield box["server"]
    box["server"].stop()


@pytest.fixture
def hanging_port():
    """A port that accepts connections and never answers (a Stripe that times out)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                accepted.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    stop.set()
    thread.join(timeout=2)
    for conn in accepted:
        conn.close()
    listener.close()


@pytest.fixture
def eager_tasks():
    """Celery tasks run in this process as soon as they are queued (after the commit, for
    delay_on_commit), also in the live server's thread: mails land in mailoutbox."""
    conf = current_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved


def _connect_fake_module():
    # scripts/ is not a package: its stand-ins import their shared fake_http by name.
    if str(ROOT / "scripts") not in sys.path:
        sys.path.append(str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location(
        "stripe_connect_fake", ROOT / "scripts" / "stripe_connect_fake.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def connect_fake(settings):
    """The project's Stripe Connect fake (scripts/stripe_connect_fake.py) on a port of its own,
    with the app's Connect calls pointed at it. Its webhook goes nowhere unless a test sets it.
    It signs with the Connect secret when one is configured, as Stripe's Connect endpoint does."""
    server, fake = _connect_fake_module().serve(
        webhook_secret=settings.STRIPE_CONNECT_WEBHOOK_SECRET or settings.STRIPE_WEBHOOK_SECRET)
    fake.base = fake.public_base
    settings.STRIPE_CONNECT_API_BASE = fake.base
    yield fake
    server.shutdown()
    server.server_close()
