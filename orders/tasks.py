from celery import shared_task

from orders.services.deadlines import (
    orders_cancel_unshipped,
    orders_complete_unconfirmed,
    orders_money_settle,
    orders_remind_deadlines,
)
from orders.services.payment_outcomes import checkouts_expire
from orders.services.preorder_promise import preorders_remind_sellers
from orders.services.preorders import preorders_cancel_balance_unpaid


@shared_task
def checkouts_expire_task() -> int:
    return checkouts_expire()


@shared_task
def orders_cancel_unshipped_task() -> int:
    return orders_cancel_unshipped()


@shared_task
def orders_complete_unconfirmed_task() -> int:
    return orders_complete_unconfirmed()


@shared_task
def orders_money_settle_task() -> int:
    return orders_money_settle()


@shared_task
def orders_remind_deadlines_task() -> int:
    return orders_remind_deadlines()


@shared_task
def preorders_cancel_balance_unpaid_task() -> int:
    return preorders_cancel_balance_unpaid()


@shared_task
def preorders_remind_sellers_task() -> int:
    return preorders_remind_sellers()
