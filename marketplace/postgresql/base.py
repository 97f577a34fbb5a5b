"""Django's PostgreSQL backend and pool, with a health check that needs no round trip.

With CONN_HEALTH_CHECKS, Django hands psycopg_pool its `check_connection`, which sends an
empty query to PostgreSQL before lending each connection: on a catalog request the pool could
not spare, that round trip was a tenth of the request's Python time and one more wake-up of
PostgreSQL. `connection_alive` asks the connection's socket instead. An idle connection's
server says nothing unless something happened to it: a restart, a failover or an
administrator's kill sends a termination notice and closes the socket, which then reads as
ready. Only then (or when the connection is not idle) does the full round-trip check run, and
the pool replaces a connection that fails it.

Everything else is Django's backend, unchanged (settings: ENGINE "marketplace.postgresql").
"""

import select

from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base
from psycopg import OperationalError
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool


def connection_alive(conn) -> None:
    """A psycopg_pool `check`: return quietly for a usable connection, raise otherwise."""
    if conn.closed:
        raise OperationalError("the connection is closed")
    if conn.info.transaction_status == TransactionStatus.IDLE:
        poller = select.poll()
        poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
        if not poller.poll(0):
            return  # nothing arrived since the last answer: the server has not let go
    # Bytes waiting on an idle connection, or a connection not idle: ask the server.
    ConnectionPool.check_connection(conn)


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        """Django's pool, built as Django builds it but checked by `connection_alive`."""
        options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not options:
            return None
        if self.alias not in self._connection_pools:
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                return super().pool  # Django's own error: a pool and persistent connections
            connect = {**self.get_connection_params(), "autocommit": True}
            checked = self.settings_dict["CONN_HEALTH_CHECKS"]
            pool = ConnectionPool(
                kwargs=connect, open=False, configure=self._configure_connection,
                check=connection_alive if checked else None,
                **({} if options is True else options),
            )
            # As Django: the first of several threads to build one keeps it.
            self._connection_pools.setdefault(self.alias, pool)
        return self._connection_pools[self.alias]
