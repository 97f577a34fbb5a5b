"""Every periodic job, in one list: beat schedules these, `manage.py run_due_jobs` runs them now.

Each job is a Celery task whose body is idempotent, so running it early or twice is harmless.
Each job handles its items one by one through jobs.services.JobRun: an item that fails is
logged with its id and kept as a JobFailure for staff (/staff/), and the job goes on with the
rest. A job's `name` here is the name its JobRun uses, and jobs/labels.py gives it a title.
"""

from dataclasses import dataclass

from celery.schedules import crontab


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str  # dotted task name
    schedule: object  # seconds (float) or a celery crontab


PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob(
        name="clear-expired-sessions",
        task="marketplace.accounts.tasks.sessions_clear_expired",
        schedule=crontab(minute=17, hour=3),
    ),
    PeriodicJob(
        name="notifications-sweep-stuck",
        task="notifications.tasks.notifications_sweep_stuck",
        schedule=300.0,  # rows stuck unsent > 10 min (Redis was down, a worker died) go again
    ),
    PeriodicJob(
        name="checkouts-expire",
        task="orders.tasks.checkouts_expire_task",
        schedule=60.0,
    ),
    PeriodicJob(
        name="orders-cancel-unshipped",
        task="orders.tasks.orders_cancel_unshipped_task",
        schedule=300.0,
    ),
    PeriodicJob(
        name="orders-complete-unconfirmed",
        task="orders.tasks.orders_complete_unconfirmed_task",
        schedule=300.0,
    ),
    PeriodicJob(
        name="preorders-cancel-balance-unpaid",
        task="orders.tasks.preorders_cancel_balance_unpaid_task",
        schedule=900.0,  # a pre-order's balance unpaid 5 days after "ready": deposit refunded
    ),
    PeriodicJob(
        name="orders-money-settle",
        task="orders.tasks.orders_money_settle_task",
        schedule=600.0,
    ),
    PeriodicJob(
        name="payouts-daily",
        task="payments.tasks.payouts_run_daily",
        schedule=crontab(minute=30, hour=6),  # available balances ≥ $10 paid once a day
    ),
    PeriodicJob(
        name="payments-reconcile",
        task="payments.tasks.reconciliation_run_daily",
        schedule=crontab(minute=45, hour=5),  # ledger vs Stripe over the last 3 days
    ),
    PeriodicJob(
        name="orders-remind-deadlines",
        task="orders.tasks.orders_remind_deadlines_task",
        schedule=900.0,
    ),
    PeriodicJob(
        name="preorders-remind",
        task="orders.tasks.preorders_remind_sellers_task",
        schedule=3600.0,  # 14, 3 and 1 days before a pre-order's promised date, once each
    ),
    PeriodicJob(
        name="search-vocabulary",
        task="sellers.tasks.search_vocabulary_rebuild_task",
        schedule=600.0,  # words of new listings become typo corrections within 10 minutes
    ),
    PeriodicJob(
        name="insights-summaries",
        task="insights.tasks.summaries_refresh_task",
        schedule=600.0,  # the charts' daily rows of the last 3 days, from orders and ledger
    ),
    PeriodicJob(
        name="insights-views",
        task="insights.tasks.listing_views_flush_task",
        schedule=300.0,  # listing views counted in Redis, copied to the daily rows
    ),
    PeriodicJob(
        name="insights-staff-days",
        task="insights.tasks.staff_days_refresh_task",
        # the staff trends' rows of the last 3 days; each run sees the review queue's age, so
        # the last run of a day leaves that day's age as observed
        schedule=900.0,
    ),
    PeriodicJob(
        name="brands-restore-answered",
        task="brands.tasks.counter_notices_restore_due_task",
        schedule=900.0,  # answered notices' listings back within 15 minutes of the deadline
    ),
]
