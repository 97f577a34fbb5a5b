"""Money records: payment intents, gateway calls, the double-entry ledger, escrows, refunds,
payouts, webhook events and reconciliation issues.

Amounts are integer cents with an ISO currency on the same row. Balances are never stored: they
are sums of JournalLine rows (see payments.ledger). Posted journal rows are append-only, enforced
by database triggers (migration 0002).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class PaymentIntent(models.Model):
    """Our record of one Stripe PaymentIntent, created for one opaque reference (a checkout)."""

    class Status(models.TextChoices):
        CREATING = "creating", "Starting"  # key stored, Stripe not answered yet
        UNKNOWN = "unknown", "Being checked"  # no answer: retried with the same key, or reconciled
        REQUIRES_PAYMENT_METHOD = "requires_payment_method", "Waiting for a card"
        REQUIRES_ACTION = "requires_action", "Waiting for your bank's check"  # 3-D Secure
        PROCESSING = "processing", "Processing"  # Stripe is working on it
        SUCCEEDED = "succeeded", "Paid"  # money captured; terminal, never downgraded
        FAILED = "failed", "Declined"  # the last attempt was declined; a new card may succeed
        CANCELED = "canceled", "Cancelled"  # terminal

    reference = models.CharField(max_length=80, unique=True)
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    idempotency_key = models.CharField(max_length=120, unique=True)
    stripe_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    client_secret = models.CharField(max_length=200, blank=True)
    charge_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.CREATING)
    last_error = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="pi_amount_positive"),
        ]

    def __str__(self):
        return f"{self.reference} {self.stripe_id or '(not created)'} {self.status}"


class GatewayCall(models.Model):
    """One write we send to Stripe, recorded (with its idempotency key) before it is sent."""

    class Status(models.TextChoices):
        PENDING = "pending"  # stored, being sent
        SUCCEEDED = "succeeded"  # Stripe answered with the object
        FAILED = "failed"  # Stripe refused for good (4xx); safe to treat as not done
        UNKNOWN = "unknown"  # no answer after bounded retries: may or may not have happened

    idempotency_key = models.CharField(max_length=160, unique=True)
    operation = models.CharField(max_length=40)
    reference = models.CharField(max_length=80, blank=True, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    stripe_object_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["status", "created"])]

    def __str__(self):
        return f"{self.operation} {self.idempotency_key} {self.status}"


class JournalEntry(models.Model):
    """One money movement; its lines sum to zero per currency. Never updated or deleted."""

    class Kind(models.TextChoices):
        HOLD = "hold", "Paid into escrow"  # captured payment into escrow
        RELEASE = "release", "Released to the seller"  # to seller payable and platform fees
        REFUND = "refund", "Refunded"  # escrow back to the buyer
        PAYOUT = "payout", "Payout"  # seller payable reserved for a payout
        PAYOUT_PAID = "payout_paid", "Payout sent"  # the payout left the platform
        PAYOUT_REVERSAL = "payout_reversal", "Payout returned"  # a failed payout, back to payable
        CHARGEBACK = "chargeback", "Chargeback"  # lost: the money left Stripe to the buyer's bank
        REFUND_REVERSAL = "refund_reversal", "Refund failed"  # reported failed after it posted
        # A managed shop's owner collected cash at a village hub (payable → paid out, and the
        # hub's cash position), and staff paying a hub what the platform owes it.
        HUB_CASH_OUT = "hub_cash_out", "Collected at a village hub"
        HUB_SETTLEMENT = "hub_settlement", "Hub's cash settled"

    key = models.CharField(max_length=160, unique=True)  # idempotency of the business step
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reference = models.CharField(max_length=80, blank=True, db_index=True)
    shop = models.ForeignKey(
        "sellers.Shop", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    memo = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "journal entries"
        # The insights summaries read the releases of the last days.
        indexes = [models.Index(fields=["kind", "created"], name="journal_entry_kind_created")]

    def __str__(self):
        return f"#{self.pk} {self.kind} {self.reference}"


class JournalLine(models.Model):
    """A signed amount on one account; shop and reference are copied from the entry for reads."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.CharField(max_length=120)
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    shop = models.ForeignKey(
        "sellers.Shop", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_cents=0), name="line_amount_nonzero"),
        ]
        indexes = [
            models.Index(fields=["account", "currency"]),
            models.Index(fields=["shop", "account"]),
            models.Index(fields=["shop", "reference"]),
        ]

    def __str__(self):
        return f"{self.account} {self.amount_cents} {self.currency}"


