"""Village hubs: a place in a village where a verified agent helps neighbours sell and receive.

A hub belongs to a village (sellers). Its agents are people staff verified for that hub. An agent
may open and run a shop *for* a neighbour (a managed shop): the shop stays the neighbour's, its
money goes to the neighbour, and every act of the agent is a `HubAct` row ("by agent X for
owner Y"). Orders that ship to a hub keep the hub's opaque reference (`hub:<id>`) and address;
payments keeps the hub's commission and cash position as ledger accounts.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from sellers.models import Shop, Village
from sellers.us_states import STATE_CHOICES

from .storage import private_storage

MAX_HUB_COMMISSION_BPS = 1000  # 10 %


class Hub(models.Model):
    """A place with opening hours where agents help neighbours; also a pick-up point."""

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    line1 = models.CharField(max_length=120)
    line2 = models.CharField(max_length=120, blank=True)
    city = models.CharField(max_length=80)
    state = models.CharField(max_length=2, choices=STATE_CHOICES)
    postal_code = models.CharField(max_length=10)
    phone = models.CharField(max_length=20)
    # Free text people read: "Mon–Fri 9 am–5 pm, Sat 9 am–noon".
    opening_hours = models.CharField(max_length=300)
    # Kept from each sale of a managed shop, set by staff: 0–1000 basis points (at most 10 %).
    commission_bps = models.PositiveIntegerField(default=0)
    # Staff may close a hub: it takes no new agents, managed shops or parcels.
    is_open = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_bps__gte=0) & Q(commission_bps__lte=MAX_HUB_COMMISSION_BPS),
                name="hub_commission_at_most_10_percent",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.city}, {self.state})"

    def get_absolute_url(self):
        return reverse("hub", args=[self.slug])

    @property
    def reference(self) -> str:
        """The opaque reference other apps keep (orders' ship-to-hub, ledger accounts)."""
        return f"hub:{self.pk}"

    def as_address(self) -> dict:
        """The hub as a shipping address, in the shape checkout takes."""
        address = {"name": self.name, "line1": self.line1, "line2": self.line2,
                   "city": self.city, "state": self.state, "postal_code": self.postal_code,
                   "phone": self.phone, "country": "US"}
        return {key: value for key, value in address.items() if value}


class HubAgent(models.Model):
    """A person's application to be an agent of one hub, and staff's decision on it."""

    class Status(models.TextChoices):
        # The labels are what applicants, agents and staff read.
        PENDING = "pending", "Waiting for staff"
        VERIFIED = "verified", "Verified agent"
        REJECTED = "rejected", "Not accepted"
        REMOVED = "removed", "Removed by staff"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="agents")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # What the applicant tells staff: who they are, their tie to the village.
    statement = models.TextField(max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(max_length=2000, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # One live application or agency per person, whatever the hub.
            models.UniqueConstraint(
                fields=["user"], condition=Q(status__in=["pending", "verified"]),
                name="hub_agent_one_live_per_person",
            ),
        ]
        indexes = [models.Index(fields=["hub", "status"])]

    def __str__(self):
        return f"{self.user} at {self.hub} ({self.status})"

    @property
    def is_verified(self) -> bool:
        return self.status == self.Status.VERIFIED


class ManagedShop(models.Model):
    """A neighbour's shop that an agent runs for them, with the neighbour's recorded consent.

    Ends when the owner takes over or revokes the agent, or staff remove the agent: the shop,
    its listings and its open orders stay the owner's.
    """

    class EndReason(models.TextChoices):
        OWNER_REVOKED = "owner_revoked", "The owner ended the agent's help"
        OWNER_TOOK_OVER = "owner_took_over", "The owner runs the shop themselves"
        AGENT_REMOVED = "agent_removed", "Staff removed the agent"

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+")
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="managed_shops")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The neighbour's consent: the day they gave it, the agent's words, the signed paper form.
    consent_on = models.DateField()
    consent_statement = models.TextField(max_length=2000)
    consent_photo = models.ImageField(upload_to="hubs/consent/", blank=True,
                                      storage=private_storage)
    # The neighbour's postal address (the checkout address shape: name, line1, line2, city,
    # state, postal_code): where the hub reaches them, and their proof of being a real person.
    owner_address = models.JSONField(default=dict)
    created = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop"], condition=Q(ended_at__isnull=True),
                name="managed_shop_one_live_per_shop",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="")
                | (Q(ended_at__isnull=False) & ~Q(end_reason="")),
                name="managed_shop_end_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["agent", "ended_at"])]

    def __str__(self):
        return f"{self.shop} managed by {self.agent} at {self.hub}"

    @property
    def is_live(self) -> bool:
        return self.ended_at is None


