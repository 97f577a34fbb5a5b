"""The staff desk's daily rows (`StaffDay`): what came in, how fast staff first acted, how old
the review queue got.

Counts come from the rows themselves (listings, reports, the orders' timeline, chargebacks);
"first staff action" is the first audit-log row a staff member wrote about the item: for a
report, a decision on its listing made after the report; for a listing held for review, its
approval or refusal. The queue's oldest age is observed by the periodic refresh (today's row,
`queue_observed`); for days nobody observed, it is worked out afterwards from the same audit
log: an item waited from its creation until its first staff action. That is approximate for a
listing (its wait counts from when it was created, not when it was held).
"""

import datetime
import statistics
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Count, Min, OuterRef, Q, Subquery
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from insights.models import StaffDay
from moderation.models import AuditLog, Report
from orders.models import Order, OrderEvent
from payments.models import Chargeback
from sellers.models import Listing

DECISIONS_ON_HELD = [AuditLog.Action.LISTING_APPROVED, AuditLog.Action.LISTING_REJECTED]


@dataclass(frozen=True)
class Waiting:
    """Something that waited for staff: since when, and when staff first acted (or None)."""

    created: datetime.datetime
    acted: datetime.datetime | None


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=_zone())


def _per_day(queryset, field: str, since: datetime.date, *, distinct: str = "id") -> dict:
    rows = (
        queryset.filter(**{f"{field}__gte": _day_start(since)})
        .annotate(day=TruncDate(field, tzinfo=_zone()))
        .values("day")
        .annotate(n=Count(distinct, distinct=True))
        .order_by()
    )
    return {row["day"]: row["n"] for row in rows}


def _waiting_items(since: datetime.datetime) -> list[Waiting]:
    """Reports and held listings that were waiting at some moment since `since`."""
    first_decision = (
        AuditLog.objects.filter(
            object_type="listing", actor__isnull=False,
            object_id=Cast(OuterRef("listing_id"), output_field=CharField()),
            created__gte=OuterRef("created"),
        )
        .order_by("created")
        .values("created")[:1]
    )
    reports = (
        Report.objects.filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=since))
        .annotate(acted=Subquery(first_decision))
        .values_list("created", "acted")
    )
    items = [Waiting(created, acted) for created, acted in reports]
    decided = dict(
        AuditLog.objects.filter(action__in=DECISIONS_ON_HELD, actor__isnull=False)
        .values("object_id")
        .annotate(first=Min("created"))
        .values_list("object_id", "first")
    )
    held_ids = [int(object_id) for object_id, first in decided.items()
                if object_id.isdigit() and first >= since]
    held = Listing.objects.filter(
        Q(pk__in=held_ids) | Q(status=Listing.Status.PENDING_REVIEW)
    ).values_list("pk", "created")
    items += [Waiting(created, decided.get(str(pk))) for pk, created in held]
    return items


def _oldest_waiting(items: list[Waiting], at: datetime.datetime) -> int | None:
    """Seconds the oldest item still waiting at `at` had waited; None when nothing waited."""
    waiting = [item.created for item in items
               if item.created <= at and (item.acted is None or item.acted > at)]
    return int((at - min(waiting)).total_seconds()) if waiting else None


def _median_first_action(items: list[Waiting], day: datetime.date) -> int | None:
    start, end = _day_start(day), _day_start(day + datetime.timedelta(days=1))
    waits = [(item.acted - item.created).total_seconds() for item in items
             if start <= item.created < end and item.acted is not None]
    return int(statistics.median(waits)) if waits else None


def staff_days_refresh(*, since: datetime.date, now: datetime.datetime | None = None) -> int:
    """Recompute the rows from `since` to today; today's queue age is observed now.

    An earlier day's observed queue age is kept: only the job saw the queue as it was.
    Returns the number of rows written.
    """
    now = now or timezone.now()
    today = timezone.localtime(now, _zone()).date()
    since = min(since, today)
    listings = _per_day(Listing.objects.all(), "created", since)
    reports = _per_day(Report.objects.all(), "created", since)
    disputes = _per_day(OrderEvent.objects.filter(status=Order.Status.DISPUTED), "at", since,
                        distinct="order_id")
    chargebacks = _per_day(Chargeback.objects.all(), "created", since)
    items = _waiting_items(_day_start(since))
    observed = dict(StaffDay.objects.filter(day__gte=since, day__lt=today, queue_observed=True)
                    .values_list("day", "queue_oldest_seconds"))
    rows = []
    day = since
    while day <= today:
        is_today = day == today
        end_of_day = now if is_today else _day_start(day + datetime.timedelta(days=1))
        rows.append(StaffDay(
            day=day, new_listings=listings.get(day, 0), reports=reports.get(day, 0),
            disputes=disputes.get(day, 0), chargebacks=chargebacks.get(day, 0),
            first_action_seconds_median=_median_first_action(items, day),
            queue_oldest_seconds=(observed[day] if day in observed
                                  else _oldest_waiting(items, end_of_day)),
            queue_observed=is_today or day in observed,
        ))
        day += datetime.timedelta(days=1)
    with transaction.atomic():
        StaffDay.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["day"],
            update_fields=["new_listings", "reports", "disputes", "chargebacks",
                           "first_action_seconds_median", "queue_oldest_seconds",
                           "queue_observed"],
        )
    return len(rows)


def staff_days_rebuild(*, now: datetime.datetime | None = None) -> int:
    """Rebuild every row from the first listing or report on (observed queue ages are kept)."""
    first = [
        value for value in (
            Listing.objects.aggregate(first=Min("created"))["first"],
            Report.objects.aggregate(first=Min("created"))["first"],
        ) if value is not None
    ]
    if not first:
        return 0
    return staff_days_refresh(since=timezone.localtime(min(first), _zone()).date(), now=now)
