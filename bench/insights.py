"""Insights benchmark: 3 years of daily summary rows for N shops, then the seller insights page
and API latency, in process, over many requests.

    .venv/bin/python bench/insights.py                  # 10,000 shops (about 11 M shop days)
    .venv/bin/python bench/insights.py --shops 200      # a quick run
    .venv/bin/python bench/insights.py --skip-load      # measure what is loaded

It uses its own database (BENCH_INSIGHTS_DATABASE_URL, default .../taobao_bench_insights,
created if missing), never the development or test ones. Rows are generated inside PostgreSQL
(INSERT … SELECT over generate_series), so loading costs no Python per row. Each request signs
in as one of the shops' owners (a different shop each time) and asks for a period of its own;
figures go to stdout and, with --save, to bench/results-insights-<N>.json. Target: p95 ≤ 50 ms.
"""

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_ENV = {
    "DATABASE_URL": os.environ.get(
        "BENCH_INSIGHTS_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/taobao_bench_insights"),
    "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1",
    "CACHE_KEY_PREFIX": "bench-insights",
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    # Production mode: no debug cursor, no debug pages; dummy secrets for loopback only.
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "STRIPE_SECRET_KEY": "sk_test_bench",
    "STRIPE_WEBHOOK_SECRET": "whsec_bench",
    "SITE_URL": "https://bench.example.test",
    "SECURE_SSL_REDIRECT": "0",
    "LOG_LEVEL": "WARNING",
}
os.environ.update(BENCH_ENV)

DAYS = 3 * 365
LISTINGS_PER_SHOP = 4
BENCH_EMAIL = "%@insights-bench.invalid"


