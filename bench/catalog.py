"""Catalog benchmark: load N listings, then measure search latency, throughput and queries.

    .venv/bin/python bench/catalog.py                    # 100,000 listings
    .venv/bin/python bench/catalog.py --listings 1000000
    .venv/bin/python bench/catalog.py --skip-load        # measure what is loaded
    .venv/bin/python bench/catalog.py --demo             # the demo data (`seed_demo`) instead

It uses its own database (BENCH_DATABASE_URL, default .../taobao_bench, created if missing),
never the development or test ones. Throughput is measured with wrk at 16 connections against
gunicorn (3 sync workers, as in the Dockerfile) on a free loopback port, the catalog pages next
to a bare Django view in the same server; figures go to stdout and bench/results-<N>.json.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

# The demo data gets a database of its own, so switching between the two never reloads a million.
_DEMO = "--demo" in sys.argv[1:]
BENCH_ENV = {
    "DATABASE_URL": os.environ.get(
        "BENCH_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/" + ("taobao_bench_demo" if _DEMO else "taobao_bench"),
    ),
    "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1",
    "CACHE_KEY_PREFIX": "bench",
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    # Production mode: no debug cursor, no debug pages; dummy secrets for loopback only.
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "STRIPE_SECRET_KEY": "sk_test_bench",
    "STRIPE_WEBHOOK_SECRET": "whsec_bench",
    "SITE_URL": "https://bench.example.test",  # production mode requires an https base
    "SECURE_SSL_REDIRECT": "0",
    "LOG_LEVEL": "WARNING",
    "DATABASE_POOL_MAX": "8",
}
os.environ.update(BENCH_ENV)

COMMON_TERM = "honey"


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


def selector_latency(params: dict, runs: int) -> dict:
    """In-process: parse, then page one (24 cards) and its count, as the page and API do."""
    from sellers.result_page import listing_result_page
    from sellers.search import listing_filters_parse

    timings = []
    for _ in range(runs + 3):
        began = time.perf_counter()
        page = listing_result_page(filters=listing_filters_parse(params), start=0, stop=24)
        timings.append((time.perf_counter() - began) * 1000)
    timings = timings[3:]  # the first runs warm the caches
    return {"p50_ms": round(percentile(timings, 0.5), 1),
            "p95_ms": round(percentile(timings, 0.95), 1), "rows": len(page.cards),
            "count": page.count, "matched_by": page.matched_by}


# Searches whose latency is a target (the first two) or worth watching; the parameters are the
# API's. "hony" is corrected to "honey" (the typo path costs two more queries).
LATENCY_CASES = {
    "selective": {"q": "zephyrine"},
    "most common": {"q": "honey"},
    "corrected (hony)": {"q": "hony"},
    "honey + state + price ceiling": {"q": "honey", "state": "IA", "max_price_cents": "5000"},
    "same, cheapest first": {"q": "honey", "state": "IA", "max_price_cents": "5000",
                             "ordering": "price_cents"},
    "honey, cheapest first": {"q": "honey", "ordering": "price_cents"},
    "honey + state": {"q": "honey", "state": "IA"},
    "hony + state": {"q": "hony", "state": "IA"},
    "honey + category": {"q": "honey", "category": "honey"},
    "browse, cheapest first": {"ordering": "price_cents"},
    "browse one state, dearest first": {"state": "IA", "ordering": "-price_cents"},
    "browse, best-rated shops first": {"ordering": "-rating"},
    "stop word only (the)": {"q": "the"},
}
# Bad input must stay bounded (≤ 150 ms at 1 M) and never fail: the worst of these is reported.
# NUL never reaches the selector (the request middleware answers 400), so it is not here.
BAD_QUERIES = [
    "x" * 200, " ".join(["honye"] * 50), " ".join(f"wrd{n}x" for n in range(50)),
    " ".join(["honey"] * 50), "🍯 hony 🐝", "hony & | ! : * ( )",
    "'; DROP TABLE sellers_searchword; --", '"hony jar"', "-hony", "hony or jra", "ñandú hony",
]


def http_latency(base: str, path: str, runs: int) -> dict:
    """One client, a new URL each time (no server cache): what a rare query costs end to end."""
    timings, run = [], uuid.uuid4().hex
    for n in range(runs + 3):
        began = time.perf_counter()
        url = f"{base}{path}&nocache={n}-{run}"
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback)
            body = response.read()
            assert response.status == 200, (path, response.status)
        timings.append((time.perf_counter() - began) * 1000)
    timings = timings[3:]
    return {"p50_ms": round(percentile(timings, 0.5), 1),
            "p95_ms": round(percentile(timings, 0.95), 1), "bytes": len(body)}


def queries_per_page(paths: list[str]) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts = {}
    for path in paths:
        client.get(path)  # warm: category tree and figures are cached in Redis
        # A URL of its own, so the page is rendered rather than served from the page cache.
        unique = f"{path}{'&' if '?' in path else '?'}nocache={uuid.uuid4().hex}"
        with CaptureQueriesContext(connection) as queries:
            response = client.get(unique)
        assert response.status_code == 200, (path, response.status_code)
        counts[path] = len(queries)
    return counts


def explain(term: str) -> str:
    from sellers.search import listing_filters_parse, listing_search

    results = listing_search(filters=listing_filters_parse({"q": term}))
    return results[:24].explain(analyze=True, buffers=True)


# Each wrk thread has its own Lua state, so an unseeded math.random gave both threads the same
# URLs (and the second of each pair a cached page); the thread's own number, its request count
# and the run's start keep every URL new, also from one run to the next.
_THREADS_LUA = """
local counter, threads = 0, 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  stamp = os.time()
end
"""
# Makes every request's URL unique: measures rendering, not the server cache.
UNIQUE_URLS_LUA = _THREADS_LUA + """
request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "&nocache=" .. stamp .. "-" .. id .. "-" .. counter)
end
"""
# Makes every request's last word one nobody typed before: the URL ends in `q=<word>`, and
# letters from the run's start, the thread and the request are added to that word (letters
# only, so the search looks up a correction for it, as for any new word that matches nothing).
NEW_WORDS_LUA = _THREADS_LUA + """
local function letters(n)
  local text = ""
  repeat
    text = string.char(97 + n % 26) .. text
    n = math.floor(n / 26)
  until n == 0
  return text
