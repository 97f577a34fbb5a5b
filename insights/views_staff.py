"""Staff trends as CSV, one file per chart on the staff dashboard (moderators only)."""

from django.http import Http404
from django.views.decorators.http import require_safe

from insights.staff_trends import CHARTS, staff_trend_charts
from moderation.permissions import moderator_required
from web.charts import chart_csv_response


@require_safe
@moderator_required
def staff_trends_csv(request, chart: str):
    if chart not in CHARTS:
        raise Http404("No such chart.")
    return chart_csv_response(staff_trend_charts()[chart], filename=f"staff-{chart}")
