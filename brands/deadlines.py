"""The time limits of a seller's answer to a notice.

Business days are Monday to Friday, counted in UTC; public holidays are not skipped (a deadline
that falls after a holiday is a day early for the owner, never late for the seller).
"""

from datetime import UTC, datetime, timedelta

COUNTER_NOTICE_DAYS = 14  # calendar days after the take-down in which the seller may answer
ACTION_BUSINESS_DAYS = 10  # business days after the answer in which the owner may report a suit


def business_days_after(moment: datetime, days: int) -> datetime:
    """The same time of day `days` Monday-to-Friday days after `moment` (weekends skipped)."""
    counted, moment = 0, moment.astimezone(UTC)
    while counted < days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            counted += 1
    return moment


def counter_notice_deadline(taken_down_at: datetime) -> datetime:
    """The last moment a seller may file a counter-notice."""
    return taken_down_at + timedelta(days=COUNTER_NOTICE_DAYS)
