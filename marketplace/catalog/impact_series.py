"""Village impact over time: shops open, orders completed, sales and money paid to sellers,
month by month since the first sale, per village and for the whole marketplace.

Read from the daily `insights.VillageDay` rows in one grouped query, whatever the number of
months or villages; shown as two charts (web/charts.py) on the village pages and /impact/,
and given to the API as `series`.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Max, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse

from insights.models import VillageDay
from insights.services.summaries import today as home_today
from web.charts import CENTS, COUNT, Chart, line_chart

FIGURES = ("active_shops", "orders_completed", "sales_cents", "paid_to_sellers_cents")
CHARTS = ("orders", "money")


@dataclass(frozen=True)
class Month:
    month: datetime.date  # the first day of the month
    active_shops: int  # the most shops open on any day of the month
    orders_completed: int
    sales_cents: int
    paid_to_sellers_cents: int

    def as_dict(self) -> dict:
        return {"month": self.month.strftime("%Y-%m"), **{name: getattr(self, name)
                                                           for name in FIGURES}}


def _month_after(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _months(per_month: dict[datetime.date, dict], *, until: datetime.date) -> list[Month]:
    """Every month from the first with a sale or a completed order to `until`, gaps filled:
    no row means nothing sold, and the shops open are those of the month before."""
    active = [month for month, row in per_month.items()
              if row["sales_cents"] or row["orders_completed"]]
    if not active:
        return []
    month, months, shops = min(active), [], 0
    while month <= until:
        row = per_month.get(month)
        shops = row["active_shops"] if row else shops
        months.append(Month(month=month, active_shops=shops,
                            orders_completed=row["orders_completed"] if row else 0,
                            sales_cents=row["sales_cents"] if row else 0,
                            paid_to_sellers_cents=row["paid_to_sellers_cents"] if row else 0))
        month = _month_after(month)
    return months


def impact_series(*, village_id: int | None = None) -> dict:
    """`{"total": [Month], "villages": {village_id: [Month]}}` (one query); with `village_id`,
    only that village's rows are read and "total" is that village's."""
    rows = VillageDay.objects.all()
    if village_id is not None:
        rows = rows.filter(village_id=village_id)
    rows = (
        rows.annotate(month=TruncMonth("day"))
        .values("village_id", "month")
        .annotate(active_shops=Max("active_shops"), orders_completed=Sum("orders_completed"),
                  sales_cents=Sum("sales_cents"),
                  paid_to_sellers_cents=Sum("paid_to_sellers_cents"))
        .order_by()
    )
    villages: dict[int, dict] = {}
    total: dict[datetime.date, dict] = {}
    for row in rows:
        month = row["month"]
        figures = {name: int(row[name] or 0) for name in FIGURES}
        villages.setdefault(row["village_id"], {})[month] = figures
        summed = total.setdefault(month, dict.fromkeys(FIGURES, 0))
        for name in FIGURES:
            summed[name] += figures[name]
    until = home_today().replace(day=1)
    return {"total": _months(total, until=until),
            "villages": {vid: _months(months, until=until) for vid, months in villages.items()}}


def impact_charts(months: list[Month], *, place: str, csv_urls: dict[str, str],
                  empty: str) -> list[Chart]:
    """The two charts of a series: orders completed and shops open; sales and paid to sellers."""
    # "Mar ’26": six of them fit under a chart on a phone, "March 2026" would not.
    labels = [month.month.strftime("%b ’%y") for month in months]

    def points(name):
        return [(label, getattr(month, name)) for label, month in zip(labels, months, strict=True)]

    orders = line_chart(
        [("Orders completed", points("orders_completed")), ("Shops open", points("active_shops"))],
        title=f"Orders completed and shops open in {place}, per month", unit=COUNT,
        chart_id="impact-orders", label_heading="Month", empty_sentence=empty,
    )
    money = line_chart(
        [("Sales", points("sales_cents")), ("Paid to sellers", points("paid_to_sellers_cents"))],
        title=f"Sales and money paid to sellers in {place}, per month", unit=CENTS,
        chart_id="impact-money", label_heading="Month", empty_sentence=empty,
    )
    return [orders.with_csv_url(csv_urls["orders"]), money.with_csv_url(csv_urls["money"])]


def marketplace_charts() -> list[Chart]:
    return impact_charts(
        impact_series()["total"], place="all villages",
        csv_urls={name: reverse("catalog-impact-csv", args=[name]) for name in CHARTS},
        empty="Nothing has been sold here yet: the charts start with the first sale.")


def village_charts(village) -> list[Chart]:
    return impact_charts(
        impact_series(village_id=village.pk)["total"], place=village.name,
        csv_urls={name: reverse("catalog-village-impact-csv", args=[village.slug, name])
                  for name in CHARTS},
        empty=f"Nothing has been sold from {village.name} yet: the charts start with its first "
              "sale.")
