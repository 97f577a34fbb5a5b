"""E-mail delivery of outbox rows: claim, send through Django's e-mail backend, mark.

Order: MARK, THEN SEND, THEN MARK AGAIN. A worker first commits a claim (state `sending`, a fresh
claim token), then talks to the mail server, then marks the row `sent` only if its claim still
holds. Why this order:
- Any second copy of the task (Celery redelivering an acks_late message, the sweep, a staff
  resend) finds `sent`, or `sending` with a live claim, and sends nothing: two workers never send
  the same row at once, and a delivered row is never sent again.
- A worker killed after claiming but before the mail server accepted the message leaves a
  `sending` row whose claim goes stale; after STUCK_AFTER the sweep re-enqueues it and the mail
  goes out once: late, not lost.
- The at-least-once edge: a worker killed after the server accepted the message and before the
  `sent` update committed (the width of one UPDATE) is indistinguishable from the case above, so
  the sweep sends it again: at most one duplicate per crash. The duplicate carries the same
  Message-ID, so mail clients can fold the two.
Send-then-mark without a claim would double-send whenever two copies of the task overlap; never
retrying a `sending` row (at-most-once) would lose every mail whose worker died during connect,
TLS or DATA, a far wider window. We prefer a rare duplicate to a lost "your order shipped".
"""

import datetime
import logging
import os
import smtplib
import time
import uuid
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone

from .kinds import KINDS
from .models import Notification, NotificationPreference
from .rendering import email_render, in_time_zone_of

logger = logging.getLogger(__name__)

# A row not delivered this long after it was due is stuck: its message was lost (Redis down at
# commit, worker killed). Also the lease of a claim: far longer than one SMTP conversation.
STUCK_AFTER = datetime.timedelta(minutes=10)
SWEEP_BATCH = 500
MAX_ATTEMPTS = 5
# Errors worth another try: the mail server or the network may be back in a minute.
TRANSIENT_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)

State = Notification.EmailState


@dataclass(frozen=True)
class DeliveryOutcome:
    state: str  # the row's state after this attempt, or "missing" / "busy"
    retry_in: int | None = None  # seconds until the next try, when one is due


def retry_delay(attempts: int) -> int:
    """Seconds before try number attempts + 1: 60, 120, 240, 480… never more than 30 minutes."""
    return min(60 * 2 ** max(attempts - 1, 0), 1800)


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True  # the address is refused: trying again will not help
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _test_pause(phase: str) -> None:
    """Test-only hook: sleep so a test can SIGKILL the worker at a known point (DEBUG only)."""
    if not settings.DEBUG:
        return
    raw = os.environ.get(f"NOTIFICATIONS_TEST_DELAY_{phase}_SEND_SECONDS", "").strip()
    if raw:
        time.sleep(float(raw))


def _message_id(notification_id: int) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<notification-{notification_id}@{domain}>"


