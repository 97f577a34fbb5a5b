"""Reads of the summary tables for the seller insights page and API: a fixed number of queries
(the series, the best sellers, the buyers) whatever the length of the period."""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.db.models.functions import TruncMonth, TruncWeek

from orders.selectors import shop_buyers_in

from .models import ListingDay, ShopDay
from .services.summaries import day_bounds, today

INTERVALS = ("week", "month")
MAX_YEARS = 5
BEST_SELLERS = 5
DEFAULT_PERIODS = {"week": 12, "month": 12}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    interval: str


@dataclass(frozen=True)
class Bucket:
    """One week or month of a shop's figures."""

    start: date
    label: str
    orders: int = 0
    units: int = 0
    sales_cents: int = 0
    released_cents: int = 0
    views: int = 0
    is_partial: bool = False  # the period cuts it: fewer days than a whole week or month

    @property
    def conversion_percent(self) -> float | None:
        """Orders per hundred listing views (None with no views: not a 0 %)."""
        return round(100 * self.orders / self.views, 1) if self.views else None


@dataclass(frozen=True)
class BestSeller:
    listing_id: int
    title: str
    orders: int
    units: int
    sales_cents: int
    views: int


@dataclass(frozen=True)
class SellerInsights:
    shop_id: int
    period: Period
    buckets: list[Bucket]
    best_sellers: list[BestSeller]
    buyers: int
    repeat_buyers: int
    currency: str = "USD"
    totals: Bucket = field(default=None)

    @property
    def repeat_share_percent(self) -> float | None:
        return round(100 * self.repeat_buyers / self.buyers, 1) if self.buyers else None

    @property
    def summary(self) -> str:
        return insights_summary(self)


def _date(raw, name: str) -> date | None:
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError({name: [
            f"“{text[:20]}” is not a date. Write it as year-month-day, like 2026-03-31."]},
        ) from None


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def period_start(day: date, interval: str) -> date:
    """The first day of the week (Monday) or month `day` falls in."""
    if interval == "month":
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())


def _next_start(day: date, interval: str) -> date:
    if interval == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=7)


def insights_period_parse(*, raw_from, raw_to, raw_interval, first_day: date) -> Period:
    """The period a request asks for, checked: ValidationError {field: [message]} for a date
    that is not one, a period before `first_day` or after today, reversed or longer than five
    years, or an interval other than week or month. Missing values have defaults: the last
    12 weeks or months up to today."""
    interval = str(raw_interval or "").strip() or "week"
    if interval not in INTERVALS:
        raise ValidationError({"interval": [
            f"There is no interval “{interval[:20]}”. Use week or month."]})
    last_day = today()
    end = _date(raw_to, "to") or last_day
    start = _date(raw_from, "from")
    if start is None:
        start = period_start(end, interval)
        for _ in range(DEFAULT_PERIODS[interval] - 1):
            start = period_start(start - timedelta(days=1), interval)
        start = max(start, min(first_day, end))
    if start > end:
        raise ValidationError({"from": [
            f"The period starts ({start:%b %-d, %Y}) after it ends ({end:%b %-d, %Y}). "
            "Swap the two dates."]})
    if start < _years_before(end, MAX_YEARS):
        raise ValidationError({"from": [
            f"A period can be at most {MAX_YEARS} years long. Choose a later start or an "
            "earlier end."]})
    if start < first_day:
        raise ValidationError({"from": [
            f"There are no figures before {first_day:%b %-d, %Y}, when your shop opened."]})
    if end > last_day:
        raise ValidationError({"to": [
            f"There are no figures after today ({last_day:%b %-d, %Y})."]})
    return Period(start=start, end=end, interval=interval)


def _label(start: date, interval: str, *, many_years: bool) -> str:
    if interval == "month":
        return f"{calendar.month_abbr[start.month]} {start.year}"
    return f"{start:%b %-d, %Y}" if many_years else f"{start:%b %-d}"


