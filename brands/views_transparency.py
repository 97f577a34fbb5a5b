"""The public transparency report: a page with a bar chart and the numbers, and its CSV."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from brands.transparency import duration_words, transparency_months
from web.charts import bar_chart, chart_csv_response

CHART_TITLE = "Rights notices received per month"


def _chart(rows):
    points = [(row.month.strftime("%b %Y"), row.notices_received) for row in rows]
    return bar_chart(points, title=CHART_TITLE, series_name="Notices received",
                     chart_id="notices-chart", label_heading="Month",
                     empty_sentence="No rights notices were filed in the last 12 months.")


@require_safe
def transparency(request):
    rows = transparency_months()
    chart = _chart(rows).with_csv_url(reverse("transparency-csv"))
    table = [{"figures": row, "median": duration_words(row.median_seconds_to_takedown)}
             for row in reversed(rows)]
    totals = {name: sum(getattr(row, name) for row in rows) for name in (
        "notices_received", "listings_taken_down", "counter_notices", "listings_restored",
        "shops_suspended", "reports_received", "reports_actioned", "reports_dismissed")}
    return render(request, "brands/transparency.html",
                  {"chart": chart, "table": table, "totals": totals})


@require_safe
def transparency_csv(request):
    return chart_csv_response(_chart(transparency_months()), filename="rights-notices-per-month")
