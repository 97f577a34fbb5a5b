"""Fixtures for the notifications tests: eager tasks in-process, or real workers and Redis."""

import contextlib
from email import message_from_bytes
from pathlib import Path

import pytest
from celery import current_app

from tests.support import RedisServer


@pytest.fixture(autouse=True)
def _eager_tasks_unless_real_worker(request):
    """In-process tests run the delivery task at once (on commit); `services` tests use a worker."""
    if request.node.get_closest_marker("services"):
        yield
        return
    conf = current_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved


def _reset_broker_pools() -> None:
    # Drop references only: kombu shares pools per broker URL, so closing one here could close
    # a pool a later test with the same URL picks up again.
    current_app._pool = None
    current_app.amqp._producer_pool = None


@contextlib.contextmanager
def celery_publishing(*, queue: str, broker_url: str | None = None):
    """Make this process's `delay_on_commit` publish to `queue` (and `broker_url`) for a while."""
    conf = current_app.conf
    # Celery's conf is a live view of Django's settings plus a dict of explicit changes: restore
    # the changes exactly (absent stays absent), or a value would outlive this block.
    absent = object()
    saved = {key: conf.changes.get(key, absent) for key in ("task_default_queue", "broker_url")}
    conf.task_default_queue = queue
    if broker_url:
        conf.broker_url = broker_url
        _reset_broker_pools()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is absent:
                conf.changes.pop(key, None)
            else:
                conf.changes[key] = value
        if broker_url:
            _reset_broker_pools()


@pytest.fixture
def private_redis(tmp_path, settings):
    """Start a private Redis and point this process's cache and Celery publishing at it."""
    # Publishing to the private Redis is switched on with celery_publishing(broker_url=...);
    # the check at the end makes sure none of it outlives the test.
    machine_broker = current_app.conf.broker_url
    redis = RedisServer(tmp_path)
    redis.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis.url,
            "KEY_PREFIX": "notify",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.CELERY_BROKER_URL = redis.url
    try:
        yield redis
    finally:
        redis.stop()
        # Django's settings fixture restores the broker URL; no explicit override may remain.
        assert current_app.conf.changes.get("broker_url", machine_broker) == machine_broker


def mail_files(directory: Path) -> list:
    """The e-mails the file backend wrote, parsed, oldest first."""
    messages = []
    for path in sorted(directory.glob("*.log")):
        # One file per connection; messages are separated by a line of 79 dashes.
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                messages.append(message_from_bytes(chunk.lstrip()))
    return messages
