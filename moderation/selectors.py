"""Reads for the staff pages and the moderation API, with their joins done."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, TruncMonth
from django.utils import timezone

from moderation.errors import NotFound
from moderation.models import AuditLog, DisputePhoto, DisputeStatement, Report
from orders.models import Order, OrderEvent, Review
from orders.selectors import order_detail_queryset
from payments.models import Escrow
from sellers.models import Listing, ListingImage, Shop

OPEN_DISPUTE = Order.Status.DISPUTED
SOLD = [Order.Status.PAID, Order.Status.SHIPPED, Order.Status.COMPLETED, Order.Status.DISPUTED]


def _count_of(queryset: QuerySet, column: str) -> Subquery:
    return Coalesce(Subquery(
        queryset.values(column).annotate(n=Count("id")).values("n")[:1],
        output_field=IntegerField(),
    ), 0)


def listing_queue(*, status: str = Listing.Status.PENDING_REVIEW) -> QuerySet[Listing]:
    """Listings in a status, oldest first, with images and their shop's track record."""
    shop_listings = Listing.objects.filter(shop_id=OuterRef("shop_id"))
    return (
        Listing.objects.filter(status=status)
        .select_related("shop", "shop__owner", "shop__village", "category")
        .prefetch_related(
            Prefetch("images", queryset=ListingImage.objects.order_by("position", "id"))
        )
        .annotate(
            shop_live=_count_of(shop_listings.filter(status=Listing.Status.ACTIVE), "shop_id"),
            shop_rejected=_count_of(shop_listings.filter(status=Listing.Status.REJECTED),
                                    "shop_id"),
            shop_taken_down=_count_of(shop_listings.filter(status=Listing.Status.TAKEN_DOWN),
                                      "shop_id"),
            open_reports=_count_of(Report.objects.filter(listing_id=OuterRef("pk"),
                                                         status=Report.Status.OPEN),
                                   "listing_id"),
        )
        .order_by("created", "id")
    )


def report_queue(*, status: str = Report.Status.OPEN) -> QuerySet[Report]:
    """Reports oldest first, each with the number of distinct people reporting its listing."""
    same_listing = Report.objects.filter(listing_id=OuterRef("listing_id"),
                                         status=Report.Status.OPEN)
    return (
        Report.objects.filter(status=status)
        .select_related("listing", "listing__shop", "reporter", "resolved_by")
        .annotate(distinct_reporters=_count_of(same_listing, "listing_id"))
        .order_by("created", "id")
    )


def shop_queue(*, status: str = Shop.Status.PENDING_VERIFICATION, query: str = "") -> QuerySet:
    """Shops in a status (oldest first) with their owner and village; `query` searches names."""
    shops = Shop.objects.select_related("owner", "village").annotate(
        listing_count=Count("listings", filter=Q(listings__status=Listing.Status.ACTIVE)),
    )
    if status:
        shops = shops.filter(status=status)
    query = (query or "").strip()
    if query:
        shops = shops.filter(Q(name__icontains=query) | Q(owner__email__icontains=query)
                             | Q(slug__icontains=query))
    return shops.order_by("created", "id")


def _disputed_at():
    return Subquery(
        OrderEvent.objects.filter(order_id=OuterRef("pk"), status=Order.Status.DISPUTED)
        .order_by("at").values("at")[:1]
    )


# --- chargebacks in the disputes queue -------------------------------------------------------
def _frozen_by_chargeback():
    """True while the buyer's bank has a chargeback open on the order's payment."""
    reference = Concat(Value("order:"), Cast(OuterRef("pk"), CharField()))
    return Exists(Escrow.objects.filter(status=Escrow.Status.FROZEN, reference=reference))


def _ever_charged_back():
    reference = Concat(Value("order:"), Cast(OuterRef("pk"), CharField()))
    return Exists(Escrow.objects.filter(reference=reference,
                                        payment_intent__chargebacks__isnull=False))
# ----------------------------------------------------------------------------------------------


DISPUTE_QUEUE_STATUSES = ("open", "resolved")


def dispute_queue(*, status: str = "open") -> QuerySet[Order]:
    """Open disputes oldest first (with orders under an open chargeback, marked
    `is_chargeback`), or (status=resolved) decided ones newest first."""
    orders = Order.objects.select_related("shop", "buyer").annotate(
        disputed_at=_disputed_at(), is_chargeback=_frozen_by_chargeback())
    if status == "resolved":
        return orders.exclude(dispute_reason="").exclude(status=OPEN_DISPUTE).order_by(
            "-disputed_at", "-id")
    return orders.filter(Q(status=OPEN_DISPUTE) | Q(is_chargeback=True)).order_by(
        "disputed_at", "id")


