"""Staff trends: the staff desk's days count what came in and how fast staff first acted, the
dashboard draws them for moderators only, at a fixed cost."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insights.models import StaffDay
from insights.services import staff_days_rebuild, staff_days_refresh
from insights.services.summaries import day_zone
from insights.services.summaries import today as home_today
from marketplace.demo_history import demo_clock
from moderation.services.listings import listing_approve, report_resolve
from tests import builders
from tests.factories import ListingFactory, UserFactory
from tests.staff import staff_login

pytestmark = pytest.mark.django_db


def _at(days_ago: int, hour: int) -> datetime.datetime:
    """`hour` o'clock `days_ago` days back, in the home time zone the days are counted in."""
    day = home_today() - datetime.timedelta(days=days_ago)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=day_zone())


def test_a_day_counts_what_came_in_and_the_wait_for_staff():
    staff = builders.moderator()
    with demo_clock(_at(3, 9)):
        reported = ListingFactory()
        report = builders.report(listing=reported)
        held = ListingFactory(status="pending_review", review_reason="Screening word")
        other = builders.report()
        builders.disputed_order()
    with demo_clock(_at(3, 11)):  # two hours on: the report is dismissed
        report_resolve(report_id=report.pk, actor=staff, action="dismiss", note="Fine.")
    with demo_clock(_at(3, 13)):  # four hours on: the held listing approved
        listing_approve(listing_id=held.pk, actor=staff)
    staff_days_rebuild()

    row = StaffDay.objects.get(day=_at(3, 9).date())
    # The day's new listings: the reported one, the held one, the one the other report is
    # about and the disputed order's listing.
    assert (row.new_listings, row.reports, row.disputes, row.chargebacks) == (4, 2, 1, 0)
    # Dismissed after 2 h, approved after 4 h; the other report waits still (not counted).
    assert row.first_action_seconds_median == 3 * 3600
    # At the day's end the other report had waited since 9:00.
    assert row.queue_oldest_seconds == 15 * 3600 and row.queue_observed is False
    assert other.status == "open"
    today = StaffDay.objects.get(day=home_today())
    assert today.queue_observed is True
    waited = (timezone.now() - _at(3, 9)).total_seconds()
    assert abs(today.queue_oldest_seconds - waited) < 60
    assert StaffDay.objects.get(day=_at(2, 9).date()).reports == 0


def test_an_observed_queue_age_is_kept_by_a_later_refresh():
    yesterday = home_today() - datetime.timedelta(days=1)
    StaffDay.objects.create(day=yesterday, queue_oldest_seconds=4242, queue_observed=True)
    staff_days_refresh(since=yesterday)
    row = StaffDay.objects.get(day=yesterday)
    assert (row.queue_oldest_seconds, row.queue_observed) == (4242, True)


def test_moderators_see_the_trends_and_their_csv(client):
    staff = builders.moderator()
    with demo_clock(_at(5, 10)):
        builders.report()
    staff_days_rebuild()
    staff_login(client, staff)
    page = client.get("/staff/").content.decode()
    assert "Trends over the last 90 days" in page
    assert "Reports, disputes and chargebacks per day, last 90 days" in page
    assert page.count('class="chart-svg"') == 3  # listings, reports…, the queue's age
    assert "Staff have not acted on any report or held listing in the last 90 days." in page
    csv = client.get("/staff/trends/incoming.csv")
    assert csv.status_code == 200
    lines = csv.content.decode().splitlines()
    assert lines[0] == "Day,Reports,Disputes,Chargebacks"
    assert len(lines) == 91
    assert lines[-6].endswith(",1,0,0")  # five days ago: one report
    listings = client.get("/staff/trends/listings.csv").content.decode().splitlines()
    assert listings[0] == "Day,New listings" and listings[-6].endswith(",1")
    assert client.get("/staff/trends/nothing.csv").status_code == 404


def test_empty_trends_say_so_in_sentences(client):
    staff_login(client, builders.moderator())
    page = client.get("/staff/").content.decode()
    assert "No listing was created in the last 90 days." in page
    assert "No reports, disputes or chargebacks in the last 90 days." in page
    assert "Nothing waited in the review queue in the last 90 days." in page


def test_people_who_are_not_moderators_do_not_see_the_trends(client):
    assert client.get("/staff/trends/incoming.csv")["Location"].startswith("/accounts/login/")
    client.force_login(UserFactory())
    assert client.get("/staff/").status_code == 403
    assert client.get("/staff/trends/incoming.csv").status_code == 403
    assert client.get("/staff/trends/queue-age.csv").status_code == 403


@pytest.mark.parametrize("url", ["/staff/", "/staff/trends/first-action.csv"])
def test_the_dashboard_costs_the_same_queries_with_one_or_ninety_days(client, url):
    staff_login(client, builders.moderator())
    counts = []
    for days in (1, 90):
        StaffDay.objects.all().delete()
        today = home_today()
        StaffDay.objects.bulk_create(
            StaffDay(day=today - datetime.timedelta(days=offset), new_listings=2, reports=1,
                     first_action_seconds_median=3600, queue_oldest_seconds=7200)
            for offset in range(days))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
