from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from sellers.models import Listing, Shop


class Cart(models.Model):
    """One cart per signed-in person; it may hold goods from many shops."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart"
    )
    updated = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Cart of {self.user}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    added = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "listing"], name="cart_item_unique_listing"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="cart_item_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × listing {self.listing_id}"


class Checkout(models.Model):
    """One payment for a whole cart: it becomes one order per shop and one PaymentIntent."""

    class Status(models.TextChoices):
        # Labels are what people read; moves are in orders/services/checkout_states.py.
        PENDING_PAYMENT = "pending_payment", "Waiting for payment"  # stock reserved
        PAID = "paid", "Paid"  # the PaymentIntent succeeded; its open orders are paid
        EXPIRED = "expired", "Expired"  # not paid in time; stock returned
        CANCELLED = "cancelled", "Cancelled"  # every order cancelled before payment

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkouts"
    )
    idempotency_key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT
    )
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="USD")
    fulfillment = models.CharField(max_length=10)
    shipping_address = models.JSONField(default=dict, blank=True)
    payment_intent_id = models.CharField(max_length=255, blank=True)
    client_secret = models.CharField(max_length=255, blank=True)
    payment_status = models.CharField(max_length=32, blank=True)
    payment_message = models.CharField(max_length=300, blank=True)
    # Cancelled here, but its PaymentIntent not yet at Stripe (unreachable): the expiry job
    # (or the buyer's next look at the checkout) cancels it there.
    provider_cancel_due = models.BooleanField(default=False)
    # Closed because the buyer went back to change it (or checked out again) before paying.
    changed_at = models.DateTimeField(null=True, blank=True)
    # Keep the shipping address among the buyer's saved addresses once the payment succeeds.
    save_address = models.BooleanField(default=False)
    # Shipped to a village hub the buyer chose: its opaque reference ("hub:3"), else "".
    hub_reference = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField()
    created = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "idempotency_key"], name="checkout_idempotency_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="checkout_amount_positive"
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self):
        return f"Checkout {self.pk}"

    @property
    def reference(self) -> str:
        return f"checkout:{self.pk}"


class SavedAddress(models.Model):
    """A shipping address a signed-in buyer kept for their next checkouts."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_addresses"
    )
    name = models.CharField(max_length=100)
    line1 = models.CharField(max_length=120)
    line2 = models.CharField(max_length=120, blank=True)
    city = models.CharField(max_length=80)
    state = models.CharField(max_length=2)
    postal_code = models.CharField(max_length=10)
    phone = models.CharField(max_length=20, blank=True)
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(default=timezone.now)

    FIELDS = ("name", "line1", "line2", "city", "state", "postal_code", "phone")

    class Meta:
        ordering = ["-last_used", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name", "line1", "line2", "city", "state", "postal_code",
                        "phone"],
                name="saved_address_unique_per_user",
            ),
        ]

    def __str__(self):
        return self.one_line

    @property
    def one_line(self) -> str:
        street = ", ".join(part for part in (self.line1, self.line2) if part)
        return f"{self.name}, {street}, {self.city}, {self.state} {self.postal_code}"

    def as_address(self) -> dict:
        """The shipping-address shape checkout takes (phone only when there is one)."""
        address = {name: getattr(self, name) for name in self.FIELDS if name != "phone"}
        if self.phone:
            address["phone"] = self.phone
        return address | {"country": "US"}


# The carriers' public tracking pages, by the carrier name a seller types (case and spaces
# ignored); a carrier not in the table shows its number without a link.
TRACKING_PAGES = {
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "ups": "https://www.ups.com/track?tracknum={number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
}


