"""Count listing page views cheaply: one Redis HINCRBY per view, written to Postgres by a job.

A view is counted when a person (not a bot, going by the User-Agent) GETs a listing's page and
is not the shop's owner. Redis keeps one hash per day (`insights:views:<day>`: listing id →
views that day), kept a few days; the `insights-views` job copies the last days' hashes into
ListingDay.views and sums them into ShopDay.views. Copying sets the day's count (never adds),
so running the job twice changes nothing, and it never lowers a count (a Redis that lost its
data starts again from zero without undoing what was copied).

Without REDIS_URL (development with no server) each view is added to ListingDay directly.
"""

import logging
import re
from datetime import date, timedelta
from functools import lru_cache, wraps

import redis
from django.conf import settings
from django.db import connection, transaction

from sellers.selectors import listing_shop_ids

from .summaries import summaries_lock, today

logger = logging.getLogger(__name__)

KEY_PREFIX = "insights:views:"
KEEP_SECONDS = 4 * 24 * 3600  # the job copies the last FLUSH_DAYS days; a day more to spare
FLUSH_DAYS = 2
BOTS = re.compile(
    r"bot|crawl|spider|slurp|archiver|facebookexternalhit|embedly|preview|monitor|"
    r"headless|phantom|lighthouse|curl|wget|python-|httpx|aiohttp|okhttp|java/|go-http|"
    r"libwww|scrapy|feedfetcher",
    re.IGNORECASE,
)


def is_bot(user_agent: str) -> bool:
    """A request from a program rather than a person (an empty User-Agent counts as one)."""
    return not user_agent.strip() or bool(BOTS.search(user_agent))


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def redis_client() -> redis.Redis | None:
    url = settings.REDIS_URL
    return _client(url) if url else None


def day_key(day: date) -> str:
    return f"{KEY_PREFIX}{day.isoformat()}"


def listing_view_count(*, listing_id: int, user_agent: str, viewer_id: int | None,
                       owner_id: int | None) -> bool:
    """Count one view of a listing's page unless a bot or the shop's owner made it.

    Returns whether it was counted. A Redis that does not answer loses the view, never the
    page: views are worth less than the page being there.
    """
    if is_bot(user_agent) or (viewer_id is not None and viewer_id == owner_id):
        return False
    client = redis_client()
    if client is None:
        _listing_view_add_now(listing_id=listing_id, day=today())
        return True
    key = day_key(today())
    try:
        with client.pipeline(transaction=False) as pipe:
            pipe.hincrby(key, str(listing_id), 1)
            pipe.expire(key, KEEP_SECONDS)
            pipe.execute()
    except (redis.RedisError, OSError):
        logger.warning("A view of listing %s was not counted: Redis did not answer", listing_id)
        return False
    return True


def counts_listing_views(view):
    """Wrap a listing page view (which takes `listing_id`): a 200 answer to a GET counts one
    view. It wraps the page's cache too, so cached answers count. The page tells who owns the
    listing by setting `response.listing_owner_id` (a cached answer went to someone signed out,
    who owns nothing)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            user = request.user
            listing_view_count(
                listing_id=int(kwargs["listing_id"]),
                user_agent=request.headers.get("User-Agent", ""),
                viewer_id=user.pk if user.is_authenticated else None,
                owner_id=getattr(response, "listing_owner_id", None),
            )
        return response

    return wrapped


def _listing_view_add_now(*, listing_id: int, day: date) -> None:
    """One view straight into ListingDay (no Redis): the listing's shop read in the same query."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO insights_listingday
                (listing_id, shop_id, day, views, orders_paid, units, sales_cents)
            SELECT id, shop_id, %s, 1, 0, 0, 0 FROM sellers_listing WHERE id = %s
            ON CONFLICT (listing_id, day)
            DO UPDATE SET views = insights_listingday.views + 1
            """,
            [day, listing_id],
        )


def listing_views_set(*, day: date, counts: dict[int, int]) -> int:
    """Make ListingDay.views at least `counts` ({listing id: views}) on `day`, for the
    listings that exist; returns how many rows it wrote. ShopDay follows on
    `shop_views_sum(days=[day])`."""
    shops = listing_shop_ids(listing_ids=counts)
    rows = [(listing_id, shops[listing_id], day, int(views))
            for listing_id, views in sorted(counts.items()) if listing_id in shops and views > 0]
    if not rows:
        return 0
    with connection.cursor() as cursor:
        cursor.executemany(
            """
            INSERT INTO insights_listingday
                (listing_id, shop_id, day, views, orders_paid, units, sales_cents)
            VALUES (%s, %s, %s, %s, 0, 0, 0)
            ON CONFLICT (listing_id, day)
            DO UPDATE SET views = GREATEST(insights_listingday.views, EXCLUDED.views)
            """,
            rows,
        )
    return len(rows)


def shop_views_sum(*, days: list[date]) -> None:
    """ShopDay.views of `days` := the sum of its listings' ListingDay.views on each day."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO insights_shopday
                (shop_id, day, views, orders_paid, units, sales_cents, released_cents)
            SELECT shop_id, day, SUM(views), 0, 0, 0, 0 FROM insights_listingday
            WHERE day = ANY(%s) GROUP BY shop_id, day
            ON CONFLICT (shop_id, day) DO UPDATE SET views = EXCLUDED.views
            """,
            [list(days)],
        )


def listing_views_flush(*, day: date) -> int:
    """Copy one day's counted views from Redis into ListingDay and ShopDay; idempotent."""
    client = redis_client()
    counts = {}
    if client is not None:
        raw = client.hgetall(day_key(day))
        counts = {int(listing): int(views) for listing, views in raw.items()
                  if listing.isdigit()}
    with transaction.atomic():
        summaries_lock()
        written = listing_views_set(day=day, counts=counts)
        shop_views_sum(days=[day])
    return written


def days_to_flush() -> list[date]:
    last = today()
    return [last - timedelta(days=back) for back in range(FLUSH_DAYS - 1, -1, -1)]