def database_create() -> None:
    import psycopg

    url = urlparse(BENCH_ENV["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)]


def load(*, shops: int, listing_day_share: float, log=print) -> dict:
    """Replace the database's shops with `shops` shops, each with 3 years of daily rows."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from insights.services.summaries import today
    from sellers.models import Category, Shop, Village

    timings = {}
    began = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE insights_shopday, insights_listingday, insights_villageday, "
                       "sellers_listingimage, sellers_listing, sellers_shop, sellers_village, "
                       "sellers_category RESTART IDENTITY CASCADE")
        cursor.execute("DELETE FROM accounts_user WHERE email LIKE %s", [BENCH_EMAIL])
    opened = timezone.now() - timedelta(days=DAYS + 2)
    villages = Village.objects.bulk_create(
        Village(name=f"Town {n}", county=f"County {n % 97}", state="IA", slug=f"town-{n}")
        for n in range(max(shops // 10, 1)))
    owners = get_user_model().objects.bulk_create(
        get_user_model()(email=f"seller{n}@insights-bench.invalid", display_name=f"Seller {n}",
                         password="!", email_confirmed_at=opened)  # noqa: S106 - unusable
        for n in range(shops))
    Shop.objects.bulk_create(
        (Shop(owner=owner, name=f"Farm {n}", slug=f"farm-{n}", village=villages[n % len(villages)],
              status=Shop.Status.ACTIVE, created=opened, verified_at=opened)
         for n, owner in enumerate(owners)), batch_size=2000)
    category = Category.objects.create(name="Honey", slug="honey")
    first, last = today() - timedelta(days=DAYS - 1), today()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sellers_listing (shop_id, title, description, category_id, price_cents, "
            "currency, stock, shipping_cents, local_pickup, status, review_reason, hold_reason, "
            "created, updated) "
            "SELECT s.id, 'Jar of honey ' || n, 'Raw honey.', %s, 1200, 'USD', 10, 500, false, "
            "'active', '', '', %s, %s FROM sellers_shop s, generate_series(1, %s) n",
            [category.pk, opened, opened, LISTINGS_PER_SHOP])
        timings["setup_s"] = round(time.monotonic() - began, 1)
        log(f"  {shops:,} shops with {LISTINGS_PER_SHOP} listings each in "
            f"{timings['setup_s']} s", flush=True)

        began = time.monotonic()
        cursor.execute(
            """
            INSERT INTO insights_shopday
                (shop_id, day, orders_paid, units, sales_cents, released_cents, views)
            SELECT shop_id, day, orders, orders + floor(random() * (orders + 1))::int,
                   orders * (900 + floor(random() * 4000)::int),
                   floor(orders * 0.9 * (900 + random() * 4000))::bigint, views
            FROM (
                SELECT s.id AS shop_id, d::date AS day, floor(random() * 5)::int AS orders,
                       floor(random() * 80)::int AS views
                FROM sellers_shop s, generate_series(%s::date, %s::date, '1 day') d
            ) generated
            ORDER BY shop_id, day
            """,
            [first, last])
        timings["shop_days"] = cursor.rowcount
        timings["shop_days_s"] = round(time.monotonic() - began, 1)
        log(f"  {cursor.rowcount:,} shop days in {timings['shop_days_s']} s", flush=True)

        began = time.monotonic()
        cursor.execute(
            """
            INSERT INTO insights_listingday
                (listing_id, shop_id, day, views, orders_paid, units, sales_cents)
            SELECT l.id, l.shop_id, d::date, floor(random() * 30)::int, 1,
                   1 + floor(random() * 3)::int, 1200 * (1 + floor(random() * 3)::int)
            FROM sellers_listing l, generate_series(%s::date, %s::date, '1 day') d
            WHERE random() < %s
            ORDER BY l.shop_id, d
            """,
            [first, last, listing_day_share])
        timings["listing_days"] = cursor.rowcount
        timings["listing_days_s"] = round(time.monotonic() - began, 1)
        log(f"  {cursor.rowcount:,} listing days in {timings['listing_days_s']} s", flush=True)
        began = time.monotonic()
        cursor.execute("ANALYZE insights_shopday, insights_listingday, sellers_shop, "
                       "sellers_listing, accounts_user")
        timings["analyze_s"] = round(time.monotonic() - began, 1)
    return timings


def measure(*, path_of, requests: int, clients: list) -> dict:
    """GET path_of(n) as clients[n % len] for `requests` requests (after 5 to warm up)."""
    timings = []
    for n in range(requests + 5):
        client = clients[n % len(clients)]
        began = time.perf_counter()
        response = client.get(path_of(n), secure=True)
        elapsed = (time.perf_counter() - began) * 1000
        assert response.status_code == 200, (path_of(n), response.status_code)
        if n >= 5:
            timings.append(elapsed)
    return {"p50_ms": round(percentile(timings, 0.5), 1),
            "p95_ms": round(percentile(timings, 0.95), 1),
            "max_ms": round(max(timings), 1), "requests": len(timings),
            "bytes": len(response.content)}


def queries_of(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, secure=True).status_code == 200
    return len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, default=10_000)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--load-only", action="store_true", help="load, then stop")
    parser.add_argument("--requests", type=int, default=300, help="samples per page")
    parser.add_argument("--sellers", type=int, default=50,
                        help="signed-in sellers the requests rotate through")
    parser.add_argument("--listing-day-share", type=float, default=0.1,
                        help="share of (listing, day) pairs with a sale")
    parser.add_argument("--save", action="store_true",
                        help="write bench/results-insights-<shops>.json")
    args = parser.parse_args()

    database_create()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from insights.services.summaries import today
    from sellers.models import Shop

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG=0 serves the manifest
    report: dict = {"shops_requested": args.shops, "days": DAYS}
    if not args.skip_load:
        print(f"Loading 3 years of daily rows for {args.shops:,} shops…", flush=True)
        began = time.monotonic()
        report["load"] = load(shops=args.shops, listing_day_share=args.listing_day_share)
        report["load"]["total_s"] = round(time.monotonic() - began, 1)
        print(f"  loaded in {report['load']['total_s']} s", flush=True)
    if args.load_only:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM insights_shopday), "
                       "(SELECT count(*) FROM insights_listingday), "
                       "(SELECT count(*) FROM sellers_shop)")
        report["shop_days"], report["listing_days"], report["shops"] = cursor.fetchone()
    shops = list(Shop.objects.order_by("?").select_related("owner")[:args.sellers])
    clients = []
    for shop in shops:
        client = Client()
        client.force_login(shop.owner)
        clients.append(client)
    last = today()
    year_ago = last - timedelta(days=364)
    three_years = last - timedelta(days=DAYS - 1)

    def shifted(n: int, days: int) -> tuple:
        """A period of `days` days ending up to 30 days before today: a new one each time."""
        end = last - timedelta(days=n % 31)
        return max(end - timedelta(days=days - 1), three_years), end

    pages = {
        "page, 52 weeks": lambda n: "/sell/insights/?from={}&to={}&interval=week".format(
            *shifted(n, 364)),
        "page, 36 months": lambda n: "/sell/insights/?from={}&to={}&interval=month".format(
            *shifted(n, DAYS)),
        "API, 52 weeks": lambda n: "/api/v1/seller/insights?from={}&to={}&interval=week".format(
            *shifted(n, 364)),
        "API, 36 months": lambda n: "/api/v1/seller/insights?from={}&to={}&interval=month"
        .format(*shifted(n, DAYS)),
        "CSV, 36 months": lambda n: "/sell/insights/money.csv?from={}&to={}&interval=month"
        .format(*shifted(n, DAYS)),
    }
    print(f"\n{report['shops']:,} shops, {report['shop_days']:,} shop days, "
          f"{report['listing_days']:,} listing days; {args.requests} requests each, "
          f"{len(clients)} sellers in turn (target p95 ≤ 50 ms)\n")
    print(f"{'':18} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8} {'bytes':>8}")
    report["latency"] = {}
    for name, path_of in pages.items():
        figures = measure(path_of=path_of, requests=args.requests, clients=clients)
        figures["queries"] = queries_of(clients[0], path_of(0))
        report["latency"][name] = figures
        print(f"{name:18} {figures['p50_ms']:>8} {figures['p95_ms']:>8} "
              f"{figures['max_ms']:>8} {figures['queries']:>8} {figures['bytes']:>8}",
              flush=True)
    shop = shops[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS) SELECT date_trunc('week', day), sum(orders_paid), "
            "sum(units), sum(sales_cents), sum(released_cents), sum(views) "
            "FROM insights_shopday WHERE shop_id = %s AND day BETWEEN %s AND %s GROUP BY 1",
            [shop.pk, year_ago, last])
        report["explain_series"] = "\n".join(row[0] for row in cursor.fetchall())
    print("\nThe series query (52 weeks of one shop):\n" + report["explain_series"])
    # The insights-summaries job's work at this size: the last 3 days of every shop
    # recomputed (there are no orders here, so it zeroes the generated sales of those days).
    from insights.services.summaries import summaries_refresh

    began = time.monotonic()
    summaries_refresh(since=last - timedelta(days=2))
    report["refresh_3_days_s"] = round(time.monotonic() - began, 2)
    print(f"\nsummaries_refresh of the last 3 days (the job): {report['refresh_3_days_s']} s")
    if args.save:
        out = ROOT / "bench" / f"results-insights-{args.shops}.json"
        out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
