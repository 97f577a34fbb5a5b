"""Send catalog reads to a read replica (DATABASE_REPLICA_URL); everything else to the primary.

Only reads of the catalog's own tables (the `sellers` app: listings, images, shops, villages,
categories) go to the replica, and only in autocommit mode: inside any `transaction.atomic()`
block on the primary a read goes to the primary too, so a service that reads, locks
(`select_for_update`) and writes sees one consistent database, and a read-only replica is never
asked to lock a row. Orders, payments, accounts and sessions are always read from the primary:
money and log-ins must not see replication lag. With no replica configured the router answers
None and Django uses "default" for everything.
"""

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_ALIAS = "replica"
REPLICA_APPS = frozenset({"sellers"})


def _replica_configured() -> bool:
    return REPLICA_ALIAS in connections.settings


class ReplicaRouter:
    """Catalog reads outside transactions → replica; all writes and migrations → default."""

    def db_for_read(self, model, **hints):
        if not _replica_configured() or model._meta.app_label not in REPLICA_APPS:
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS  # read what this transaction wrote, and lock on the primary
        return REPLICA_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: an object read from either may relate to any.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica receives the schema through replication, never through `migrate`.
        return db == DEFAULT_DB_ALIAS
