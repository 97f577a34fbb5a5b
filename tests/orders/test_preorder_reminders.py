"""The seller hears 14, 3 and 1 days before a pre-order's promised date, once each, while paid
orders of it are still to ship (marketplace/jobs.py `preorders-remind`)."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from jobs.models import JobFailure
from notifications.models import Notification
from orders.services.preorder_promise import preorders_remind_sellers
from tests import builders
from tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


def _preorder(days: int, **fields):
    return ListingFactory(preorder_ships_by=timezone.localdate() + datetime.timedelta(days=days),
                          stock=20, **fields)


def _reminders(listing) -> list[dict]:
    return [note.context for note in Notification.objects.filter(
        recipient=listing.shop.owner, kind="preorder_due_soon").order_by("id")]


def test_reminders_at_14_3_and_1_days_once_each(clock):
    listing = _preorder(14, title="Share of the fall honey harvest")
    builders.paid_order(listing=listing, quantity=2)
    builders.paid_order(listing=listing)

    assert preorders_remind_sellers() == 1
    assert preorders_remind_sellers() == 1  # run again: the same notice, not a second one
    (first,) = _reminders(listing)
    assert (first["days"], first["order_count"], first["units"]) == (14, 2, 3)
    note = Notification.objects.get(kind="preorder_due_soon")
    assert "Share of the fall honey harvest" in note.message and "14 days" in note.message
    assert note.url == f"/sell/listings/{listing.pk}/harvest/"

    clock.move(days=5)  # 9 days left: the 14-day notice was sent already
    preorders_remind_sellers()
    assert len(_reminders(listing)) == 1
    clock.move(days=6)  # 3 days left
    preorders_remind_sellers()
    clock.move(days=2)  # 1 day left
    preorders_remind_sellers()
    assert [context["days"] for context in _reminders(listing)] == [14, 3, 1]
    clock.move(days=1)  # the day itself: the 1-day step is done, nothing more
    preorders_remind_sellers()
    assert len(_reminders(listing)) == 3


def test_a_late_run_sends_only_the_nearest_step_and_shipped_orders_need_none(clock):
    late = _preorder(2)
    builders.paid_order(listing=late)
    shipped = _preorder(3)
    builders.shipped_order(listing=shipped)
    far = _preorder(15)
    builders.paid_order(listing=far)
    in_stock = ListingFactory()
    builders.paid_order(listing=in_stock)

    preorders_remind_sellers()
    assert [context["days"] for context in _reminders(late)] == [2]
    assert _reminders(shipped) == [] and _reminders(far) == [] and _reminders(in_stock) == []


def test_the_job_runs_from_the_job_list_item_by_item(clock, capsys):
    listing = _preorder(3)
    builders.paid_order(listing=listing)
    call_command("run_due_jobs", "--only", "preorders-remind")
    assert len(_reminders(listing)) == 1
    assert not JobFailure.objects.exists()
