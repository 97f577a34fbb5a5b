"""Writes of the notifications app: the outbox (`notify`), reading, preferences, resending.

Any app may call `notify(...)` from inside its own `transaction.atomic()` block: the row is part of
that transaction, and delivery is enqueued only when it commits. notifications imports no domain
app: callers hand over the recipient, a kind from notifications.kinds and plain values.
"""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .errors import NotificationNotFound
from .models import Notification, NotificationPreference
from .rendering import context_clean, in_time_zone_of, kind_get, message_render, url_clean
from .sms_delivery import sms_due_for
from .tasks import deliver_task, sms_deliver_task


def notify(*, recipient, kind: str, context: dict, dedupe_key: str, url: str = "") -> Notification:
    """Record that `kind` happened for `recipient` and e-mail them once the caller commits; text
    them too when the kind has a text and they have a phone and no e-mail address.

    Idempotent per (dedupe_key, recipient): a repeated call returns the first row and enqueues
    nothing. Safe inside the caller's atomic block: the insert runs in a savepoint, so a
    duplicate does not break the caller's transaction.
    """
    spec = kind_get(kind)
    values = context_clean(kind=spec, context=context)
    link = url_clean(url)
    if not dedupe_key or len(dedupe_key) > 200:
        raise ValueError("dedupe_key must be 1 to 200 characters.")
    with in_time_zone_of(recipient):  # not the zone of whoever's request caused this
        message = message_render(kind=spec, context=values)
    texted = sms_due_for(recipient=recipient, kind=spec)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=spec.key,
                context=values,
                message=message,
                url=link,
                dedupe_key=dedupe_key,
                sms_state=Notification.SmsState.PENDING if texted else Notification.SmsState.NONE,
                sms_next_attempt_at=timezone.now() if texted else None,
            )
    except IntegrityError:
        # Another call (maybe a concurrent one, now committed) already recorded this event.
        existing = Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).first()
        if existing is None:
            raise
        return existing
    deliver_task.delay_on_commit(notification.id)
    if texted:
        sms_deliver_task.delay_on_commit(notification.id)
    return notification


def notify_staff(
    *, kind: str, context: dict, dedupe_key: str, url: str = "", permission: str = "",
) -> list:
    """Notify every active staff member (new dispute, new report, reconciliation mismatch).

    `permission` ("app_label.codename"): only the staff who hold it (superusers hold every
    permission), so that people hear about what they may act on.
    """
    staff = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("pk")
    if permission:
        app_label, codename = permission.split(".", 1)
        staff = staff.filter(
            Q(is_superuser=True)
            | Q(user_permissions__codename=codename,
                user_permissions__content_type__app_label=app_label)
            | Q(groups__permissions__codename=codename,
                groups__permissions__content_type__app_label=app_label)
        ).distinct()
    return [
        notify(recipient=person, kind=kind, context=context, dedupe_key=dedupe_key, url=url)
        for person in staff
    ]


def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of `user`'s notifications read; someone else's is NotificationNotFound."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, recipient=user)
            .first()
        )
        if notification is None:
            raise NotificationNotFound()
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user) -> int:
    """Mark every unread notification of `user` read; return how many changed."""
    with transaction.atomic():
        return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )


def notifications_settle_before(*, moment) -> int:
    """Mark every notification created before `moment` read, its e-mail and text not to be sent.

    For a past laid down after the fact (the demo history): the people in it were told at
    the time, so nothing is e-mailed now and nothing waits unread. Returns how many changed.
    """
    with transaction.atomic():
        Notification.objects.filter(
            created__lt=moment, sms_state=Notification.SmsState.PENDING
        ).update(sms_state=Notification.SmsState.SKIPPED,
                 sms_last_error="Part of the history laid down at once: not texted.")
        pending = Notification.objects.filter(
            created__lt=moment, email_state=Notification.EmailState.PENDING)
        return pending.update(
            read_at=Coalesce("read_at", "created"),
            email_state=Notification.EmailState.SKIPPED,
            last_error="Part of the history laid down at once: told at the time, not e-mailed.",
        )


def preference_update(
    *, user, email_reminders: bool, email_reviews: bool
) -> NotificationPreference:
    with transaction.atomic():
        preference, _ = NotificationPreference.objects.update_or_create(
            user=user,
            defaults={"email_reminders": email_reminders, "email_reviews": email_reviews},
        )
    return preference


def notification_resend(*, notification_ids) -> int:
    """Put failed (or skipped) e-mails back in the outbox with fresh attempts; return how many.

    Sent rows are left alone: resending them is how a person gets the same mail twice.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update()
            .filter(
                pk__in=list(notification_ids),
                email_state__in=[Notification.EmailState.FAILED, Notification.EmailState.SKIPPED],
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            email_state=Notification.EmailState.PENDING,
            attempts=0,
            next_attempt_at=now,
            claim_token=None,
            claimed_at=None,
            last_error="",
        )
        for notification_id in ids:
            deliver_task.delay_on_commit(notification_id)
    return len(ids)


def notification_sms_resend(*, notification_ids) -> int:
    """Put failed (or skipped) texts back in the outbox with fresh attempts; return how many.

    For staff after a provider outage outlived the retries or its credentials were fixed. Sent
    and never-texted rows are left alone; the daily cap and the who-is-texted rule are checked
    again when the worker claims the row.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update()
            .filter(
                pk__in=list(notification_ids),
                sms_state__in=[Notification.SmsState.FAILED, Notification.SmsState.SKIPPED],
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            sms_state=Notification.SmsState.PENDING,
            sms_attempts=0,
            sms_next_attempt_at=now,
            sms_claim_token=None,
            sms_claimed_at=None,
            sms_counted_at=None,  # the cap is counted again: a resent text takes a new slot
            sms_last_error="",
        )
        for notification_id in ids:
            sms_deliver_task.delay_on_commit(notification_id)
    return len(ids)


def notifications_erase_for(*, user) -> int:
    """Delete every notification of `user` (their account is closed); return how many."""
    with transaction.atomic():
        deleted, _ = Notification.objects.filter(recipient=user).delete()
        NotificationPreference.objects.filter(user=user).delete()
    return deleted
