"""Daily summary rows that the charts read: one row per shop, village and listing per day.

They are a read model: `insights.services.summaries` recomputes them from the orders and the
ledger (through those apps' selectors) and can rebuild them from nothing; nothing else writes
them. A day is a calendar day in the marketplace's home time zone (`DEFAULT_USER_TIME_ZONE`).
"""

from django.db import models
from django.db.models import Q

from sellers.models import Listing, Shop, Village


class ShopDay(models.Model):
    """What one shop sold, was paid and was looked at on one day."""

    # No index of its own: the (shop, day) unique index serves every read by shop.
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    orders_paid = models.PositiveIntegerField(default=0)  # orders whose payment landed that day
    units = models.PositiveIntegerField(default=0)  # items in those orders (3 jars = 3)
    sales_cents = models.BigIntegerField(default=0)  # those orders' totals, shipping included
    released_cents = models.BigIntegerField(default=0)  # released to the seller, fee taken off
    # Listing pages seen by people: bots and the shop's owner are not counted.
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "day"], name="insights_shop_day_unique"),
            models.CheckConstraint(condition=Q(sales_cents__gte=0),
                                   name="insights_shop_day_sales_not_negative"),
        ]

    def __str__(self):
        return f"Shop {self.shop_id} on {self.day}"


class VillageDay(models.Model):
    """What the marketplace did for one village on one day."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="+",
                                db_index=False)  # the (village, day) unique index serves
    day = models.DateField()
    active_shops = models.PositiveIntegerField(default=0)  # verified, open shops at the day's end
    orders_completed = models.PositiveIntegerField(default=0)  # orders completed that day
    sales_cents = models.BigIntegerField(default=0)  # totals of the village's orders paid that day
    paid_to_sellers_cents = models.BigIntegerField(default=0)  # released to its sellers that day

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["village", "day"],
                                    name="insights_village_day_unique"),
        ]

    def __str__(self):
        return f"Village {self.village_id} on {self.day}"


class ListingDay(models.Model):
    """One listing's views, orders and units on one day (best sellers, views that became orders)."""

    # Indexed through (listing, day) and (shop, day), not on their own.
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+",
                                db_index=False)
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    orders_paid = models.PositiveIntegerField(default=0)
    units = models.PositiveIntegerField(default=0)
    sales_cents = models.BigIntegerField(default=0)  # units × unit price, shipping not included

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["listing", "day"],
                                    name="insights_listing_day_unique"),
        ]
        indexes = [models.Index(fields=["shop", "day"], name="insights_listing_day_shop")]

    def __str__(self):
        return f"Listing {self.listing_id} on {self.day}"


class StaffDay(models.Model):
    """The staff desk's day: what came in, how fast staff first acted, how old the queue got."""

    day = models.DateField(unique=True)
    new_listings = models.PositiveIntegerField(default=0)  # listings created that day
    reports = models.PositiveIntegerField(default=0)  # reports of listings made that day
    disputes = models.PositiveIntegerField(default=0)  # orders whose buyer opened a dispute
    chargebacks = models.PositiveIntegerField(default=0)  # card disputes Stripe opened that day
    # Median wait, in seconds, from a report or a listing held for review to the first staff
    # decision on it in the audit log, over the items that came in that day and have one.
    first_action_seconds_median = models.PositiveIntegerField(null=True, blank=True)
    # Age of the oldest item waiting for staff (held listing or open report) at the day's end.
    queue_oldest_seconds = models.PositiveIntegerField(null=True, blank=True)
    # True when the job saw the queue itself at the day's end; False when rebuilt afterwards
    # from the audit log (a listing's wait then counts from its creation).
    queue_observed = models.BooleanField(default=False)

    class Meta:
        ordering = ["day"]

    def __str__(self):
        return f"Staff desk on {self.day}"
