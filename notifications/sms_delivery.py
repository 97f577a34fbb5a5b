"""Text-message delivery of outbox rows: who is texted, the daily cap, claim, send, mark.

Who: a kind that declares an SMS text (notifications.kinds), for an active person with a phone
number and no e-mail address (a hub's neighbour who may never log in). A person with an e-mail
address is told by e-mail only: texts cost money and a number may be shared by a household.
Optional kinds (reminders) follow the person's e-mail preference for that category.

The same order as e-mail (notifications/delivery.py): MARK, THEN SEND, THEN MARK AGAIN. A worker
commits a claim (`sms_state` sending, a fresh token), asks the provider, then marks the row sent
only if its claim still holds; a second copy of the task finds `sent` or a live claim and sends
nothing; a worker that died leaves a stale claim the sweep takes up after STUCK_AFTER. The same
at-least-once edge (killed between the provider's answer and the mark: one duplicate text).

The daily cap: at most SMS_DAILY_CAP_PER_NUMBER texts to one number in any 24 hours. The count
and the claim happen in one transaction under a PostgreSQL advisory lock on the number, so two
workers texting the same number at once cannot both take the last slot. A text over the cap is
skipped with the reason (it stays in the person's inbox) and never retried; a retry of a text
that already holds a slot keeps it.
"""

import datetime
import logging
import uuid

from django.conf import settings
from django.db import connection, transaction
from django.template import TemplateSyntaxError
from django.utils import timezone

from .delivery import (
    MAX_ATTEMPTS,
    STUCK_AFTER,
    DeliveryOutcome,
    outbox_take_stuck,
    retry_delay,
)
from .errors import SmsProviderUnavailable, SmsRefused
from .kinds import KINDS, Kind
from .models import Notification, NotificationPreference
from .rendering import in_time_zone_of, sms_render
from .sms import sms_send

logger = logging.getLogger(__name__)

State = Notification.SmsState
CAP_WINDOW = datetime.timedelta(hours=24)
# Errors worth another try: the provider or the network may be back in a minute.
TRANSIENT_ERRORS = (SmsProviderUnavailable, ConnectionError, TimeoutError, OSError)


def sms_due_for(*, recipient, kind: Kind) -> bool:
    """Whether this kind of event is texted to this person (the rule in the module docstring)."""
    return bool(
        kind.sms
        and recipient.is_active
        and getattr(recipient, "phone", "")
        and not getattr(recipient, recipient.get_email_field_name(), "")
    )


def _skip_reason(notification: Notification) -> str:
    recipient = notification.recipient
    kind = KINDS[notification.kind]
    if not recipient.is_active or not getattr(recipient, "phone", ""):
        return "The recipient has no active phone number."
    if getattr(recipient, recipient.get_email_field_name(), ""):
        return "The recipient has an e-mail address now: told by e-mail."
    if not kind.sms:
        return "This kind of notification has no text message."
    if kind.is_essential:
        return ""
    preference = NotificationPreference.objects.filter(user_id=recipient.pk).first()
    if preference is not None and not preference.wants_email(kind.category):
        return f"The recipient turned off {kind.category}."
    return ""


def _over_cap(*, phone: str, notification_id: int, now: datetime.datetime) -> bool:
    """Whether `phone` has used its daily texts; call inside the claim's transaction."""
    with connection.cursor() as cursor:
        # Held to the end of the transaction: the count and the claim below are one step.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"sms-cap:{phone}"])
    taken = (
        Notification.objects.filter(sms_to=phone, sms_counted_at__gt=now - CAP_WINDOW)
        .exclude(pk=notification_id)
        .exclude(sms_state=State.FAILED)
        .count()
    )
    return taken >= settings.SMS_DAILY_CAP_PER_NUMBER


