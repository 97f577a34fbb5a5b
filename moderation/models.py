from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from moderation.labels import audit_object_label, audit_status_label
from orders.models import Order
from sellers.models import Listing


class AuditLog(models.Model):
    """One staff decision (or automatic action): append-only, enforced by a database trigger.

    Carries the project's `moderation.moderate` permission: staff with it (and superusers) use
    the /staff/ pages and the moderation API.
    """

    class Action(models.TextChoices):
        # The labels are what staff read in the audit log.
        LISTING_APPROVED = "listing_approved", "Listing approved"  # a held listing went live
        LISTING_REJECTED = "listing_rejected", "Listing declined"  # a held listing was declined
        LISTING_TAKEN_DOWN = "listing_taken_down", "Listing taken down"  # removed by staff
        AUTOMATIC_HIDE = "automatic_hide", "Hidden after reports"  # by the system, on reports
        REPORT_DISMISSED = "report_dismissed", "Reports dismissed"  # found unfounded
        SHOP_VERIFIED = "shop_verified", "Shop verified"
        SHOP_SUSPENDED = "shop_suspended", "Shop suspended"
        SHOP_REINSTATED = "shop_reinstated", "Shop reinstated"
        DISPUTE_RESOLVED = "dispute_resolved", "Dispute decided"
        REVIEW_HIDDEN = "review_hidden", "Review hidden"
        SCREENING_CHANGED = "screening_changed", "Screening rule saved"  # added or edited
        STAFF_ACCESS_CHANGED = "staff_access_changed", "Staff access changed"  # flags, groups
        SECOND_FACTOR_RESET = "second_factor_reset", "Authenticator reset"  # lost device removed
        REFUND_RETRIED = "refund_retried", "Refund sent again"  # a refused refund retried
        # brand protection (brands/): rights owners and their notices
        OWNER_VERIFIED = "owner_verified", "Rights owner verified"
        OWNER_REJECTED = "owner_rejected", "Rights owner not verified"
        OWNER_FILING_SUSPENDED = "owner_filing_suspended", "Rights owner may no longer file"
        OWNER_FILING_RESTORED = "owner_filing_restored", "Rights owner may file again"
        NOTICE_TAKEDOWN = "notice_takedown", "Listings taken down on a notice"  # at filing
        NOTICE_UPHELD = "notice_upheld", "Notice upheld"
        NOTICE_REVERSED = "notice_reversed", "Notice reversed"
        NOTICE_WITHDRAWN = "notice_withdrawn", "Notice withdrawn"
        NOTICE_RESTORED = "notice_restored", "Listings restored after an answer"  # automatic
        COUNTER_NOTICE_DECIDED = "counter_notice_decided", "Seller's answer decided"  # by staff
        # village hubs (hubs/): hubs and their agents
        HUB_CREATED = "hub_created", "Hub opened"
        HUB_CHANGED = "hub_changed", "Hub changed"  # commission, closed or reopened
        AGENT_VERIFIED = "agent_verified", "Hub agent verified"
        AGENT_REJECTED = "agent_rejected", "Hub agent not accepted"
        AGENT_REMOVED = "agent_removed", "Hub agent removed"
        # cash handed out at a hub and staff settling what the platform owes the hub
        CASH_OUT_STARTED = "cash_out_started", "Hub cash-out started"
        CASH_OUT_CONFIRMED = "cash_out_confirmed", "Cash collected at a hub"
        CASH_OUT_CANCELLED = "cash_out_cancelled", "Hub cash-out cancelled"
        HUB_SETTLED = "hub_settled", "Hub's cash settled"
        # every other act at a hub: an agent's act for an owner, a parcel, a take-over
        HUB_ACT = "hub_act", "Act at a village hub"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="Empty for automatic actions.",
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    object_type = models.CharField(max_length=32)  # listing, shop, order, review, screening_term
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    reason = models.TextField(blank=True)
    status_before = models.CharField(max_length=32, blank=True)
    status_after = models.CharField(max_length=32, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        permissions = [("moderate", "Can use the staff moderation pages and API")]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["action", "-created"]),
        ]

    def __str__(self):
        return f"{self.action} {self.object_type} {self.object_id}"

    @property
    def object_label(self) -> str:
        """"Listing #4", "Screening rule #2": what the row is about, in words."""
        return f"{audit_object_label(self.object_type)} #{self.object_id}"

    @property
    def status_before_label(self) -> str:
        return audit_status_label(self.object_type, self.status_before)

    @property
    def status_after_label(self) -> str:
        return audit_status_label(self.object_type, self.status_after)


class Report(models.Model):
    """A signed-in person's report that a listing breaks the rules; one per person per listing."""

    class Reason(models.TextChoices):
        COUNTERFEIT = "counterfeit", "Counterfeit or fake brand goods"
        PROHIBITED = "prohibited", "Not allowed to be sold"
        MISLEADING = "misleading", "Misleading description or photos"
        FRAUD = "fraud", "Looks like a scam"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"  # waiting for staff
        DISMISSED = "dismissed", "Dismissed"  # staff found nothing wrong
        ACTIONED = "actioned", "Listing taken down"  # the listing was taken down

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="listing_reports"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    details = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "reporter"], name="report_once_per_user"),
        ]
        indexes = [models.Index(fields=["status", "created"])]

    def __str__(self):
        return f"Report {self.pk} on listing {self.listing_id}"


class DisputeStatement(models.Model):
    """One side's written account of a dispute, with photos; each side may give one."""

    class Role(models.TextChoices):
        BUYER = "buyer", "Buyer"
        SELLER = "seller", "Seller"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="statements")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=8, choices=Role.choices)
    text = models.TextField(max_length=4000)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "role"], name="dispute_statement_once"),
        ]

    def __str__(self):
        return f"{self.role} statement on order {self.order_id}"


class DisputePhoto(models.Model):
    """An evidence photo, re-encoded by the same pipeline as listing photos (no metadata)."""

    statement = models.ForeignKey(
        DisputeStatement, on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(max_length=200)
    thumbnail = models.FileField(max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"Photo {self.pk} of statement {self.statement_id}"


class DisputeDecision(models.Model):
    """The staff decision on an order's dispute, kept for idempotent replays of the request."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    outcome = models.CharField(max_length=16)
    refund_cents = models.BigIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(refund_cents__isnull=True) | Q(refund_cents__gt=0),
                name="dispute_decision_refund_positive",
            ),
        ]

    def __str__(self):
        return f"{self.outcome} on order {self.order_id}"
