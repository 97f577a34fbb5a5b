"""The demo marketplace's past: 18 months of orders, reviews, reports and disputes.

Every step goes through the services a live order goes through (cart, checkout, the payment's
outcome, shipping, confirmation, escrow release, reviews, reports, staff decisions), so the
ledger balances and every timeline, audit row and ledger line is where a real one would be.
Those services date their rows with `django.utils.timezone.now()`; `demo_clock` sets that
clock to the moment of each step while it runs, so the rows carry the dates of the story.

Only the payment itself is stood in for, as tests/builders.py does: the PaymentIntent row a
Stripe answer would leave, then Stripe's "succeeded" PaymentIntent handed to
`payment_intent_apply`, where the webhook and the pay page end too. The intents carry ids
`pi_demo_…` that Stripe never issued; the history is for looking at, not for refunding.

Built once: a second `seed_demo` finds the first history checkout and does nothing.
"""

import datetime
import random
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone
from django.utils import timezone as django_timezone

from moderation.models import Report
from moderation.services.disputes import dispute_resolve
from moderation.services.listings import report_create, report_resolve
from notifications.services import notifications_settle_before
from orders.models import Checkout, Order
from orders.services.cart import cart_item_add
from orders.services.checkout import checkout_payment_intent_ensure, checkout_reserve
from orders.services.lifecycle import (
    order_confirm_receipt,
    order_dispute,
    order_ship,
    review_create,
)
from payments.models import PaymentIntent
from payments.services import payment_intent_apply
from sellers.models import Listing, Shop

User = get_user_model()

MONTHS = 18
KEY_PREFIX = "demo-history-"
BUYERS = [
    ("Ada Lindqvist", "MN"), ("Ben Okafor", "TX"), ("Carla Ruiz", "CA"), ("Dev Patel", "NJ"),
    ("Ellen Marsh", "VT"), ("Frank Yoder", "OH"), ("Grace Kim", "WA"), ("Hank Doyle", "MT"),
    ("Iris Boone", "GA"), ("Jon Esposito", "NY"), ("Kay Whitehorse", "AZ"), ("Lena Park", "IL"),
    ("Moses Grant", "NC"), ("Nora Quinn", "MA"), ("Omar Haddad", "MI"), ("Pearl Jensen", "WI"),
    ("Ray Castillo", "NM"), ("Sue Albright", "KS"), ("Ted Nakamura", "HI"), ("Una Byrne", "ME"),
]
REVIEW_TEXTS = {
    5: ["Exactly as pictured and packed with care.", "Will order again.",
        "Arrived quickly; the quality is wonderful.", "A gift that was a hit."],
    4: ["Good value, shipping took a few days.", "Nice work, slightly smaller than I thought."],
    3: ["Fine, but the box was dented."],
}
REPORT_REASONS = [Report.Reason.MISLEADING, Report.Reason.OTHER, Report.Reason.COUNTERFEIT]


class _DemoClockType(type):
    """Stands in for `datetime` inside django.utils.timezone: `now()` is the story's moment."""

    moment: datetime.datetime | None = None

    def now(cls, tz=None):
        return cls.moment.astimezone(tz) if tz else cls.moment.replace(tzinfo=None)

    def __instancecheck__(cls, value):
        return isinstance(value, datetime.datetime)


class _DemoClock(metaclass=_DemoClockType):
    pass


@contextmanager
def demo_clock(moment: datetime.datetime):
    """Run the body with `timezone.now()` answering `moment` (the process's only thread)."""
    real = django_timezone.datetime
    _DemoClock.moment = moment
    django_timezone.datetime = _DemoClock
    try:
        yield
    finally:
        django_timezone.datetime = real


@dataclass
class HistoryCounts:
    orders: int = 0
    reviews: int = 0
    reports: int = 0
    disputes: int = 0


def history_exists() -> bool:
    return Checkout.objects.filter(idempotency_key__startswith=KEY_PREFIX).exists()