class HubAct(models.Model):
    """One act at a hub, append-only: "by agent X for owner Y" in the shop's activity."""

    class Action(models.TextChoices):
        # The labels are what owners, agents and staff read in the activity lists.
        AGENT_APPLIED = "agent_applied", "Applied to be an agent"
        AGENT_VERIFIED = "agent_verified", "Agent verified"
        AGENT_REJECTED = "agent_rejected", "Agent application declined"
        AGENT_REMOVED = "agent_removed", "Agent removed"
        SHOP_OPENED = "shop_opened", "Shop opened for a neighbour"
        LISTING_CREATED = "listing_created", "Listing added"
        LISTING_CHANGED = "listing_changed", "Listing changed"
        LISTING_PHOTO_ADDED = "listing_photo_added", "Photo added"
        STOCK_CHANGED = "stock_changed", "Stock changed"
        ORDER_SHIPPED = "order_shipped", "Order shipped"
        ORDER_HANDED_OVER = "order_handed_over", "Order handed over"
        DISPUTE_ANSWERED = "dispute_answered", "Dispute answered"
        PARCEL_ARRIVED = "parcel_arrived", "Parcel arrived at the hub"
        PARCEL_COLLECTED = "parcel_collected", "Parcel collected at the hub"
        CASH_OUT_STARTED = "cash_out_started", "Cash-out started"
        CASH_OUT_CONFIRMED = "cash_out_confirmed", "Cash collected at the hub"
        CASH_OUT_CANCELLED = "cash_out_cancelled", "Cash-out cancelled"
        OWNER_REVOKED = "owner_revoked", "The owner ended the agent's help"
        OWNER_TOOK_OVER = "owner_took_over", "The owner took over the shop"
        TAKEOVER_LINK_SENT = "takeover_link_sent", "Take-over link sent to the owner"
        HUB_SETTLED = "hub_settled", "Hub's cash settled"
        COMMISSION_CHANGED = "commission_changed", "Hub commission changed"
        HUB_CREATED = "hub_created", "Hub opened by staff"
        HUB_CLOSED = "hub_closed", "Hub closed by staff"
        HUB_REOPENED = "hub_reopened", "Hub reopened by staff"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="The agent (or staff member) who acted.",
    )
    # The shop's owner the act was for (empty for acts about the hub or an agent).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    shop = models.ForeignKey(Shop, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    action = models.CharField(max_length=24, choices=Action.choices)
    # What it was about: "listing:4", "order:12", "cash_out:3".
    reference = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["shop", "-at"]),
            models.Index(fields=["hub", "-at"]),
        ]

    def __str__(self):
        return f"{self.action} by {self.agent_id} for {self.owner_id}"


class CashOut(models.Model):
    """A managed shop's owner collects their money in cash or by check at the hub.

    The agent starts it for what the owner's shop may be paid; the owner confirms with a code
    sent to their phone or e-mail, or the agent uploads the signed receipt. Only then does the
    ledger move the money out of the shop's balance (to `seller_paid_out`) and into the hub's
    cash position (what the platform owes the hub), which staff settle.
    """

    class Status(models.TextChoices):
        AWAITING = "awaiting", "Waiting for the owner's confirmation"
        COLLECTED = "collected", "Collected at the hub"
        CANCELLED = "cancelled", "Cancelled"

    class Proof(models.TextChoices):
        CODE = "code", "The owner's code"
        RECEIPT = "receipt", "A signed receipt"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="cash_outs")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="USD")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AWAITING)
    proof = models.CharField(max_length=10, choices=Proof.choices, blank=True)
    # A salted hash of the 6-digit code sent to the owner (never the code itself).
    code_hash = models.CharField(max_length=128, blank=True)
    code_sent_to = models.CharField(max_length=254, blank=True)  # "phone" or "email" + where
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_failed_attempts = models.PositiveSmallIntegerField(default=0)
    receipt = models.ImageField(upload_to="hubs/receipts/", blank=True, storage=private_storage)
    created = models.DateTimeField(default=timezone.now)
    collected_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0),
                                   name="cash_out_amount_positive"),
            # One open cash-out per shop at a time: two cannot spend the same balance.
            models.UniqueConstraint(fields=["shop"], condition=Q(status="awaiting"),
                                    name="cash_out_one_open_per_shop"),
        ]
        indexes = [models.Index(fields=["hub", "status"])]

    def __str__(self):
        return f"Cash-out {self.pk} of {self.amount_cents} for shop {self.shop_id}"

    @property
    def reference(self) -> str:
        return f"cash_out:{self.pk}"


class HubSettlement(models.Model):
    """Staff paid a hub what the platform owed it for cash handed out (its cash position)."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="settlements")
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="USD")
    note = models.CharField(max_length=300)
    settled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0),
                                   name="hub_settlement_amount_positive"),
        ]

    def __str__(self):
        return f"Settlement {self.pk} of hub {self.hub_id}"

    @property
    def reference(self) -> str:
        return f"hub_settlement:{self.pk}"