end
request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. letters(stamp % 100000) .. letters(id) .. letters(counter))
end
"""


def wrk(url: str, seconds: int, clients: int, *, unique: bool | str = False) -> dict:
    """wrk's figures for `url`; unique=True: a new URL each request, "word": a new word."""
    command = ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if unique:
        script = Path("/tmp") / f"bench-unique-{os.getpid()}.lua"
        script.write_text(NEW_WORDS_LUA if unique == "word" else UNIQUE_URLS_LUA)
        command += ["-s", str(script)]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)

    def ms(match):
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 1)

    return {"rps": round(rps), "p50_ms": ms(p50), "p99_ms": ms(p99),
            "non_2xx": int(errors.group(1)) if errors else 0}


def gunicorn_start(port: int, workers: int) -> subprocess.Popen:
    from tests.processes import wait_for_port

    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "bench.wsgi:application", "-w", str(workers),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=os.environ.copy(), start_new_session=True,
    )
    wait_for_port(port, timeout=30)
    return process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--load-only", action="store_true", help="load, then stop")
    parser.add_argument("--demo", action="store_true",
                        help="measure the demo data (seed_demo, about 150 listings)")
    parser.add_argument("--seconds", type=int, default=10, help="per wrk run")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--runs", type=int, default=100, help="latency samples per term")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (Dockerfile: 3)")
    args = parser.parse_args()
    if not args.load_only and shutil.which("wrk") is None:
        raise SystemExit("bench: wrk is missing (Debian: apt-get install wrk)")

    database_create()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.loader import SELECTIVE_TERM, catalog_load
    from tests.processes import free_port, stop_process

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    report: dict = {"listings_requested": args.listings, "workers": args.workers,
                    "clients": args.clients, "seconds": args.seconds}
    if args.demo and not args.skip_load:
        print("Loading the demo data (seed_demo)…", flush=True)
        began = time.monotonic()
        call_command("seed_demo", verbosity=0)
        from sellers.services import search_vocabulary_rebuild

        search_vocabulary_rebuild()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the planner's statistics, as autovacuum would leave them
        report["load"] = {"total_s": round(time.monotonic() - began, 1)}
    elif not args.skip_load:
        print(f"Loading {args.listings:,} listings…", flush=True)
        began = time.monotonic()
        report["load"] = catalog_load(listings=args.listings)
        report["load"]["total_s"] = round(time.monotonic() - began, 1)
        print(f"  loaded in {report['load']['total_s']} s", flush=True)
    if args.load_only:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE status = 'active') "
                       "FROM sellers_listing")
        total, active = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM sellers_listing WHERE search_vector @@ "
                       "websearch_to_tsquery('english', %s)", [COMMON_TERM])
        common_matches = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM sellers_listing WHERE search_vector @@ "
                       "websearch_to_tsquery('english', %s)", [SELECTIVE_TERM])
        selective_matches = cursor.fetchone()[0]
        cursor.execute(
            "SELECT l.id, v.slug FROM sellers_listing l JOIN sellers_shop s ON s.id = l.shop_id "
            "JOIN sellers_village v ON v.id = s.village_id WHERE l.status = 'active' LIMIT 1"
        )
        listing_id, village_slug = cursor.fetchone()
        cursor.execute("SELECT slug FROM sellers_category WHERE parent_id IS NULL "
                       "ORDER BY position, id LIMIT 1")
        category_slug = cursor.fetchone()[0]
    report["data"] = {"listings": total, "active": active,
                      f"matches_{COMMON_TERM}": common_matches,
                      f"matches_{SELECTIVE_TERM}": selective_matches}
    print(json.dumps(report["data"]), flush=True)

    from django.core.exceptions import ValidationError

    report["selector_latency"] = {}
    for label, params in LATENCY_CASES.items():
        try:
            report["selector_latency"][label] = selector_latency(params, args.runs)
        except ValidationError as error:  # the demo data has other categories
            report["selector_latency"][label] = {"error": str(error.messages)}
    worst = None
    for q in BAD_QUERIES:
        try:
            figures = selector_latency({"q": q}, max(args.runs // 5, 5)) | {"q": q[:40]}
        except ValidationError:  # over 200 characters: the API answers 400 before searching
            continue
        if worst is None or figures["p95_ms"] > worst["p95_ms"]:
            worst = figures
    report["selector_latency"]["worst bad query"] = worst
    for label, figures in report["selector_latency"].items():
        print(f"selector {label:34} {json.dumps(figures)}", flush=True)
    pages = ["/", f"/search/?q={COMMON_TERM}", f"/search/?q={SELECTIVE_TERM}",
             f"/search/?q={COMMON_TERM}&state=IA&max_price=50", "/search/?ordering=price_cents",
             f"/categories/{category_slug}/", f"/listings/{listing_id}/",
             f"/villages/{village_slug}/", "/impact/",
             f"/api/v1/listings/?q={COMMON_TERM}", "/api/v1/listings/", "/api/v1/categories/",
             "/api/v1/villages/", "/api/v1/impact"]
    report["queries_per_page"] = queries_per_page(pages)
    print("queries per page:", json.dumps(report["queries_per_page"]), flush=True)
    report["explain"] = {term: explain(term) for term in (SELECTIVE_TERM, COMMON_TERM)}
    for term, plan in report["explain"].items():
        tail = [line for line in plan.splitlines() if "Execution Time" in line]
        print(f"EXPLAIN {term}: {tail}", flush=True)

    port = free_port()
    server = gunicorn_start(port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        report["http_latency"] = {
            f"page {term}": http_latency(base, f"/search/?q={term}", args.runs)
            for term in (SELECTIVE_TERM, COMMON_TERM)
        } | {
            f"api {term}": http_latency(base, f"/api/v1/listings/?q={term}", args.runs)
            for term in (SELECTIVE_TERM, COMMON_TERM)
        }
        print("http latency (1 client):", json.dumps(report["http_latency"]), flush=True)
        # (label, path, unique URLs or words?): cached = the same URL again and again, the best
        # case; uncached = a new URL each time, every request renders (the long tail of queries).
        targets = [
            ("bare view", "/bench/bare/", False),
            (f"search page q={SELECTIVE_TERM} cached", f"/search/?q={SELECTIVE_TERM}", False),
            (f"search page q={COMMON_TERM} cached", f"/search/?q={COMMON_TERM}", False),
            (f"search page q={SELECTIVE_TERM} uncached", f"/search/?q={SELECTIVE_TERM}", True),
            (f"search page q={COMMON_TERM} uncached", f"/search/?q={COMMON_TERM}", True),
            (f"api listings q={SELECTIVE_TERM} cached", f"/api/v1/listings/?q={SELECTIVE_TERM}",
             False),
            (f"api listings q={COMMON_TERM} cached", f"/api/v1/listings/?q={COMMON_TERM}", False),
            (f"api listings q={SELECTIVE_TERM} uncached",
             f"/api/v1/listings/?q={SELECTIVE_TERM}", True),
            (f"api listings q={COMMON_TERM} uncached", f"/api/v1/listings/?q={COMMON_TERM}", True),
            # The typo corrections a process keeps (sellers.search.corrections) answer the
            # selective term's second request on: these two pay for a new word's correction.
            ("search page new word uncached", f"/search/?q={SELECTIVE_TERM}", "word"),
            ("api listings new word uncached", f"/api/v1/listings/?q={SELECTIVE_TERM}", "word"),
            ("io floor uncached", "/bench/io-floor/?q=x", True),
            ("bare view (again)", "/bench/bare/", False),
        ]
        report["throughput"] = {}
        for label, path, unique in targets:
            report["throughput"][label] = wrk(base + path, args.seconds, args.clients,
                                              unique=unique)
            print(f"{label:32} {json.dumps(report['throughput'][label])}", flush=True)
    finally:
        stop_process(server)
    bare = statistics.mean(
        [report["throughput"]["bare view"]["rps"], report["throughput"]["bare view (again)"]["rps"]]
    )
    report["ratio_to_bare"] = {
        label: round(figures["rps"] / bare, 2)
        for label, figures in report["throughput"].items() if not label.startswith("bare")
    }
    print("ratio to bare view:", json.dumps(report["ratio_to_bare"]), flush=True)
    out = ROOT / "bench" / f"results-{total}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