class Escrow(models.Model):
    """The lockable handle of one reference's escrow; its amounts live in the ledger."""

    class Status(models.TextChoices):
        # The labels are the one table of what people see for each status.
        HELD = "held", "Held in escrow"  # money in escrow (possibly partly refunded already)
        RELEASED = "released", "Released to the seller"  # the rest went to the seller
        REFUNDED = "refunded", "Refunded"  # everything went back to the buyer
        PARTIALLY_REFUNDED = "partially_refunded", "Partly refunded"  # part refunded, rest out
        FROZEN = "frozen", "Frozen by a chargeback"  # the buyer's bank disputes the payment

    reference = models.CharField(max_length=80, unique=True)
    shop = models.ForeignKey("sellers.Shop", on_delete=models.PROTECT, related_name="+")
    payment_intent = models.ForeignKey(
        PaymentIntent, on_delete=models.PROTECT, related_name="escrows"
    )
    amount_cents = models.BigIntegerField()  # what the hold asked for; the ledger is the truth
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.HELD)
    # While frozen: the status the escrow had before, restored when the chargeback is won.
    frozen_from = models.CharField(max_length=20, choices=Status.choices, blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="escrow_amount_positive"),
        ]

    def __str__(self):
        return f"{self.reference} {self.status}"


class EscrowTopUp(models.Model):
    """A second payment added to an escrow (a pre-order's balance, paid after the deposit).

    The escrow's own payment_intent paid the first part; each top-up's intent paid the rest.
    A refund of such an escrow is split across the payments it came from."""

    escrow = models.ForeignKey(Escrow, on_delete=models.PROTECT, related_name="top_ups")
    payment_intent = models.OneToOneField(
        PaymentIntent, on_delete=models.PROTECT, related_name="top_up"
    )
    amount_cents = models.BigIntegerField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0),
                                   name="escrow_top_up_amount_positive"),
        ]

    def __str__(self):
        return f"{self.escrow.reference} +{self.amount_cents}"


class Refund(models.Model):
    """A refund of part or all of one escrow, reserved before Stripe is asked."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being sent"  # reserved, Stripe being asked
        UNKNOWN = "unknown", "Being checked"  # no answer; retried with the same key or reconciled
        SUCCEEDED = "succeeded", "Refunded"  # Stripe refunded and the ledger moved
        FAILED = "failed", "Refused"  # Stripe refused; nothing moved

    escrow = models.ForeignKey(Escrow, on_delete=models.PROTECT, related_name="refunds")
    # The payment it goes back to when not the escrow's own (a part of a top-up's money).
    payment_intent = models.ForeignKey(
        PaymentIntent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=160, unique=True)
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Each attempt at Stripe has its own idempotency key: the first is idempotency_key itself,
    # a staff retry of a refused refund is "<idempotency_key>:attempt-N".
    attempt = models.PositiveIntegerField(default=1)
    stripe_id = models.CharField(max_length=64, blank=True)
    note = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    # Set while one request is asking Stripe, so a concurrent repeat does not ask again.
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self):
        return f"{self.escrow.reference} {self.amount_cents} {self.status}"

    @property
    def attempt_key(self) -> str:
        """The idempotency key of the current attempt at Stripe."""
        if self.attempt <= 1:
            return self.idempotency_key
        return f"{self.idempotency_key}:attempt-{self.attempt}"


class Payout(models.Model):
    """Money paid from a shop's available balance to the seller."""

    class Method(models.TextChoices):
        STRIPE_TRANSFER = "stripe_transfer", "Transfer to your payout account"  # Stripe Connect
        MANUAL = "manual", "Bank transfer by our team"  # staff pay and mark it paid

    class Status(models.TextChoices):
        # The labels are the one table of what people see for each status.
        PENDING = "pending", "Pending"  # reserved, not sent yet (or held: shop suspended)
        UNKNOWN = "unknown", "Being checked"  # no answer from Stripe: looked up, then resent
        PAID = "paid", "Paid"  # money left the platform
        FAILED = "failed", "Failed"  # refused; the amount went back to the available balance

    shop = models.ForeignKey("sellers.Shop", on_delete=models.PROTECT, related_name="+")
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=20, choices=Method.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    provider_ref = models.CharField(max_length=120, blank=True)  # transfer id or bank reference
    error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)  # set while a job sends it
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="payout_amount_positive"),
        ]
        indexes = [models.Index(fields=["shop", "-created"]), models.Index(fields=["status"])]
        # Staff who may mark payouts paid, export what is owed and resolve reconciliation
        # issues (payments/permissions.py); `is_staff` alone gives none of it.
        permissions = [
            ("manage_payouts", "Can mark payouts paid, export what is owed and resolve "
                               "reconciliation issues"),
        ]

    def __str__(self):
        return f"Payout {self.pk} {self.shop_id} {self.amount_cents} {self.status}"

    @property
    def idempotency_key(self) -> str:
        return f"payout:{self.pk}"

    @property
    def transfer_group(self) -> str:
        """Sent with the transfer, so an unanswered attempt can be found in Stripe's list."""
        return f"payout:{self.pk}"


