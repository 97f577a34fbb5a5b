from celery import shared_task

from .services import payouts_run, reconciliation_run


@shared_task
def payouts_run_daily() -> dict:
    """Pay out every eligible shop balance once (safe to run twice at the same time)."""
    result = payouts_run()
    return {"created": result.created, "paid": result.paid, "held": result.held,
            "unknown": result.unknown}


@shared_task
def reconciliation_run_daily() -> dict:
    """Compare the last days of payments with Stripe and flag mismatches for staff."""
    result = reconciliation_run(days=3)
    return {"checked": result.checked, "settled": result.settled,
            "issues_open": result.issues_open}