def _claim(*, notification_id: int, now: datetime.datetime):
    """Lock the row, decide, and commit a claim; return (notification, token) or an outcome."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return DeliveryOutcome("missing")
        if notification.email_state in (State.SENT, State.FAILED, State.SKIPPED):
            return DeliveryOutcome(notification.email_state)
        if (
            notification.email_state == State.SENDING
            and notification.claimed_at
            and notification.claimed_at > now - STUCK_AFTER
        ):
            return DeliveryOutcome("busy")  # another worker holds a live claim
        fields = ["email_state", "last_error", "claim_token", "claimed_at"]
        notification.claim_token = None
        if notification.attempts >= MAX_ATTEMPTS:
            notification.email_state = State.FAILED
            notification.last_error = (
                f"Gave up after {notification.attempts} attempts. {notification.last_error}"
            ).strip()
        elif skip_reason := _skip_reason(notification):
            notification.email_state = State.SKIPPED
            notification.last_error = skip_reason
        else:
            notification.email_state = State.SENDING
            notification.claim_token = uuid.uuid4()
            notification.claimed_at = now
            notification.next_attempt_at = now
            notification.attempts += 1
            fields += ["next_attempt_at", "attempts"]
        notification.save(update_fields=fields)
        if notification.email_state != State.SENDING:
            return DeliveryOutcome(notification.email_state)
        return notification, notification.claim_token


def _skip_reason(notification: Notification) -> str:
    recipient = notification.recipient
    address = getattr(recipient, recipient.get_email_field_name(), "")
    if not recipient.is_active or not address:
        return "The recipient has no active e-mail address."
    kind = KINDS[notification.kind]
    if kind.is_essential:
        return ""
    preference = NotificationPreference.objects.filter(user_id=recipient.pk).first()
    if preference is not None and not preference.wants_email(kind.category):
        return f"The recipient turned off {kind.category} e-mails."
    return ""


def _send(notification: Notification) -> None:
    recipient = notification.recipient
    with in_time_zone_of(recipient):
        rendered = email_render(
            kind=KINDS[notification.kind],
            context=notification.context,
            url=notification.url,
            recipient_name=recipient.get_short_name() or "there",
        )
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        to=[getattr(recipient, recipient.get_email_field_name())],
        headers={"Message-ID": _message_id(notification.pk)},
    )
    message.attach_alternative(rendered.html, "text/html")
    _test_pause("BEFORE")
    message.send()
    _test_pause("AFTER")


def _release(*, notification: Notification, token, state: str, error: str, retry_in=None) -> None:
    update = {"email_state": state, "claim_token": None, "last_error": error[:2000]}
    if retry_in is not None:
        update["next_attempt_at"] = timezone.now() + datetime.timedelta(seconds=retry_in)
    Notification.objects.filter(pk=notification.pk, claim_token=token).update(**update)


def notification_deliver(*, notification_id: int) -> DeliveryOutcome:
    """Send the e-mail of one outbox row at most once per claim; safe to call any number of times.

    Must not run inside an atomic block: the claim has to be committed before the mail server
    is contacted (see the module docstring).
    """
    claimed = _claim(notification_id=notification_id, now=timezone.now())
    if isinstance(claimed, DeliveryOutcome):
        return claimed
    notification, token = claimed
    try:
        _send(notification)
    except (TemplateDoesNotExist, TemplateSyntaxError) as exc:
        _release(notification=notification, token=token, state=State.FAILED,
                 error=f"Cannot render the e-mail: {exc!r}")
        return DeliveryOutcome(State.FAILED)
    except TRANSIENT_ERRORS as exc:
        error = f"Attempt {notification.attempts}: {exc!r}"
        if _is_permanent(exc) or notification.attempts >= MAX_ATTEMPTS:
            logger.warning("Notification %s e-mail failed for good: %s", notification.pk, error)
            _release(notification=notification, token=token, state=State.FAILED, error=error)
            return DeliveryOutcome(State.FAILED)
        delay = retry_delay(notification.attempts)
        _release(notification=notification, token=token, state=State.PENDING, error=error,
                 retry_in=delay)
        return DeliveryOutcome(State.PENDING, retry_in=delay)
    marked = Notification.objects.filter(pk=notification.pk, claim_token=token).update(
        email_state=State.SENT, emailed_at=timezone.now(), claim_token=None, last_error=""
    )
    if not marked:
        # Our claim went stale (over STUCK_AFTER) and was taken over: the other worker's mark
        # stands. Log it; the mail may have gone twice, as the module docstring allows.
        logger.warning("Notification %s: claim lost while sending", notification.pk)
    return DeliveryOutcome(State.SENT)


def outbox_take_stuck(*, now: datetime.datetime | None = None, state_field: str = "email_state",
                      due_field: str = "next_attempt_at") -> list[int]:
    """Pick rows that should have been delivered STUCK_AFTER ago; return their ids to re-enqueue.

    A pending row whose message was lost (Redis down at commit, broker restarted) and a sending
    row whose worker died (its claim is older than the lease) both land here. Their
    next_attempt_at moves to now, so later sweeps leave them alone for another STUCK_AFTER
    while this attempt is under way. The e-mail's fields by default; a text's are
    `sms_state` and `sms_next_attempt_at` (notifications.sms_delivery).
    """
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(**{f"{state_field}__in": [State.PENDING, State.SENDING],
                       f"{due_field}__lt": now - STUCK_AFTER})
            .order_by("pk")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        Notification.objects.filter(pk__in=ids).update(**{due_field: now})
    return ids
