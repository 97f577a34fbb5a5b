"""Staff see the items periodic jobs could not handle: on /staff/ in plain words, and in the
Django admin as a read-only list."""

from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from jobs.labels import JOB_TITLES
from jobs.models import JobFailure
from jobs.services import JobRun
from marketplace.jobs import PERIODIC_JOBS
from tests.factories import UserFactory
from tests.staff import staff_login, staff_make

pytestmark = pytest.mark.django_db


def fail(job, item, times=1):
    def boom():
        raise RuntimeError("Stripe said no such payment_intent")

    for _ in range(times):
        JobRun(job).item(item, boom)
    return JobFailure.objects.get(job=job, item=item, resolved_at__isnull=True)


def test_every_periodic_job_has_a_title_in_plain_words():
    assert {job.name for job in PERIODIC_JOBS} == set(JOB_TITLES)


def test_the_dashboard_says_when_no_job_has_failed(client):
    staff_login(client, staff_make())
    page = client.get("/staff/").content.decode()
    assert "No periodic job has failed on any item." in page


def test_the_dashboard_lists_open_failures_in_plain_words_and_staff_can_close_one(client):
    moderator = staff_make()
    staff_login(client, moderator)
    failure = fail("checkouts-expire", "checkout:12", times=3)
    fail("payouts-daily", "payout:4")
    closed = fail("orders-money-settle", "order:9")
    JobRun("orders-money-settle").item("order:9", lambda: None)  # went through: off the list

    page = client.get("/staff/").content.decode()
    section = page.split('id="job-failures"')[1]
    assert "Expiring unpaid checkouts" in section and "Checkout #12" in section
    assert "3 times" in section
    assert "Daily payouts to sellers" in section and "Payout #4" in section
    assert "Order #9" not in section
    assert "checkouts-expire" not in section  # never the code name
    # the page shows the staff member's own zone (America/Chicago unless they chose another)
    shown = timezone.localtime(failure.last_seen, ZoneInfo("America/Chicago"))
    assert f'datetime="{shown.isoformat()}"' in section
    closed.refresh_from_db()
    assert closed.resolved_by is None and closed.resolved_at is not None

    response = client.post(f"/staff/jobs/{failure.pk}/close/")
    assert response.status_code == 302
    failure.refresh_from_db()
    assert failure.resolved_by == moderator and failure.resolved_at is not None
    assert "Checkout #12" not in client.get("/staff/").content.decode()
    assert client.post("/staff/jobs/999999/close/").status_code == 404
    assert client.get(f"/staff/jobs/{failure.pk}/close/").status_code == 405


def test_people_without_the_moderation_permission_cannot_see_or_close_failures(client):
    failure = fail("checkouts-expire", "checkout:1")
    assert client.post(f"/staff/jobs/{failure.pk}/close/").status_code == 302  # to log in
    staff_login(client, staff_make(permissions=()))
    assert client.get("/staff/").status_code == 403
    assert client.post(f"/staff/jobs/{failure.pk}/close/").status_code == 403
    client.force_login(UserFactory())  # a buyer
    assert client.post(f"/staff/jobs/{failure.pk}/close/").status_code == 403
    failure.refresh_from_db()
    assert failure.resolved_at is None


def test_the_admin_lists_failures_read_only(client):
    failure = fail("payouts-daily", "payout:4")
    staff_login(client, staff_make(permissions=(), is_superuser=True))
    listing = client.get("/admin/jobs/jobfailure/")
    assert listing.status_code == 200 and "payout:4" in listing.content.decode()
    detail = client.get(f"/admin/jobs/jobfailure/{failure.pk}/change/")
    assert detail.status_code == 200 and 'name="error"' not in detail.content.decode()
    assert client.get("/admin/jobs/jobfailure/add/").status_code == 403
    assert client.post(f"/admin/jobs/jobfailure/{failure.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    assert JobFailure.objects.filter(pk=failure.pk, resolved_at__isnull=True).exists()
