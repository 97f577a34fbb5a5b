"""The seller insights page and its CSV downloads: parse the period, read, render."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from sellers.decorators import shop_required
from web.charts import CENTS, PERCENT, Chart, bar_chart, chart_csv_response, line_chart

from .selectors import SellerInsights, insights_period_parse, seller_insights, still
from .services.summaries import day_zone


def shop_first_day(shop):
    """The first day a shop can have figures for: the day it opened, in the home zone."""
    return shop.created.astimezone(day_zone()).date()


def insights_charts(insights: SellerInsights) -> dict[str, Chart]:
    """The page's charts by the name their CSV download uses."""
    buckets = insights.buckets
    heading = "Month" if insights.period.interval == "month" else "Week of"
    every = "month" if insights.period.interval == "month" else "week"
    yet = still(insights.period)
    none = f"No orders in this period{yet}."
    charts = {
        "orders": line_chart(
            [("Orders", [(b.label, b.orders) for b in buckets]),
             ("Units", [(b.label, b.units) for b in buckets])],
            title=f"Orders and units sold per {every}", chart_id="orders",
            empty_sentence=none, label_heading=heading),
        "money": line_chart(
            [("Sales", [(b.label, b.sales_cents) for b in buckets]),
             ("Released to you", [(b.label, b.released_cents) for b in buckets])],
            title=f"Sales and money released to you per {every}", unit=CENTS,
            chart_id="money", empty_sentence=f"No sales or released money in this period{yet}.",
            label_heading=heading),
        "views": bar_chart(
            [(b.label, b.views) for b in buckets], title=f"Listing views per {every}",
            series_name="Views", chart_id="views",
            empty_sentence=f"Nobody has looked at your listings in this period{yet}.",
            label_heading=heading),
        "conversion": bar_chart(
            [(b.label, b.conversion_percent or 0) for b in buckets],
            title=f"Views that became orders, per {every}", series_name="Orders per 100 views",
            unit=PERCENT, chart_id="conversion",
            empty_sentence=f"No views became orders in this period{yet}.",
            label_heading=heading),
        "bestsellers": bar_chart(
            [(seller.title, seller.units) for seller in insights.best_sellers],
            title="Best sellers (units sold)", series_name="Units sold",
            chart_id="bestsellers", empty_sentence=f"Nothing sold in this period{yet}.",
            label_heading="Listing"),
    }
    return charts


def shop_asked_is_own(asked, shop) -> None:
    """`?shop=` may only name the seller's own shop: any other is 404, as if it did not exist."""
    asked = str(asked or "").strip()
    if asked and asked != str(shop.pk):
        raise Http404("No such shop.")


def _period_or_default(request, shop):
    """The period asked for, or (with a message, answered 400) the default one."""
    try:
        return insights_period_parse(
            raw_from=request.GET.get("from"), raw_to=request.GET.get("to"),
            raw_interval=request.GET.get("interval"), first_day=shop_first_day(shop)), 200
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return insights_period_parse(raw_from=None, raw_to=None, raw_interval=None,
                                     first_day=shop_first_day(shop)), 400


@shop_required
@require_safe
def seller_insights_page(request, shop):
    """How the shop is doing, in pictures: orders, money, views, best sellers, buyers."""
    shop_asked_is_own(request.GET.get("shop"), shop)
    period, status = _period_or_default(request, shop)
    insights = seller_insights(shop_id=shop.pk, period=period)
    query = urlencode({"from": period.start.isoformat(), "to": period.end.isoformat(),
                       "interval": period.interval})
    charts = {
        name: chart.with_csv_url(f"{reverse('seller-insights-csv', args=[name])}?{query}")
        for name, chart in insights_charts(insights).items()
    }
    return render(request, "insights/seller_insights.html", {
        "shop": shop, "insights": insights, "period": period, "charts": charts,
        "intervals": [("week", "Week"), ("month", "Month")],
        "period_reaches_today": bool(still(period)),
    }, status=status)


@shop_required
@require_safe
def seller_insights_csv(request, shop, series: str):
    """One chart's numbers as a CSV file, for the same period as the page."""
    shop_asked_is_own(request.GET.get("shop"), shop)
    try:
        period = insights_period_parse(
            raw_from=request.GET.get("from"), raw_to=request.GET.get("to"),
            raw_interval=request.GET.get("interval"), first_day=shop_first_day(shop))
    except ValidationError as exc:
        return render(request, "insights/bad_period.html", {"errors": exc.messages},
                      status=400)
    charts = insights_charts(seller_insights(shop_id=shop.pk, period=period))
    if series not in charts:
        raise Http404("There is no such series.")
    return chart_csv_response(
        charts[series], filename=f"{shop.slug}-{series}-{period.start}-{period.end}")