def seller_insights(*, shop_id: int, period: Period) -> SellerInsights:
    """The shop's figures per week or month of `period`, its best sellers and buyers: three
    queries whatever the period's length."""
    trunc = TruncMonth if period.interval == "month" else TruncWeek
    rows = (
        ShopDay.objects.filter(shop_id=shop_id, day__range=(period.start, period.end))
        .annotate(period=trunc("day"))
        .values("period")
        .annotate(orders=Sum("orders_paid"), units=Sum("units"), sales_cents=Sum("sales_cents"),
                  released_cents=Sum("released_cents"), views=Sum("views"))
        .order_by("period")
    )
    found = {row["period"]: row for row in rows}
    many_years = period.start.year != period.end.year
    buckets = []
    start = period_start(period.start, period.interval)
    while start <= period.end:
        row = found.get(start, {})
        following = _next_start(start, period.interval)
        label = _label(start, period.interval, many_years=many_years)
        # A week or month the period cuts says so (in brackets, which the axis leaves off).
        if start < period.start:
            label += f" (from {period.start:%b %-d})"
        if following - timedelta(days=1) > period.end:
            label += " (so far)" if period.end == today() else f" (to {period.end:%b %-d})"
        buckets.append(Bucket(
            start=start, label=label,
            is_partial=start < period.start or following - timedelta(days=1) > period.end,
            **{name: int(row.get(name) or 0) for name in
               ("orders", "units", "sales_cents", "released_cents", "views")}))
        start = following
    best = (
        ListingDay.objects.filter(shop_id=shop_id, day__range=(period.start, period.end))
        .values("listing_id", "listing__title")
        .annotate(orders=Sum("orders_paid"), units_sold=Sum("units"),
                  sales=Sum("sales_cents"), seen=Sum("views"))
        .filter(units_sold__gt=0)
        .order_by("-units_sold", "-sales", "listing_id")[:BEST_SELLERS]
    )
    best_sellers = [BestSeller(listing_id=row["listing_id"], title=row["listing__title"],
                               orders=int(row["orders"]), units=int(row["units_sold"]),
                               sales_cents=int(row["sales"]), views=int(row["seen"]))
                    for row in best]
    start_at, end_at = day_bounds(period.start, period.end)
    buyers = shop_buyers_in(shop_id=shop_id, start=start_at, end=end_at)
    totals = Bucket(start=period.start, label="All of the period",
                    **{name: sum(getattr(bucket, name) for bucket in buckets)
                       for name in ("orders", "units", "sales_cents", "released_cents",
                                    "views")})
    return SellerInsights(shop_id=shop_id, period=period, buckets=buckets,
                          best_sellers=best_sellers, buyers=int(buyers["buyers"] or 0),
                          repeat_buyers=int(buyers["repeat_buyers"] or 0), totals=totals)


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def still(period: Period) -> str:
    """" yet" for a period that reaches today (more may come), nothing for one in the past."""
    return " yet" if period.end >= today() else ""


def _period_words(bucket: Bucket, interval: str) -> str:
    if interval == "month":
        return f"{calendar.month_name[bucket.start.month]} {bucket.start.year}"
    return f"the week of {bucket.start:%b %-d}"


def insights_summary(insights: SellerInsights) -> str:
    """The figures in one or two plain sentences: the newest whole week or month against the
    one before ("Sales in November 2026 are up 20 % on October 2026; “Honey” sells best"). A
    week or month still under way is left out of the comparison: it would always look down."""
    if not insights.totals.sales_cents:
        return f"No sales in this period{still(insights.period)}."
    interval = insights.period.interval
    whole = [bucket for bucket in insights.buckets if not bucket.is_partial]
    if len(whole) < 2:
        period = insights.period
        sentence = (f"Sales from {period.start:%b %-d} to {period.end:%b %-d} come to "
                    f"{_money(insights.totals.sales_cents)}")
    else:
        last, before = whole[-1], whole[-2]
        when = f"in {_period_words(last, interval)}"
        other = (_period_words(before, interval) if interval == "month"
                 else "the week before")
        if not before.sales_cents:
            sentence = (f"Sales {when} come to {_money(last.sales_cents)}, after none in "
                        f"{other}" if interval == "month" else
                        f"Sales {when} come to {_money(last.sales_cents)}, after none {other}")
        else:
            change = round(100 * (last.sales_cents - before.sales_cents) / before.sales_cents)
            if change > 0:
                sentence = f"Sales {when} are up {change} % on {other}"
            elif change < 0:
                sentence = f"Sales {when} are down {-change} % on {other}"
            else:
                sentence = f"Sales {when} are the same as {other}"
    if insights.best_sellers:
        top = insights.best_sellers[0]
        sentence += f"; “{top.title}” sells best ({top.units:,} sold)"
    return sentence + "."
