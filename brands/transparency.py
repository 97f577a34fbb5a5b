"""The public transparency report: what happened to rights notices and buyers' reports, per
calendar month (UTC), in counts only: no names of owners, shops, listings or people.

`transparency_months` costs the same seven grouped queries for one month or for twenty-four.
"""

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, FloatField
from django.db.models.functions import TruncMonth
from django.utils import timezone

from brands.models import CounterNotice, Notice, NoticeListing
from brands.services.notices import REPEAT_INFRINGEMENT
from moderation.models import AuditLog
from moderation.selectors import audit_counts_by_month, report_counts_by_month

MONTHS_SHOWN = 12
MONTHS_MAX = 36


class MedianSeconds(Aggregate):
    """PostgreSQL's exact median of an interval, in seconds."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s))"
    output_field = FloatField()


@dataclass(frozen=True)
class MonthFigures:
    month: date  # the first day of the month
    notices_received: int = 0
    listings_taken_down: int = 0
    counter_notices: int = 0
    listings_restored: int = 0
    shops_suspended: int = 0  # for repeat infringement (three upheld notices in 12 months)
    median_seconds_to_takedown: int | None = None  # from a notice to its listings going down
    reports_received: int = 0  # buyers' reports of listings
    reports_actioned: int = 0  # reports decided by taking the listing down
    reports_dismissed: int = 0

    def as_dict(self) -> dict:
        values = asdict(self)
        values["month"] = self.month.strftime("%Y-%m")
        return values


def month_starts(*, months: int, now: datetime | None = None) -> list[date]:
    """The first days of the last `months` calendar months (UTC), oldest first, this one last."""
    today = (now or timezone.now()).astimezone(UTC).date()
    year, month = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _by_month(queryset, column: str) -> dict:
    return {row["month"].date(): row["count"] for row in
            queryset.annotate(month=TruncMonth(column, tzinfo=UTC)).values("month")
            .annotate(count=Count("id")).order_by()}


def transparency_months(*, months: int = MONTHS_SHOWN) -> list[MonthFigures]:
    """The report's rows, oldest month first; months with nothing in them are rows of zeros."""
    starts = month_starts(months=months)
    since = datetime.combine(starts[0], datetime.min.time(), tzinfo=UTC)
    notices = _by_month(Notice.objects.filter(created__gte=since), "created")
    delay = ExpressionWrapper(F("taken_down_at") - F("notice__created"),
                              output_field=DurationField())
    taken_down = {
        row["month"].date(): row for row in
        NoticeListing.objects.filter(taken_down_at__gte=since)
        .annotate(month=TruncMonth("taken_down_at", tzinfo=UTC)).values("month")
        .annotate(count=Count("id"), median=MedianSeconds(delay)).order_by()
    }
    answers = _by_month(CounterNotice.objects.filter(created__gte=since), "created")
    restored = _by_month(NoticeListing.objects.filter(restored_at__gte=since), "restored_at")
    suspended = audit_counts_by_month(action=AuditLog.Action.SHOP_SUSPENDED, since=since,
                                      reason_startswith=REPEAT_INFRINGEMENT)
    reports = report_counts_by_month(since=since)
    rows = []
    for start in starts:
        down = taken_down.get(start, {})
        median = down.get("median")
        buyer = reports.get(start, {})
        rows.append(MonthFigures(
            month=start, notices_received=notices.get(start, 0),
            listings_taken_down=down.get("count", 0), counter_notices=answers.get(start, 0),
            listings_restored=restored.get(start, 0), shops_suspended=suspended.get(start, 0),
            median_seconds_to_takedown=None if median is None else round(median),
            reports_received=buyer.get("received", 0),
            reports_actioned=buyer.get("actioned", 0),
            reports_dismissed=buyer.get("dismissed", 0)))
    return rows


def duration_words(seconds: int | None) -> str:
    """A median delay as people read it: "under a minute", "5 minutes", "3 hours", "2 days"."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return "under a minute"
    for size, one in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = round(seconds / size)
            return f"{count} {one}{'' if count == 1 else 's'}"
    return "under a minute"  # pragma: no cover