class PayoutAccount(models.Model):
    """A shop's Stripe Connect Express account: where its automatic payouts go.

    Its fields mirror what Stripe last told us about the account (the return page and
    `account.updated` webhooks both fetch it again and store it under the row lock); `status`
    is derived from them, for people to read.
    """

    class Status(models.TextChoices):
        # The labels are the one table of what people see for each status.
        ONBOARDING = "onboarding", "Setup not finished"  # created; the seller has not finished
        VERIFYING = "verifying", "Being checked by Stripe"  # finished; Stripe is checking
        ACTION_NEEDED = "action_needed", "Stripe needs more information"  # something is due
        ENABLED = "enabled", "Ready for payouts"  # payouts_enabled: transfers may go here

    shop = models.OneToOneField("sellers.Shop", on_delete=models.PROTECT, related_name="+")
    stripe_account_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ONBOARDING)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    requirements_due = models.JSONField(default=list, blank=True)  # Stripe's currently_due
    disabled_reason = models.CharField(max_length=120, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)  # when Stripe last told us
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.stripe_account_id} {self.status}"


class Chargeback(models.Model):
    """A chargeback (Stripe dispute) the buyer's bank opened on one of our PaymentIntents.

    While open, the escrows of the intent are frozen. Won: they thaw. Lost: the money left
    Stripe, posted as escrow (or what the seller was given) → chargebacks.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"  # the bank is deciding
        WON = "won", "Won"  # decided for the seller: the money stays
        LOST = "lost", "Lost"  # decided for the buyer: the money went back to the bank

    dispute_id = models.CharField(max_length=80, unique=True)
    payment_intent = models.ForeignKey(
        PaymentIntent, on_delete=models.PROTECT, related_name="chargebacks"
    )
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.dispute_id} {self.status}"


class WebhookEvent(models.Model):
    """A verified Stripe event, stored once by its id."""

    class Status(models.TextChoices):
        RECEIVED = "received"  # stored, not processed yet
        PROCESSING = "processing"  # claimed by one request
        PROCESSED = "processed"  # applied (or nothing to apply)
        FAILED = "failed"  # processing broke; Stripe's next delivery retries it

    event_id = models.CharField(max_length=80, unique=True)
    type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    claimed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.event_id} {self.type} {self.status}"


class ReconciliationIssue(models.Model):
    """Something in Stripe or our records that does not add up; staff look and resolve."""

    class Kind(models.TextChoices):
        AMOUNT_MISMATCH = "amount_mismatch"  # Stripe's amount or currency is not what we asked
        STATUS_MISMATCH = "status_mismatch"  # Stripe's state differs from ours
        REFUND_MISMATCH = "refund_mismatch"  # refunded at Stripe differs from our ledger
        UNKNOWN_OUTCOME = "unknown_outcome"  # a call with no answer is still unresolved
        DISPUTE = "dispute"  # the buyer's bank opened a chargeback
        UNKNOWN_OBJECT = "unknown_object"  # Stripe told us about something we never made

    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=120)  # a Stripe id or one of our references
    detail = models.TextField()
    is_resolved = models.BooleanField(default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["is_resolved", "-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject"], condition=Q(is_resolved=False),
                name="reconciliation_issue_open_unique",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.subject}"
