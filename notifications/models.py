from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .kinds import KIND_CHOICES


class Notification(models.Model):
    """One thing that happened, for one person: an in-app entry and an outbox row for e-mail and,
    for a person reached by text message, for one SMS (the `sms_` columns)."""

    class EmailState(models.TextChoices):
        PENDING = "pending", "Pending"  # waiting for a worker (first try or a scheduled retry)
        SENDING = "sending", "Sending"  # claimed by a worker; a stale claim means it died
        SENT = "sent", "Sent"  # handed to the mail server: never sent again
        FAILED = "failed", "Failed"  # gave up after retries; staff may resend from the admin
        SKIPPED = "skipped", "Skipped"  # turned off in preferences or no address: not sent

    class SmsState(models.TextChoices):
        NONE = "none", "Not texted"  # the kind has no text, or the person is reached by e-mail
        PENDING = "pending", "Pending"  # waiting for a worker (first try or a scheduled retry)
        SENDING = "sending", "Sending"  # claimed by a worker; a stale claim means it died
        SENT = "sent", "Sent"  # accepted by the SMS provider: never sent again
        FAILED = "failed", "Failed"  # gave up after retries, or the provider refused the number
        SKIPPED = "skipped", "Skipped"  # over the number's daily cap, no number, turned off

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=50, choices=KIND_CHOICES)
    # Plain values only (ids, titles, cents, ISO dates): the e-mail is rendered from these.
    context = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    message = models.TextField(help_text="The in-app text, rendered when the event happened.")
    url = models.CharField(max_length=500, help_text="Site-relative link to the page.")
    dedupe_key = models.CharField(max_length=200)
    created = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    email_state = models.CharField(
        max_length=10, choices=EmailState.choices, default=EmailState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    # The text message, for a person with a phone and no e-mail address (sms_delivery.py).
    sms_state = models.CharField(max_length=10, choices=SmsState.choices, default=SmsState.NONE)
    sms_to = models.CharField(max_length=16, blank=True, help_text="The number texted.")
    sms_attempts = models.PositiveSmallIntegerField(default=0)
    sms_next_attempt_at = models.DateTimeField(null=True, blank=True)
    sms_claim_token = models.UUIDField(null=True, blank=True, editable=False)
    sms_claimed_at = models.DateTimeField(null=True, blank=True)
    # When this text took one of its number's slots under SMS_DAILY_CAP_PER_NUMBER.
    sms_counted_at = models.DateTimeField(null=True, blank=True)
    sms_sent_at = models.DateTimeField(null=True, blank=True)
    sms_ref = models.CharField(max_length=64, blank=True, help_text="The provider's message id.")
    sms_last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "recipient"], name="notifications_dedupe_per_recipient"
            ),
        ]
        indexes = [
            # The inbox page and API: newest first for one person.
            models.Index(fields=["recipient", "-created", "-id"], name="notif_inbox_idx"),
            # The bell: count of unread rows for one person, on every page.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notif_unread_idx"
            ),
            # The sweep: rows that are not delivered yet (a small, hot part of the table).
            models.Index(
                fields=["email_state", "next_attempt_at"],
                condition=Q(email_state__in=["pending", "sending"]),
                name="notif_outbox_idx",
            ),
            # The sweep of texts not delivered yet.
            models.Index(
                fields=["sms_state", "sms_next_attempt_at"],
                condition=Q(sms_state__in=["pending", "sending"]),
                name="notif_sms_outbox_idx",
            ),
            # The daily cap: the texts one number took in the last 24 hours.
            models.Index(
                fields=["sms_to", "sms_counted_at"],
                condition=Q(sms_counted_at__isnull=False),
                name="notif_sms_cap_idx",
            ),
        ]

    def __str__(self):
        return f"{self.kind} for {self.recipient_id} ({self.email_state})"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """Which optional e-mails a person wants; essential ones (money, order state) always go."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_reminders = models.BooleanField(
        default=True, help_text="E-mail me reminders before a deadline (ship-by, auto-confirm)."
    )
    email_reviews = models.BooleanField(
        default=True, help_text="E-mail me when a buyer reviews my shop."
    )
    updated = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Preferences of {self.user_id}"

    def wants_email(self, category: str) -> bool:
        if category == "reminders":
            return self.email_reminders
        if category == "reviews":
            return self.email_reviews
        return True
