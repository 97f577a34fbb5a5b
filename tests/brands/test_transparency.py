"""The transparency report: counts per month that match the events, no names, fixed cost."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from brands.models import CounterNotice, Notice, NoticeListing
from brands.services import notice_decide
from brands.services.counter_notices import counter_notices_restore_due
from brands.transparency import month_starts
from moderation.models import AuditLog, Report
from moderation.services.listings import report_resolve
from tests.brands.answers_support import ANSWER, api, notice_make, owner_make
from tests.builders import moderator, report
from tests.factories import ListingFactory, ShopFactory

pytestmark = pytest.mark.django_db


def _month(rows, start) -> dict:
    (row,) = [row for row in rows if row["month"] == start.strftime("%Y-%m")]
    return row


def _shift(notice: Notice, *, days: int) -> None:
    """Move a notice and all that followed it `days` back in time (as if filed then)."""
    back = timedelta(days=days)
    Notice.objects.filter(pk=notice.pk).update(created=notice.created - back,
                                               sworn_at=notice.sworn_at - back)
    for item in NoticeListing.objects.filter(notice=notice):
        NoticeListing.objects.filter(pk=item.pk).update(
            taken_down_at=item.taken_down_at - back,
            restored_at=item.restored_at - back if item.restored_at else None)
    for answer in CounterNotice.objects.filter(notice=notice):
        CounterNotice.objects.filter(pk=answer.pk).update(created=answer.created - back)


def test_the_figures_match_the_events(clock):
    this_month, last_month = month_starts(months=2)[::-1]
    staff = moderator()
    owner = owner_make()
    # this month: one notice with two listings, answered, restored by the job
    shop = ShopFactory()
    answered = notice_make(owner, [ListingFactory(shop=shop), ListingFactory(shop=shop)])
    assert api(shop.owner).post(f"/api/v1/brand/notices/{answered.pk}/counter-notice", ANSWER,
                                format="json").status_code == 201
    # and three upheld notices against one shop: suspended for repeat infringement
    repeat = ShopFactory()
    for _ in range(3):
        notice = notice_make(owner, shop=repeat)
        notice_decide(notice_id=notice.pk, actor=staff, decision="uphold", note="Fake.")
    # buyers' reports: two received, one taken down, one dismissed
    first = report(reason=Report.Reason.COUNTERFEIT)
    second = report()
    report_resolve(report_id=first.pk, actor=staff, action="take_down", note="Fake label.")
    report_resolve(report_id=second.pk, actor=staff, action="dismiss", note="Fine.")
    # last month: one notice, no answer
    old = notice_make(owner)
    _shift(old, days=(timezone.now().date() - last_month).days)

    clock.move(days=16)  # the answered notice's owner reported nothing: the job restores
    assert counter_notices_restore_due() == 1
    clock.move(days=-16)
    # keep the restoration in this month for the count (the job ran "now")
    NoticeListing.objects.filter(notice=answered).update(restored_at=timezone.now())

    response = api(owner.applicant).get("/api/v1/transparency")
    assert response.status_code == 200
    rows = response.json()["months"]
    assert len(rows) == 12 and rows[-1]["month"] == this_month.strftime("%Y-%m")
    now_row = _month(rows, this_month)
    assert now_row == {
        "month": this_month.strftime("%Y-%m"), "notices_received": 4,
        "listings_taken_down": 5, "counter_notices": 1, "listings_restored": 2,
        "shops_suspended": 1, "median_seconds_to_takedown": 0,
        "reports_received": 2, "reports_actioned": 1, "reports_dismissed": 1,
    }
    old_row = _month(rows, last_month)
    assert (old_row["notices_received"], old_row["listings_taken_down"],
            old_row["counter_notices"], old_row["listings_restored"]) == (1, 1, 0, 0)
    assert AuditLog.objects.filter(action=AuditLog.Action.SHOP_SUSPENDED).count() == 1


def test_the_median_time_to_takedown():
    owner = owner_make()
    delays = [60, 600, 3600]
    for seconds in delays:
        notice = notice_make(owner)
        Notice.objects.filter(pk=notice.pk).update(
            created=notice.items.get().taken_down_at - timedelta(seconds=seconds))
    rows = api(owner.applicant).get("/api/v1/transparency?months=1").json()["months"]
    assert rows[0]["median_seconds_to_takedown"] == 600


def test_the_page_shows_the_chart_and_the_numbers_without_names(client):
    owner = owner_make(name="Secret Brand Holdings")
    shop = ShopFactory(name="Hidden Hollow Crafts")
    notice_make(owner, [ListingFactory(shop=shop, title="Very Particular Quilt")])
    page = client.get("/transparency/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "Show the numbers" in html and "<script" not in html.split(
        "<main")[1].split("</main>")[0]
    assert "Rights notices received per month" in html
    for name in ("Secret Brand Holdings", "Hidden Hollow Crafts", "Very Particular Quilt",
                 owner.applicant.email, shop.owner.email):
        assert name not in html
    api_text = client.get("/api/v1/transparency").content.decode()
    for name in ("Secret Brand Holdings", "Hidden Hollow Crafts", "Very Particular Quilt"):
        assert name not in api_text
    csv = client.get("/transparency/numbers.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "Notices received" in csv.content.decode()


def test_the_footer_links_to_the_report(client):
    assert b'href="/transparency/"' in client.get("/").content


@pytest.mark.parametrize("months", ["0", "37", "x", "-1"])
def test_bad_months_are_400(client, months):
    assert client.get(f"/api/v1/transparency?months={months}").status_code == 400


@pytest.mark.parametrize("months_of_data", [1, 12])
def test_the_report_costs_the_same_queries_for_1_and_12_months_of_data(
        client, months_of_data, django_assert_num_queries):
    owner = owner_make()
    starts = month_starts(months=months_of_data)
    for start in starts:
        notice = notice_make(owner)
        days = (timezone.now().date() - start).days
        if days:
            _shift(notice, days=days)
        report()
    with django_assert_num_queries(7):
        rows = client.get("/api/v1/transparency").json()["months"]
    assert sum(row["notices_received"] for row in rows) == months_of_data
    with django_assert_num_queries(7):
        assert client.get("/transparency/").status_code == 200


def test_month_starts_cross_the_year():
    now = datetime(2026, 2, 10, tzinfo=UTC)
    assert [start.isoformat() for start in month_starts(months=3, now=now)] == [
        "2025-12-01", "2026-01-01", "2026-02-01"]
