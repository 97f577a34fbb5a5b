"""Keep the daily summary rows (ShopDay, ListingDay, VillageDay) equal to what the orders and
the ledger say, read through those apps' selectors.

`summaries_refresh(since=...)` recomputes every day from `since` to today and may run any number
of times (the `insights-summaries` job runs it for the last few days); `summaries_rebuild()`
recomputes everything from the first sale. Views are not recomputed: they come from the view
counter (`insights.services.views`) and are kept as they are.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from orders.selectors import (
    order_first_paid_at,
    order_sales_by_shop_day,
    order_units_by_listing_day,
    orders_completed_by_village_day,
)
from payments.selectors import released_to_shops_by_day
from sellers.selectors import shops_verified_by_village

from ..models import ListingDay, ShopDay, VillageDay

# Two writers of the summaries (two refreshes, a refresh and the views job) never interleave:
# the second waits for the first's transaction to end. They lock ShopDay and ListingDay rows in
# different orders, so without it two could deadlock.
SUMMARIES_LOCK = 7_319_001


def summaries_lock() -> None:
    """Take the summaries' transaction-wide advisory lock (inside a transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SUMMARIES_LOCK])
REBUILD_CHUNK_DAYS = 92
SHOP_FIGURES = ["orders_paid", "units", "sales_cents", "released_cents"]
LISTING_FIGURES = ["orders_paid", "units", "sales_cents"]


def day_zone() -> ZoneInfo:
    """The zone whose calendar days the summaries count in: the marketplace's home zone."""
    return ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)


def today() -> date:
    return timezone.now().astimezone(day_zone()).date()


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants [start, end) that the days `first`…`last` cover in the home zone."""
    zone = day_zone()
    return (datetime.combine(first, time.min, tzinfo=zone),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone))


def summaries_refresh(*, since: date, until: date | None = None) -> dict[str, int]:
    """Recompute the summaries of the days `since`…`until` (today by default); idempotent.

    Takes a transaction-wide advisory lock, so two refreshes run one after the other.
    Returns how many rows of each table now hold that range.
    """
    until = until or today()
    if since > until:
        return {"shop_days": 0, "listing_days": 0, "village_days": 0}
    zone = day_zone()
    start, end = day_bounds(since, until)
    with transaction.atomic():
        summaries_lock()
        sales = order_sales_by_shop_day(start=start, end=end, zone=zone)
        items = order_units_by_listing_day(start=start, end=end, zone=zone)
        released = released_to_shops_by_day(start=start, end=end, zone=zone)
        completed = orders_completed_by_village_day(start=start, end=end, zone=zone)
        verified = shops_verified_by_village()

        shops = _shop_days(sales=sales, items=items, released=released)
        listings = _listing_days(items=items)
        villages = _village_days(sales=sales, released=released, completed=completed,
                                 verified=verified, since=since, until=until)

        _upsert_keeping_views(ShopDay, rows=shops, key=("shop_id", "day"),
                              figures=SHOP_FIGURES, since=since, until=until)
        _upsert_keeping_views(ListingDay, rows=listings, key=("listing_id", "day"),
                              figures=LISTING_FIGURES, since=since, until=until)
        VillageDay.objects.filter(day__range=(since, until)).delete()
        VillageDay.objects.bulk_create(villages, batch_size=2000)
    return {"shop_days": len(shops), "listing_days": len(listings),
            "village_days": len(villages)}


def summaries_rebuild() -> dict[str, int]:
    """Recompute every summary from the first sale to today (views are kept)."""
    first_paid = order_first_paid_at()
    last = today()
    first = first_paid.astimezone(day_zone()).date() if first_paid else last
    with transaction.atomic():
        # Nothing can have been sold before the first sale: only views stay there.
        ShopDay.objects.filter(day__lt=first).update(**dict.fromkeys(SHOP_FIGURES, 0))
        ListingDay.objects.filter(day__lt=first).update(**dict.fromkeys(LISTING_FIGURES, 0))
        ShopDay.objects.filter(day__lt=first, views=0).delete()
        ListingDay.objects.filter(day__lt=first, views=0).delete()
        VillageDay.objects.filter(day__lt=first).delete()
    totals = {"shop_days": 0, "listing_days": 0, "village_days": 0}
    chunk_start = first
    while chunk_start <= last:
        chunk_end = min(chunk_start + timedelta(days=REBUILD_CHUNK_DAYS - 1), last)
        for name, count in summaries_refresh(since=chunk_start, until=chunk_end).items():
            totals[name] += count
        chunk_start = chunk_end + timedelta(days=1)
    return totals


def _shop_days(*, sales, items, released) -> list[ShopDay]:
    figures = defaultdict(lambda: dict.fromkeys(SHOP_FIGURES, 0))
    for row in sales:
        one = figures[(row["shop_id"], row["day"])]
        one["orders_paid"] += row["orders"]
        one["sales_cents"] += int(row["sales_cents"] or 0)
    for row in items:
        figures[(row["order__shop_id"], row["day"])]["units"] += int(row["units"] or 0)
    for row in released:
        figures[(row["shop_id"], row["day"])]["released_cents"] += int(row["cents"] or 0)
    return [ShopDay(shop_id=shop_id, day=day, **values)
            for (shop_id, day), values in sorted(figures.items())]


def _listing_days(*, items) -> list[ListingDay]:
    return [
        ListingDay(listing_id=row["listing_id"], shop_id=row["order__shop_id"], day=row["day"],
                   orders_paid=row["orders"], units=int(row["units"] or 0),
                   sales_cents=int(row["sales_cents"] or 0))
        for row in sorted(items, key=lambda row: (row["listing_id"], row["day"]))
    ]


def _village_days(*, sales, released, completed, verified, since, until) -> list[VillageDay]:
    """A row for each village and day with open shops or anything sold, paid or completed."""
    figures = defaultdict(lambda: {"orders_completed": 0, "sales_cents": 0,
                                   "paid_to_sellers_cents": 0})
    for row in sales:
        figures[(row["shop__village_id"], row["day"])]["sales_cents"] += int(row["sales_cents"])
    for row in released:
        key = (row["shop__village_id"], row["day"])
        figures[key]["paid_to_sellers_cents"] += int(row["cents"] or 0)
    for row in completed:
        figures[(row["shop__village_id"], row["day"])]["orders_completed"] += row["orders"]
    zone = day_zone()
    opened = defaultdict(list)  # village → the days its open shops were verified
    for village_id, verified_at in verified:
        opened[village_id].append(verified_at.astimezone(zone).date())
    rows = []
    for village_id in sorted(set(opened) | {village for village, _ in figures}):
        days = sorted(opened.get(village_id, []))
        day, position = since, 0
        while day <= until:
            while position < len(days) and days[position] <= day:
                position += 1
            values = figures.get((village_id, day))
            if position or values:
                rows.append(VillageDay(village_id=village_id, day=day, active_shops=position,
                                       **(values or {})))
            day += timedelta(days=1)
    return rows


def _upsert_keeping_views(model, *, rows, key, figures, since, until) -> None:
    """Make the range's figures equal `rows`: zero them, upsert the new ones (views untouched),
    then drop the rows left with nothing at all."""
    in_range = model.objects.filter(day__range=(since, until))
    in_range.update(**dict.fromkeys(figures, 0))
    model.objects.bulk_create(rows, batch_size=2000, update_conflicts=True,
                              unique_fields=[name.removesuffix("_id") for name in key],
                              update_fields=figures + (["shop"] if model is ListingDay else []))
    in_range.filter(views=0, **dict.fromkeys(figures, 0)).delete()
