"""The read-replica router (DATABASE_REPLICA_URL), tested with the same database as both."""

import json
import os
import subprocess

import pytest
from django.db import connections

from marketplace.db_router import ReplicaRouter
from orders.models import Order
from sellers.models import Listing
from tests import processes
from tests.factories import ListingFactory

# Runs in a process started with DATABASE_URL = DATABASE_REPLICA_URL = the test database:
# real requests through the whole stack, counting the queries each alias ran.
PROBE = r"""
import json
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from orders.models import Order
from sellers.models import Listing

listing_id = int(__LISTING__)
report = {"aliases": sorted(connections.settings)}

def counted(action):
    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections["replica"]) as replica:
        result = action()
    return result, len(primary), len(replica), [q["sql"][:80] for q in replica]

client = Client()
response, primary, replica, sql = counted(lambda: client.get("/api/v1/listings/"))
report["api_list"] = {"status": response.status_code, "primary": primary, "replica": replica,
                      "titles": [r["title"] for r in response.json()["results"]]}
response, primary, replica, sql = counted(lambda: client.get(f"/listings/{listing_id}/"))
report["page_detail"] = {"status": response.status_code, "primary": primary,
                         "replica": replica, "replica_sql": sql}

def locked_read():
    with transaction.atomic():
        listing = Listing.objects.select_for_update().get(pk=listing_id)
        Listing.objects.filter(pk=listing_id).update(stock=listing.stock - 1)
        return Listing.objects.get(pk=listing_id).stock
stock, primary, replica, sql = counted(locked_read)
report["atomic"] = {"stock": stock, "primary": primary, "replica": replica}
count, primary, replica, sql = counted(lambda: Order.objects.count())
report["orders_read"] = {"primary": primary, "replica": replica}
listing, primary, replica, sql = counted(lambda: Listing.objects.get(pk=listing_id))
report["plain_read"] = {"db": listing._state.db, "primary": primary, "replica": replica}
print("PROBE " + json.dumps(report))
"""


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_catalog_reads_go_to_the_replica_and_writes_and_locks_to_the_primary():
    listing = ListingFactory(title="Sorghum Syrup", stock=5)
    url = processes.test_database_url()
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_REPLICA_URL": url,
           "DATABASE_POOL_MAX": "2", "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [str(processes.BIN / "python"), "manage.py", "shell", "-c",
         PROBE.replace("__LISTING__", str(listing.pk))],
        cwd=processes.ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("PROBE "))
    report = json.loads(line.removeprefix("PROBE "))

    assert report["aliases"] == ["default", "replica"]
    # The public catalog is read from the replica; nothing in those requests hits the primary
    # except what is not catalog (sessions, users: none for an anonymous visitor here).
    assert report["api_list"]["status"] == 200
    assert report["api_list"]["titles"] == ["Sorghum Syrup"]
    assert report["api_list"]["replica"] >= 1
    assert report["api_list"]["primary"] == 0
    assert report["page_detail"]["status"] == 200
    assert report["page_detail"]["replica"] >= 1
    assert any("sellers_listing" in sql for sql in report["page_detail"]["replica_sql"])
    # Inside a transaction: the lock, the write and the read-back all on the primary.
    assert report["atomic"] == {"stock": 4, "primary": report["atomic"]["primary"],
                                "replica": 0}
    assert report["atomic"]["primary"] >= 3
    # Money and orders never read from the replica; a plain catalog read does.
    assert report["orders_read"] == {"primary": 1, "replica": 0}
    assert report["plain_read"] == {"db": "replica", "primary": 0, "replica": 1}
    assert Listing.objects.get(pk=listing.pk).stock == 4


@pytest.mark.django_db
def test_without_a_replica_the_router_leaves_everything_on_default():
    router = ReplicaRouter()
    assert "replica" not in connections.settings
    assert router.db_for_read(Listing) is None
    assert router.db_for_read(Order) is None
    assert router.db_for_write(Listing) == "default"
    assert router.allow_migrate("default", "sellers") is True
    assert router.allow_migrate("replica", "sellers") is False
    assert Listing.objects.all()._db is None  # Django falls back to "default"