def _holds_slot(notification: Notification, *, now: datetime.datetime) -> bool:
    """A retry of a text counted in the last 24 hours keeps its slot under the cap."""
    counted = notification.sms_counted_at
    return counted is not None and counted > now - CAP_WINDOW


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
        if notification.sms_state in (State.NONE, State.SENT, State.FAILED, State.SKIPPED):
            return DeliveryOutcome(notification.sms_state)
        if (
            notification.sms_state == State.SENDING
            and notification.sms_claimed_at
            and notification.sms_claimed_at > now - STUCK_AFTER
        ):
            return DeliveryOutcome("busy")  # another worker holds a live claim
        fields = ["sms_state", "sms_last_error", "sms_claim_token", "sms_claimed_at"]
        notification.sms_claim_token = None
        phone = getattr(notification.recipient, "phone", "")
        if notification.sms_attempts >= MAX_ATTEMPTS:
            notification.sms_state = State.FAILED
            notification.sms_last_error = (
                f"Gave up after {notification.sms_attempts} attempts. "
                f"{notification.sms_last_error}"
            ).strip()
        elif skip_reason := _skip_reason(notification):
            notification.sms_state = State.SKIPPED
            notification.sms_last_error = skip_reason
        elif not _holds_slot(notification, now=now) and _over_cap(
            phone=phone, notification_id=notification.pk, now=now
        ):
            notification.sms_state = State.SKIPPED
            cap = settings.SMS_DAILY_CAP_PER_NUMBER
            notification.sms_last_error = (
                f"Over the daily cap: {cap} text{'' if cap == 1 else 's'} to this number in the "
                "last 24 hours."
            )
        else:
            notification.sms_state = State.SENDING
            notification.sms_claim_token = uuid.uuid4()
            notification.sms_claimed_at = now
            notification.sms_next_attempt_at = now
            notification.sms_attempts += 1
            notification.sms_to = phone
            if not _holds_slot(notification, now=now):
                notification.sms_counted_at = now
            fields += ["sms_next_attempt_at", "sms_attempts", "sms_to", "sms_counted_at"]
        notification.save(update_fields=fields)
        if notification.sms_state != State.SENDING:
            return DeliveryOutcome(notification.sms_state)
        return notification, notification.sms_claim_token


def _release(*, notification: Notification, token, state: str, error: str, retry_in=None) -> None:
    update = {"sms_state": state, "sms_claim_token": None, "sms_last_error": error[:2000]}
    if retry_in is not None:
        update["sms_next_attempt_at"] = timezone.now() + datetime.timedelta(seconds=retry_in)
    Notification.objects.filter(pk=notification.pk, sms_claim_token=token).update(**update)


def notification_text(*, notification_id: int) -> DeliveryOutcome:
    """Send the text message of one outbox row at most once per claim; safe to repeat.

    Must not run inside an atomic block: the claim has to be committed before the provider is
    asked (see the module docstring).
    """
    claimed = _claim(notification_id=notification_id, now=timezone.now())
    if isinstance(claimed, DeliveryOutcome):
        return claimed
    notification, token = claimed
    try:
        with in_time_zone_of(notification.recipient):
            body = sms_render(kind=KINDS[notification.kind], context=notification.context)
        reference = sms_send(to=notification.sms_to, body=body)
    except TemplateSyntaxError as exc:
        _release(notification=notification, token=token, state=State.FAILED,
                 error=f"Cannot render the text: {exc!r}")
        return DeliveryOutcome(State.FAILED)
    except SmsRefused as exc:
        logger.warning("Notification %s text refused: %s", notification.pk, exc)
        _release(notification=notification, token=token, state=State.FAILED,
                 error=f"Attempt {notification.sms_attempts}: {exc}")
        return DeliveryOutcome(State.FAILED)
    except TRANSIENT_ERRORS as exc:
        error = f"Attempt {notification.sms_attempts}: {exc}"
        if notification.sms_attempts >= MAX_ATTEMPTS:
            logger.warning("Notification %s text failed for good: %s", notification.pk, error)
            _release(notification=notification, token=token, state=State.FAILED, error=error)
            return DeliveryOutcome(State.FAILED)
        delay = retry_delay(notification.sms_attempts)
        _release(notification=notification, token=token, state=State.PENDING, error=error,
                 retry_in=delay)
        return DeliveryOutcome(State.PENDING, retry_in=delay)
    marked = Notification.objects.filter(pk=notification.pk, sms_claim_token=token).update(
        sms_state=State.SENT, sms_sent_at=timezone.now(), sms_claim_token=None,
        sms_last_error="", sms_ref=reference[:64],
    )
    if not marked:
        logger.warning("Notification %s: text claim lost while sending", notification.pk)
    return DeliveryOutcome(State.SENT)


def sms_outbox_take_stuck(*, now: datetime.datetime | None = None) -> list[int]:
    """Pick texts that should have gone STUCK_AFTER ago; return their ids to re-enqueue (the
    e-mail sweep's rule, over the text's own state and due time)."""
    return outbox_take_stuck(now=now, state_field="sms_state", due_field="sms_next_attempt_at")