def balance_cents_for(*, total_cents: int, deposit_bps: int | None) -> int:
    """A pre-order's balance: what is left after its deposit (the deposit is rounded up to the
    cent, so the balance never exceeds the share left to pay). 0 when paid in full."""
    if not deposit_bps or deposit_bps >= 10000:
        return 0
    deposit = -(-total_cents * deposit_bps // 10000)
    return total_cents - deposit


class Order(models.Model):
    class Status(models.TextChoices):
        # The labels are the one table of what people see for each status.
        PENDING_PAYMENT = "pending_payment", "Waiting for payment"  # created, not paid yet
        PAID = "paid", "Paid"  # paid into escrow; the seller must ship (or hand over) by ship_by
        SHIPPED = "shipped", "Shipped"  # on its way; escrow releases at auto_confirm_at
        COMPLETED = "completed", "Completed"  # received; escrow released to the seller
        CANCELLED = "cancelled", "Cancelled"  # stopped before shipping; refunded if paid
        DISPUTED = "disputed", "In dispute"  # the buyer raised a problem; timers stop
        REFUNDED = "refunded", "Refunded"  # a dispute decided for the buyer; money returned

    class Fulfillment(models.TextChoices):
        SHIP = "ship", "Shipping"
        PICKUP = "pickup", "Local pickup"

    class DisputeReason(models.TextChoices):
        # What the buyer says went wrong; the labels are what buyer, seller and staff read.
        NOT_RECEIVED = "not_received", "It never arrived"
        NOT_AS_DESCRIBED = "not_as_described", "Not as described"
        DAMAGED = "damaged", "It arrived damaged"
        COUNTERFEIT = "counterfeit", "It is a fake"
        OTHER = "other", "Something else"

    class DisputeOutcome(models.TextChoices):
        # How staff decide a dispute; the label is the decision in words.
        REFUND = "refund", "Refunded in full to the buyer"
        RELEASE = "release", "Payment released to the seller"
        PARTIAL_REFUND = "partial_refund", (
            "Partly refunded to the buyer, the rest released to the seller")

    checkout = models.ForeignKey(Checkout, on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT
    )
    fulfillment = models.CharField(max_length=10, choices=Fulfillment.choices)
    shipping_address = models.JSONField(default=dict, blank=True)
    subtotal_cents = models.BigIntegerField()
    shipping_cents = models.BigIntegerField()
    total_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="USD")
    carrier = models.CharField(max_length=40, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    # Set when the seller or the buyer marks the parcel delivered (or a carrier tells us).
    delivered_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    ship_by = models.DateTimeField(null=True, blank=True)
    auto_confirm_at = models.DateTimeField(null=True, blank=True)
    auto_confirm_extended = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    pickup_code = models.CharField(max_length=6, blank=True)
    # Wrong hand-over codes in total; at 10 the code is locked until the buyer asks for a new
    # one, and pickup_locked_until records when it locked (the name is from an older rule).
    pickup_failed_attempts = models.PositiveSmallIntegerField(default=0)
    pickup_locked_until = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.CharField(max_length=40, blank=True, choices=DisputeReason.choices)
    dispute_details = models.TextField(blank=True)
    # A partial dispute outcome, kept so the settle job can finish it if Stripe was down.
    dispute_refund_cents = models.BigIntegerField(null=True, blank=True)
    # A pre-order: the promised ship date copied from the listing at checkout (its ship-by is
    # the end of that day), and the deposit share paid at checkout in basis points.
    preorder_ships_by = models.DateField(null=True, blank=True)
    preorder_deposit_bps = models.PositiveIntegerField(null=True, blank=True)
    # What the buyer still has to pay (a pre-order's balance); 0 when fully paid.
    balance_cents = models.BigIntegerField(default=0)
    # When the balance must be paid by (set when the seller marks the pre-order ready).
    balance_due_at = models.DateTimeField(null=True, blank=True)
    # After the seller moved a pre-order's date: the buyer may cancel for a full refund until
    # this moment (7 days from the move).
    preorder_cancel_until = models.DateTimeField(null=True, blank=True)
    # Shipped to a village hub where the buyer collects it (orders/services/hub_points.py):
    # the hub's opaque reference ("hub:3"; "" for every other order), its name and opening
    # hours as they were at checkout (the hub's address is the shipping_address), and when
    # the hub's agent recorded the parcel's arrival.
    hub_reference = models.CharField(max_length=64, blank=True)
    hub_name = models.CharField(max_length=100, blank=True)
    hub_hours = models.CharField(max_length=300, blank=True)
    hub_arrived_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class HubParcel(models.TextChoices):
        # Where a parcel shipped to a hub is, in the words buyer, seller and agent read.
        NOT_SHIPPED = "not_shipped", "Not shipped yet"
        ON_THE_WAY = "on_the_way", "On its way to the hub"
        WAITING = "waiting", "Waiting at the hub"
        COLLECTED = "collected", "Collected"

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hub_arrived_at__isnull=True) | ~Q(hub_reference=""),
                name="order_hub_arrival_needs_hub",
            ),
            models.CheckConstraint(
                condition=Q(total_cents=models.F("subtotal_cents") + models.F("shipping_cents")),
                name="order_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(balance_cents__gte=0) & Q(balance_cents__lt=models.F("total_cents")),
                name="order_balance_in_range",
            ),
            models.CheckConstraint(
                condition=Q(subtotal_cents__gt=0), name="order_subtotal_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["buyer", "-created"]),
            models.Index(fields=["shop", "status", "-created"]),
            models.Index(fields=["status", "ship_by"]),
            models.Index(fields=["status", "auto_confirm_at"]),
            # The insights summaries read the orders paid or completed in the last days.
            models.Index(fields=["paid_at"], name="order_paid_at"),
            models.Index(fields=["completed_at"], name="order_completed_at"),
            # A hub's parcels: on the way, waiting, collected.
            models.Index(fields=["hub_reference", "status"], name="order_hub_parcels",
                         condition=~Q(hub_reference="")),
        ]

    def __str__(self):
        return f"Order {self.pk}"

    def get_absolute_url(self):
        return reverse("order", args=[self.pk])

    def status_word(self) -> str:
        """The status as people read it: a shipped order someone marked delivered reads
        "Delivered" (the state machine keeps it shipped until the buyer confirms or the window
        ends)."""
        if self.status == self.Status.SHIPPED and self.delivered_at is not None:
            return "Delivered"
        return self.get_status_display()

    @property
    def reference(self) -> str:
        return f"order:{self.pk}"

    @property
    def ships_to_hub(self) -> bool:
        return bool(self.hub_reference)

    @property
    def hub_parcel(self) -> str:
        """Where a hub order's parcel is (a HubParcel value); "" for other orders and for a
        hub order that was cancelled or refunded."""
        if not self.hub_reference:
            return ""
        if self.status == self.Status.COMPLETED:
            return self.HubParcel.COLLECTED
        if self.hub_arrived_at is not None and self.status in (self.Status.SHIPPED,
                                                               self.Status.DISPUTED):
            return self.HubParcel.WAITING
        if self.status in (self.Status.SHIPPED, self.Status.DISPUTED):
            return self.HubParcel.ON_THE_WAY
        if self.status in (self.Status.PENDING_PAYMENT, self.Status.PAID):
            return self.HubParcel.NOT_SHIPPED
        return ""

    @property
    def hub_parcel_word(self) -> str:
        """The parcel's place as people read it (the HubParcel label)."""
        state = self.hub_parcel
        return self.HubParcel(state).label if state else ""

    @property
    def hub_pickup_code_shown(self) -> bool:
        """The buyer sees their hand-over code once the parcel waits at the hub."""
        return (bool(self.hub_reference) and self.hub_arrived_at is not None
                and self.status == self.Status.SHIPPED and bool(self.pickup_code))

    @property
    def is_preorder(self) -> bool:
        return self.preorder_ships_by is not None

    @property
    def deposit_cents(self) -> int:
        """What was (or is) paid at checkout: the total less a pre-order's balance."""
        return self.total_cents - balance_cents_for(total_cents=self.total_cents,
                                                    deposit_bps=self.preorder_deposit_bps)

    @property
    def balance_due(self) -> bool:
        """The seller marked it ready to ship and the buyer has the balance to pay."""
        return self.balance_cents > 0 and self.balance_due_at is not None

    @property
    def preorder_held(self) -> bool:
        """A paid pre-order the buyer may not cancel now: it is the seller's harvest plan.

        The buyer's ways out are a balance they may leave unpaid (then it is cancelled anyway)
        and the 7 days after the seller moves the date.
        """
        if not self.is_preorder or self.status != self.Status.PAID or self.balance_due:
            return False
        return not (self.preorder_cancel_until and self.preorder_cancel_until > timezone.now())

    @property
    def item_count(self) -> int:
        """Units, not lines (3 jars are 3 items); reads prefetched items when there are any."""
        return sum(item.quantity for item in self.items.all())

    @property
    def tracking_url(self) -> str:
        """The carrier's tracking page for this parcel, or "" for a carrier we do not know."""
        carrier = "".join(self.carrier.lower().split()).replace("-", "")
        page = TRACKING_PAGES.get(carrier)
        if not page or not self.tracking_number.strip():
            return ""
        return page.format(number=quote(self.tracking_number.strip()))


class OrderItem(models.Model):
    """The order's own copy of what was bought: a later edit of the listing changes nothing."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=120)
    quantity = models.PositiveIntegerField()
    unit_price_cents = models.BigIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_item_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.title}"


class OrderEvent(models.Model):
    """One row of an order's timeline, written with every change of status."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=Order.Status.choices)
    note = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"Order {self.order_id} → {self.status}"


class Review(models.Model):
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="review")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="reviews")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField()
    text = models.TextField(max_length=2000, blank=True)
    seller_reply = models.TextField(max_length=2000, blank=True)
    is_hidden = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.rating}★ for order {self.order_id}"
