"""Staff trends on the staff dashboard: the last 90 days of `StaffDay` rows as four charts.

One query whatever the number of days. The section is added to moderation's dashboard through
`moderation.dashboard.dashboard_section_register` (moderation imports nothing above it).
"""

import datetime

from django.urls import reverse

from insights.models import StaffDay
from insights.services.summaries import today as home_today
from web.charts import COUNT, Chart, bar_chart, line_chart

DAYS = 90
CHARTS = ("listings", "incoming", "first-action", "queue-age")


def _hours(seconds: int | None) -> int | None:
    return None if seconds is None else round(seconds / 3600)


def staff_trend_charts(*, days: int = DAYS, today: datetime.date | None = None) -> dict:
    """{name: Chart} for the last `days` days up to today (days with no row count as zero)."""
    today = today or home_today()
    first = today - datetime.timedelta(days=days - 1)
    rows = {row.day: row for row in StaffDay.objects.filter(day__gte=first, day__lte=today)}
    dates = [first + datetime.timedelta(days=offset) for offset in range(days)]
    labels = [day.strftime("%b %-d") for day in dates]
    blank = StaffDay()

    def points(field, convert=lambda value: value):
        return [(label, convert(getattr(rows.get(day, blank), field)))
                for label, day in zip(labels, dates, strict=True)]

    listings = bar_chart(
        points("new_listings"), title=f"New listings per day, last {days} days",
        series_name="New listings", chart_id="staff-listings", label_heading="Day",
        empty_sentence=f"No listing was created in the last {days} days.",
    )
    incoming = line_chart(
        [("Reports", points("reports")), ("Disputes", points("disputes")),
         ("Chargebacks", points("chargebacks"))],
        title=f"Reports, disputes and chargebacks per day, last {days} days", unit=COUNT,
        chart_id="staff-incoming", label_heading="Day",
        empty_sentence=f"No reports, disputes or chargebacks in the last {days} days.",
    )
    first_action = bar_chart(
        points("first_action_seconds_median", _hours),
        title="Hours to the first staff action (median of the day's reports and held listings)",
        series_name="Hours to first action", chart_id="staff-first-action", label_heading="Day",
        empty_sentence=f"Staff have not acted on any report or held listing in the last {days} "
                       "days.",
    )
    queue_age = bar_chart(
        points("queue_oldest_seconds", _hours),
        title="Hours the oldest item in the review queue had waited, at each day's end",
        series_name="Oldest wait (hours)", chart_id="staff-queue-age", label_heading="Day",
        empty_sentence=f"Nothing waited in the review queue in the last {days} days.",
    )
    charts = {"listings": listings, "incoming": incoming, "first-action": first_action,
              "queue-age": queue_age}
    return {name: chart.with_csv_url(reverse("staff-trends-csv", args=[name]))
            for name, chart in charts.items()}


def staff_trends_section() -> dict:
    """The dashboard section's context: the charts in the order they are shown."""
    charts: dict[str, Chart] = staff_trend_charts()
    return {"charts": [charts[name] for name in CHARTS], "days": DAYS}
