"""What staff read for a job and an item: plain words, never the job's code name."""

# One row per job in marketplace.jobs.PERIODIC_JOBS (a test keeps the two lists together).
JOB_TITLES = {
    "checkouts-expire": "Expiring unpaid checkouts",
    "orders-cancel-unshipped": "Cancelling orders not shipped in time",
    "orders-complete-unconfirmed": "Confirming delivered orders automatically",
    "orders-money-settle": "Finishing interrupted refunds and releases",
    "preorders-cancel-balance-unpaid": "Cancelling pre-orders whose balance was not paid",
    "orders-remind-deadlines": "Reminding sellers and buyers of deadlines",
    "notifications-sweep-stuck": "Sending e-mails that got stuck",
    "payouts-daily": "Daily payouts to sellers",
    "payments-reconcile": "Checking our payments against Stripe",
    "clear-expired-sessions": "Clearing expired log-in sessions",
    "search-vocabulary": "Refreshing the words search corrects typos to",
    "insights-summaries": "Refreshing the daily figures behind the charts",
    "insights-views": "Copying counted listing views to the charts' figures",
    "insights-staff-days": "Counting the staff desk's day for the staff trends",
    "brands-restore-answered": "Putting answered rights notices' listings back on sale",
    "preorders-remind": "Reminding sellers of pre-order ship dates",
}

ITEM_KINDS = {
    "checkout": "Checkout", "order": "Order", "payout": "Payout", "shop": "Shop",
    "notification": "Notification", "payment_intent": "Payment", "refund": "Refund",
    "gateway_call": "Stripe call", "vocabulary": "Search vocabulary",
    "notice": "Rights notice",
    "listing": "Listing",
}


def job_title(job: str) -> str:
    return JOB_TITLES.get(job, job.replace("-", " ").capitalize())


def item_label(item: str) -> str:
    """"order:42" → "Order #42"; anything else in words."""
    kind, _, number = item.partition(":")
    if number.isdigit() and kind in ITEM_KINDS:
        return f"{ITEM_KINDS[kind]} #{number}"
    return item.replace("-", " ").replace("_", " ").capitalize()
