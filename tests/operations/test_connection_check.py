"""The pool's health check (marketplace/postgresql): no round trip for a healthy idle
connection, and a connection whose server let go is never lent."""

import psycopg
import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from marketplace.postgresql.base import connection_alive

pytestmark = pytest.mark.django_db


def _connect() -> psycopg.Connection:
    params = {**connection.get_connection_params(), "autocommit": True}
    return psycopg.connect(**params)


def test_the_pool_checks_connections_with_connection_alive():
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.pool._check is connection_alive


def test_a_healthy_idle_connection_passes_without_a_round_trip(tmp_path):
    trace = tmp_path / "libpq.trace"
    with _connect() as conn, trace.open("w") as out:
        conn.execute("SELECT 1")
        conn.pgconn.trace(out.fileno())  # libpq writes every message it sends or receives
        connection_alive(conn)  # quietly
        out.flush()
        assert trace.read_text() == ""
        ConnectionPool.check_connection(conn)  # the round trip it spares, for comparison
        conn.pgconn.untrace()
    assert "Query" in trace.read_text()


def test_a_connection_whose_backend_was_terminated_fails_the_check():
    with _connect() as conn, _connect() as admin:
        conn.execute("SELECT 1")
        admin.execute("SELECT pg_terminate_backend(%s)", [conn.info.backend_pid])
        with pytest.raises(psycopg.OperationalError):
            for _ in range(50):  # the termination notice arrives within moments
                connection_alive(conn)
                admin.execute("SELECT pg_sleep(0.01)")


def test_a_closed_connection_fails_the_check():
    conn = _connect()
    conn.close()
    with pytest.raises(psycopg.OperationalError):
        connection_alive(conn)