def dispute_detail(*, order_id) -> Order:
    """A disputed (or once disputed) order with items, timeline, statements and photos."""
    try:
        pk = int(order_id)
    except (TypeError, ValueError):
        raise NotFound("Order not found.") from None
    order = (
        order_detail_queryset().select_related("shop__owner")
        .prefetch_related(Prefetch(
            "statements",
            queryset=DisputeStatement.objects.select_related("author").prefetch_related(
                Prefetch("photos", queryset=DisputePhoto.objects.order_by("id"))),
        ))
        .annotate(is_chargeback=_frozen_by_chargeback(), charged_back=_ever_charged_back())
        .filter(pk=pk).filter(~Q(dispute_reason="") | Q(charged_back=True)).first()
    )
    if order is None:
        raise NotFound("No dispute on that order.")
    return order


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    actor: str = ""  # e-mail, or "system" for automatic actions
    since: datetime | None = None


def audit_log(*, filters: AuditFilters) -> QuerySet[AuditLog]:
    rows = AuditLog.objects.select_related("actor")
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.object_type:
        rows = rows.filter(object_type=filters.object_type)
    if filters.object_id:
        rows = rows.filter(object_id=filters.object_id)
    if filters.actor == "system":
        rows = rows.filter(actor__isnull=True)
    elif filters.actor:
        rows = rows.filter(actor__email__iexact=filters.actor)
    if filters.since:
        rows = rows.filter(created__gte=filters.since)
    return rows.order_by("-created", "-id")


def reviews_for_staff(*, hidden: bool = False) -> QuerySet[Review]:
    return (Review.objects.filter(is_hidden=hidden).select_related("shop", "buyer")
            .order_by("-created", "-id"))


def reviews_of_shop(*, shop: Shop) -> QuerySet[Review]:
    return Review.objects.filter(shop=shop).select_related("buyer").order_by("-created", "-id")


@dataclass(frozen=True)
class Queue:
    size: int
    oldest: datetime | None


@dataclass(frozen=True)
class Dashboard:
    listings: Queue
    reports: Queue
    shops: Queue
    disputes: Queue
    reports_today: int
    orders_week: int
    gmv_week_cents: int
    currency: str = "USD"


def _queue(queryset: QuerySet, column: str) -> Queue:
    row = queryset.aggregate(size=Count("id"), oldest=Min(column))
    return Queue(size=row["size"], oldest=row["oldest"])


def dashboard() -> Dashboard:
    """Queue sizes with their oldest item, today's reports, and this week's sales (6 queries)."""
    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    sales = Order.objects.filter(paid_at__gte=now - timedelta(days=7), status__in=SOLD)
    week = sales.aggregate(count=Count("id"), gmv=Coalesce(Sum(F("total_cents")), 0))
    disputes = OrderEvent.objects.filter(status=OPEN_DISPUTE, order__status=OPEN_DISPUTE)
    disputes_row = disputes.aggregate(size=Count("order_id", distinct=True), oldest=Min("at"))
    return Dashboard(
        listings=_queue(Listing.objects.filter(status=Listing.Status.PENDING_REVIEW), "created"),
        reports=_queue(Report.objects.filter(status=Report.Status.OPEN), "created"),
        shops=_queue(Shop.objects.filter(status=Shop.Status.PENDING_VERIFICATION), "created"),
        disputes=Queue(size=disputes_row["size"], oldest=disputes_row["oldest"]),
        reports_today=Report.objects.filter(created__gte=today).count(),
        orders_week=week["count"], gmv_week_cents=int(week["gmv"]),
    )


def report_counts_by_month(*, since: datetime) -> dict:
    """Buyers' reports per calendar month (UTC) since `since`: received, and decided by staff.

    Two grouped queries whatever the number of months: {month (date): {"received": n,
    "actioned": n, "dismissed": n}}. A report counts as received in the month it was made and
    as decided in the month staff decided it.
    """
    months: dict = {}
    received = (Report.objects.filter(created__gte=since)
                .annotate(month=TruncMonth("created", tzinfo=UTC)).values("month")
                .annotate(count=Count("id")).order_by())
    for row in received:
        months.setdefault(row["month"].date(), {})["received"] = row["count"]
    decided = (Report.objects.filter(resolved_at__gte=since)
               .exclude(status=Report.Status.OPEN)
               .annotate(month=TruncMonth("resolved_at", tzinfo=UTC)).values("month")
               .annotate(actioned=Count("id", filter=Q(status=Report.Status.ACTIONED)),
                         dismissed=Count("id", filter=Q(status=Report.Status.DISMISSED)))
               .order_by())
    for row in decided:
        figures = months.setdefault(row["month"].date(), {})
        figures["actioned"], figures["dismissed"] = row["actioned"], row["dismissed"]
    return months


def audit_counts_by_month(*, action: str, since: datetime, reason_startswith: str = "") -> dict:
    """How many audit rows of `action` per calendar month (UTC) since `since`: {month: n}.

    `reason_startswith` narrows to one kind of decision (e.g. shop suspensions for repeat
    infringement, whose reason starts with a fixed phrase). One grouped query.
    """
    rows = AuditLog.objects.filter(action=action, created__gte=since)
    if reason_startswith:
        rows = rows.filter(reason__startswith=reason_startswith)
    return {row["month"].date(): row["count"] for row in
            rows.annotate(month=TruncMonth("created", tzinfo=UTC)).values("month")
            .annotate(count=Count("id")).order_by()}
