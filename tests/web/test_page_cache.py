"""A process's timed store (web.timed_store): kept for its seconds, within its size, least
recently used out first; and an anonymous catalog request that misses the page cache kept in
it makes no round trip to Redis."""

import threading

import pytest
from django.core.cache import cache

from tests.factories import ListingFactory
from web.timed_store import TimedStore

HEADERS = {"Content-Type": "text/html; charset=utf-8", "ETag": '"abc"'}


def page_store(*, max_bytes: int, largest: int) -> TimedStore:
    """A store measured as the page cache measures its pages: URL and content."""
    return TimedStore(seconds=30, max_size=max_bytes, largest=largest,
                      size_of=lambda url, page: len(url) + len(page[0]))


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    ticking = Clock()
    monkeypatch.setattr("web.timed_store.time.monotonic", ticking)
    return ticking


def test_a_page_is_kept_for_its_seconds_then_forgotten(clock):
    store = page_store(max_bytes=10_000, largest=5_000)
    store.put("/search/?q=honey", (b"<html>honey</html>", HEADERS))
    clock.now += 29.9
    assert store.get("/search/?q=honey") == (b"<html>honey</html>", HEADERS)
    assert store.get("/search/?q=jam") is None
    clock.now += 0.1
    assert store.get("/search/?q=honey") is None
    assert store.stored_size == 0  # the expired copy gave its memory back


def test_the_least_recently_used_pages_go_first_when_memory_runs_out(clock):
    store = page_store(max_bytes=3 * (1000 + 2), largest=2_000)
    for url in ("/a", "/b", "/c"):
        store.put(url, (b"x" * 1000, HEADERS))
    assert store.get("/a") is not None  # /a is now the most recently used
    store.put("/d", (b"x" * 1000, HEADERS))
    assert store.get("/b") is None
    assert [url for url in ("/a", "/c", "/d") if store.get(url)] == ["/a", "/c", "/d"]
    assert store.stored_size == 3 * 1002


def test_a_page_stored_again_replaces_its_copy_and_its_size(clock):
    store = page_store(max_bytes=10_000, largest=5_000)
    store.put("/a", (b"x" * 1000, HEADERS))
    clock.now += 20
    store.put("/a", (b"y" * 10, HEADERS))
    clock.now += 20  # past the first copy's 30 seconds, within the second's
    assert store.get("/a") == (b"y" * 10, HEADERS)
    assert store.stored_size == 10 + 2


def test_a_page_larger_than_the_largest_kept_is_not_kept(clock):
    store = page_store(max_bytes=10_000, largest=5_000)
    store.put("/big", (b"x" * 5_000, HEADERS))
    assert store.get("/big") is None and store.stored_size == 0
    store.put("/small", (b"x" * 100, HEADERS))
    store.clear()
    assert store.get("/small") is None and store.stored_size == 0


def test_threads_storing_and_reading_at_once_keep_the_count_of_bytes_true():
    store = page_store(max_bytes=50 * 110, largest=1_000)
    errors = []

    def work(n):
        try:
            for i in range(2_000):
                url = f"/p{(n * 7 + i) % 120:03d}"
                store.put(url, (b"x" * 106, HEADERS))
                store.get(f"/p{i % 120:03d}")
        except Exception as error:  # noqa: BLE001 - any error in a thread fails the test
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    kept = [url for url in (f"/p{n:03d}" for n in range(120)) if store.get(url)]
    assert store.stored_size == len(kept) * (106 + 5) <= 50 * 110


@pytest.mark.django_db
def test_an_anonymous_search_that_misses_the_cache_makes_no_redis_round_trip(
    client, monkeypatch
):
    ListingFactory(title="Jar of clover honey")
    client.get("/search/", {"q": "jam"})  # the category tree, read once
    calls = []
    client_class = type(cache._cache.get_client())
    original = client_class.execute_command

    def counted(self, *args, **kwargs):
        calls.append(args[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(client_class, "execute_command", counted)
    first = client.get("/search/", {"q": "honey"})
    again = client.get("/search/", {"q": "honey"})
    api = client.get("/api/v1/listings/", {"q": "honey"})
    assert "clover" in first.content.decode() and again.content == first.content
    assert api.json()["count"] == 1
    assert calls == []


def test_entries_count_one_each_by_default_and_none_is_a_value(clock):
    store = TimedStore(seconds=30, max_size=2)
    missing = object()
    store.put(("hony", True), "honey")
    store.put(("zephyrine", True), None)  # "no correction" is an answer worth keeping
    store.put(("jarr", True), "jar")
    assert store.get(("hony", True), missing) is missing
    assert store.get(("zephyrine", True), missing) is None
    assert store.get(("jarr", True)) == "jar" and store.stored_size == 2
