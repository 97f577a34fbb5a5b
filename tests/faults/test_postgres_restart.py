"""PostgreSQL restarts under a running web server: the app recovers without a restart."""

import time
import uuid

import pytest
import requests

from tests.faults.conftest import app_env, manage, web_server

pytestmark = [pytest.mark.faults, pytest.mark.services]


def _get(base: str) -> tuple[int, float]:
    """One catalog API request that must reach the database (a query no cache has seen)."""
    began = time.monotonic()
    try:
        status = requests.get(f"{base}/api/v1/listings/", params={"q": uuid.uuid4().hex[:8]},
                              timeout=20).status_code
    except requests.RequestException as exc:
        status = type(exc).__name__
    return status, time.monotonic() - began


def test_web_server_recovers_after_postgres_restarts(private_postgres, tmp_path):
    private_postgres.create_database()
    env = app_env(DATABASE_URL=private_postgres.url, DATABASE_POOL_MIN="2",
                  DATABASE_POOL_MAX="4", CACHE_KEY_PREFIX="faults-pg")
    manage("migrate", "--noinput", "-v", "0", env=env, timeout=300)
    with web_server(env=env, log_path=tmp_path / "web.log") as base:
        # Fill the pool: four requests at once make the worker open several connections.
        with requests.Session() as session:
            for _ in range(3):
                assert [_get(base)[0] for _ in range(4)] == [200] * 4
            assert session.get(f"{base}/readyz", timeout=20).status_code == 200

        private_postgres.restart()  # every pooled connection now points at a dead backend

        after = [_get(base) for _ in range(6)]
        statuses = [status for status, _ in after]
        slowest = max(seconds for _, seconds in after)
        assert slowest < 10, f"a request hung after the restart: {after}"
        # With CONN_HEALTH_CHECKS the pool tests a connection before lending it: not even the
        # first request after the restart fails.
        assert statuses == [200] * 6, after
        ready = requests.get(f"{base}/readyz", timeout=20)
        assert ready.status_code == 200
        assert ready.json()["checks"]["database"]["ok"] is True
    assert "WORKER TIMEOUT" not in (tmp_path / "web.log").read_text()


def test_requests_fail_fast_while_postgres_is_down_and_succeed_once_it_is_back(
    private_postgres, tmp_path
):
    private_postgres.create_database()
    env = app_env(DATABASE_URL=private_postgres.url, DATABASE_POOL_TIMEOUT="2",
                  CACHE_KEY_PREFIX="faults-pg")
    manage("migrate", "--noinput", "-v", "0", env=env, timeout=300)
    with web_server(env=env, log_path=tmp_path / "web.log") as base:
        assert _get(base)[0] == 200
        # Down for a while: each query of a request waits DATABASE_POOL_TIMEOUT (2 s here) for
        # a connection, then the request fails with a 500 instead of hanging; the readiness
        # probe (one query) says why within that time, so a load balancer stops sending.
        private_postgres.stop()
        status, seconds = _get(base)
        assert status == 500 and seconds < 20, (status, seconds)
        began = time.monotonic()
        probe = requests.get(f"{base}/readyz", timeout=20)
        assert probe.status_code == 503 and time.monotonic() - began < 5
        assert probe.json()["checks"]["database"]["ok"] is False
        private_postgres.start()
        # As a load balancer would: wait (bounded) for readiness, then traffic flows again.
        # The pool reconnects in the background; the first request may race it.
        deadline = time.monotonic() + 20
        while requests.get(f"{base}/readyz", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "never ready again after Postgres came back"
            time.sleep(0.2)
        assert [_get(base)[0] for _ in range(4)] == [200] * 4