def history_build(*, staff, password_hash: str, now: datetime.datetime | None = None,
                  months: int = MONTHS, seed: int = 2026) -> HistoryCounts:
    """Lay down `months` of history ending a day before `now`; nothing if it is already there."""
    counts = HistoryCounts()
    if history_exists():
        return counts
    now = now or timezone.now()
    rng = random.Random(seed)
    start = (now - datetime.timedelta(days=months * 30.5)).replace(
        hour=9, minute=0, second=0, microsecond=0)
    shops = list(Shop.objects.filter(status=Shop.Status.ACTIVE).order_by("pk"))
    if not shops:
        return counts
    listings = {
        # Pre-orders are next season's goods: the past holds none of them.
        shop.pk: list(Listing.objects.filter(shop=shop, status=Listing.Status.ACTIVE,
                                             preorder_ships_by__isnull=True).order_by("pk"))
        for shop in shops
    }
    shops = [shop for shop in shops if listings[shop.pk]]
    # Shops open one after another over the first months.
    opened = {shop.pk: start + datetime.timedelta(days=index * 19) for index, shop in
              enumerate(shops)}
    listed: dict[int, datetime.datetime] = {}
    for shop in shops:
        Shop.objects.filter(pk=shop.pk).update(created=opened[shop.pk],
                                               verified_at=opened[shop.pk])
        # Its goods are listed one after another, from the day it opened until last week.
        span = now - datetime.timedelta(days=7) - opened[shop.pk]
        for position, listing in enumerate(listings[shop.pk]):
            listed[listing.pk] = opened[shop.pk] + span * position / len(listings[shop.pk])
            Listing.objects.filter(pk=listing.pk).update(created=listed[listing.pk])
    buyers = [_buyer(name, state, index, password_hash, joined=start)
              for index, (name, state) in enumerate(BUYERS)]
    # Ending three days ago: every order is shipped by now, none waits on its seller.
    checkouts = _checkout_moments(rng, start=start, end=now - datetime.timedelta(days=3))
    reported: set[tuple[int, int]] = set()
    for number, paid_at in enumerate(checkouts):
        open_shops = [shop for shop in shops if opened[shop.pk] <= paid_at]
        if not open_shops:
            continue
        buyer = rng.choice(buyers[: 6 + len(buyers) * number // len(checkouts)])
        picked = rng.sample(open_shops, k=1 if rng.random() < 0.8 else min(2, len(open_shops)))
        lines = [(rng.choice([one for one in listings[shop.pk] if listed[one.pk] < paid_at]),
                  1 if rng.random() < 0.75 else 2)
                 for shop in picked]
        orders = _checkout_paid(buyer=buyer, lines=lines, at=paid_at, number=number)
        for order in orders:
            counts.orders += 1
            shipped_at = paid_at + datetime.timedelta(hours=rng.randint(8, 60))
            if shipped_at > now:
                continue
            with demo_clock(shipped_at):
                order_ship(order_id=order.pk, seller=order.shop.owner, carrier="USPS",
                           tracking_number=f"9400{order.pk:018d}")
            arrived = shipped_at + datetime.timedelta(hours=rng.randint(50, 150))
            if arrived > now:
                continue
            if rng.random() < 0.03:
                counts.disputes += _dispute(order, staff=staff, at=arrived, now=now)
                continue
            with demo_clock(arrived):
                order_confirm_receipt(order_id=order.pk, buyer=order.buyer)
            reviewed = arrived + datetime.timedelta(hours=rng.randint(2, 40))
            if rng.random() < 0.4 and reviewed < now:
                rating = rng.choices([5, 4, 3], weights=[7, 3, 1])[0]
                with demo_clock(reviewed):
                    review_create(order_id=order.pk, buyer=order.buyer, rating=rating,
                                  text=rng.choice(REVIEW_TEXTS[rating]))
                counts.reviews += 1
        if rng.random() < 0.15:
            counts.reports += _report(rng, buyers=buyers, listings=listings, shops=open_shops,
                                      staff=staff, at=paid_at, now=now, reported=reported)
    # People heard about all this when it happened: nothing is e-mailed now, nothing unread.
    notifications_settle_before(moment=now)
    return counts


def _buyer(name: str, state: str, index: int, password_hash: str, *, joined) -> User:
    email = f"neighbor{index + 1}@demo.taobaovillage.test"
    user, _ = User.objects.get_or_create(email=email, defaults={
        "display_name": f"{name} ({state})", "password": password_hash,
        "email_confirmed_at": joined, "date_joined": joined,
    })
    return user


def _checkout_moments(rng: random.Random, *, start, end) -> list[datetime.datetime]:
    """When each checkout was paid: a growing trade, busiest before the winter holidays."""
    moments = []
    day = start
    total_days = max((end - start).days, 1)
    while day < end:
        growth = 0.6 + 1.8 * (day - start).days / total_days
        season = {11: 1.8, 12: 2.2, 10: 1.2, 2: 1.3, 6: 1.2, 7: 1.3}.get(day.month, 1.0)
        expected = 0.2 * growth * season
        for _ in range(int(expected) + (rng.random() < expected - int(expected))):
            moments.append(day + datetime.timedelta(minutes=rng.randint(0, 12 * 60)))
        day += datetime.timedelta(days=1)
    return sorted(moment for moment in moments if moment < end)


def _checkout_paid(*, buyer, lines, at, number: int) -> list[Order]:
    """One checkout of `lines`, reserved and paid at `at` (one order per shop)."""
    for listing, quantity in lines:
        # The seller keeps the shelf stocked: the demo's stock today is set after the history.
        Listing.objects.filter(pk=listing.pk, stock__lt=quantity + 1).update(
            stock=F("stock") + 10)
    with demo_clock(at - datetime.timedelta(minutes=6)):
        for listing, quantity in lines:
            cart_item_add(user=buyer, listing_id=listing.pk, quantity=quantity)
        checkout = checkout_reserve(
            buyer=buyer, idempotency_key=f"{KEY_PREFIX}{number}", fulfillment="ship",
            shipping_address={
                "name": buyer.display_name.split(" (")[0], "line1": f"{number + 10} Elm St",
                "line2": "", "city": "Springfield", "state": "IL", "postal_code": "62701",
                "country": "US",
            },
        ).checkout
        PaymentIntent.objects.create(
            reference=checkout.reference, idempotency_key=f"checkout-{checkout.pk}",
            amount_cents=checkout.amount_cents, currency=checkout.currency,
            stripe_id=f"pi_demo_{checkout.pk}", client_secret=f"pi_demo_{checkout.pk}_secret",
            status=PaymentIntent.Status.REQUIRES_PAYMENT_METHOD,
            metadata={"buyer": str(buyer.pk)},
        )
        checkout = checkout_payment_intent_ensure(checkout=checkout)
    with demo_clock(at):
        payment_intent_apply(stripe_payment_intent={
            "id": checkout.payment_intent_id, "object": "payment_intent",
            "amount": checkout.amount_cents, "currency": checkout.currency.lower(),
            "status": "succeeded", "metadata": {"reference": checkout.reference},
            "latest_charge": {"id": f"ch_demo_{checkout.pk}", "object": "charge"},
            "last_payment_error": None,
        })
    return list(Order.objects.filter(checkout=checkout).select_related("shop__owner", "buyer")
                .order_by("pk"))


def _dispute(order: Order, *, staff, at, now) -> int:
    """The buyer says the parcel came damaged; staff decide for the seller three days on."""
    with demo_clock(at):
        order_dispute(order_id=order.pk, buyer=order.buyer, reason="damaged",
                      details="The jar lid was cracked when it arrived.")
    decided = at + datetime.timedelta(days=3, hours=2)
    if decided > now:
        return 1
    with demo_clock(decided):
        dispute_resolve(order_id=order.pk, actor=staff, outcome=Order.DisputeOutcome.RELEASE,
                        note="The seller's photos show it packed well; released.",
                        override_reason="The seller did not answer in three days.")
    return 1


def _report(rng, *, buyers, listings, shops, staff, at, now, reported) -> int:
    """A buyer reports a listing; staff look at it within a day or two and dismiss it."""
    shop = rng.choice(shops)
    listing = rng.choice(listings[shop.pk])
    reporter = rng.choice(buyers)
    if (listing.pk, reporter.pk) in reported:
        return 0
    reported.add((listing.pk, reporter.pk))
    with demo_clock(at + datetime.timedelta(hours=3)):
        report = report_create(listing_id=listing.pk, reporter=reporter,
                               reason=rng.choice(REPORT_REASONS),
                               details="The photo does not match the description.")
    looked_at = at + datetime.timedelta(hours=3 + rng.randint(2, 40))
    if looked_at < now:
        with demo_clock(looked_at):
            report_resolve(report_id=report.pk, actor=staff, action="dismiss",
                           note="Checked with the seller; the listing is accurate.")
    return 1
