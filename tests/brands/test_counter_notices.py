"""The seller's counter-notice, the owner's court action and the job that restores listings."""

from datetime import timedelta

import pytest
from django.utils import timezone

from brands.deadlines import business_days_after
from brands.models import CounterNotice, Notice
from brands.services.counter_notices import RESTORE_JOB, counter_notices_restore_due
from jobs.models import JobFailure
from moderation.models import AuditLog
from notifications.models import Notification
from sellers.models import Listing
from tests.brands.answers_support import ANSWER, api, notice_make, owner_make
from tests.builders import moderator
from tests.factories import ListingFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(notice, tail="counter-notice"):
    return f"/api/v1/brand/notices/{notice.pk}/{tail}"


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("id")
                .values_list("kind", flat=True))


@pytest.fixture
def case():
    owner = owner_make()
    shop = ShopFactory(name="Hilltop Knits")
    listing = ListingFactory(shop=shop, title="Acme quilt")
    notice = notice_make(owner, [listing])
    return owner, shop, listing, notice


def test_business_days_skip_the_weekend():
    from datetime import UTC, datetime
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert business_days_after(friday, 1) == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    assert business_days_after(friday, 10) == datetime(2026, 12, 11, 15, 0, tzinfo=UTC)
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert business_days_after(saturday, 1) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_counter_notice_then_ten_business_days_later_the_job_restores_the_listing(case, clock):
    owner, shop, listing, notice = case
    response = api(shop.owner).post(_url(notice), ANSWER, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    answer = CounterNotice.objects.get(notice=notice)
    assert body["signature_name"] == "Sam Seller" and body["consents_to_jurisdiction"] is True
    assert answer.action_due_at == business_days_after(answer.signed_at, 10)
    assert "counter_notice_received" in _kinds(owner.applicant)

    clock.move(seconds=(answer.action_due_at - timezone.now()).total_seconds() - 60)
    assert counter_notices_restore_due() == 0  # a minute early: nothing yet
    listing.refresh_from_db()
    assert listing.status == Listing.Status.TAKEN_DOWN

    clock.move(minutes=2)
    assert counter_notices_restore_due() == 1
    listing.refresh_from_db()
    notice.refresh_from_db()
    assert listing.status == Listing.Status.ACTIVE
    assert notice.status == Notice.Status.RESTORED
    assert notice.items.get().restored_at is not None
    audit = AuditLog.objects.get(action=AuditLog.Action.NOTICE_RESTORED)
    assert audit.actor is None and audit.object_id == str(notice.pk)
    assert audit.status_before == "open" and audit.status_after == "restored"
    assert f"#{listing.pk}" in audit.reason
    assert "notice_listings_restored" in _kinds(owner.applicant)
    assert "notice_listings_restored" in _kinds(shop.owner)
    assert not JobFailure.objects.filter(job=RESTORE_JOB).exists()
    # a second run finds nothing and changes nothing
    assert counter_notices_restore_due() == 0
    assert AuditLog.objects.filter(action=AuditLog.Action.NOTICE_RESTORED).count() == 1


def test_owner_reports_a_court_action_and_the_listing_stays_down(case, clock):
    owner, shop, listing, notice = case
    assert api(shop.owner).post(_url(notice), ANSWER, format="json").status_code == 201
    clock.move(days=3)
    response = api(owner.applicant).post(_url(notice, "court-action"))
    assert response.status_code == 200, response.content
    assert response.json()["action_filed_at"] is not None
    assert "notice_action_reported" in _kinds(shop.owner)
    again = api(owner.applicant).post(_url(notice, "court-action"))
    assert again.status_code == 409
    clock.move(days=30)
    assert counter_notices_restore_due() == 0
    listing.refresh_from_db()
    notice.refresh_from_db()
    assert listing.status == Listing.Status.TAKEN_DOWN
    assert notice.status == Notice.Status.OPEN


def test_court_action_after_the_deadline_is_409_and_the_job_restores(case, clock):
    owner, shop, listing, notice = case
    api(shop.owner).post(_url(notice), ANSWER, format="json")
    clock.move(days=15)
    response = api(owner.applicant).post(_url(notice, "court-action"))
    assert response.status_code == 409
    assert "ended on" in response.json()["detail"]
    assert counter_notices_restore_due() == 1


def test_a_second_counter_notice_is_409_and_changes_nothing(case):
    owner, shop, listing, notice = case
    assert api(shop.owner).post(_url(notice), ANSWER, format="json").status_code == 201
    second = api(shop.owner).post(_url(notice), {**ANSWER, "statement": "Again."}, format="json")
    assert second.status_code == 409
    assert "already answered" in second.json()["detail"]
    assert CounterNotice.objects.get(notice=notice).statement == ANSWER["statement"]
    assert _kinds(owner.applicant).count("counter_notice_received") == 1


def test_a_counter_notice_after_14_days_is_409_with_the_date(case, clock):
    owner, shop, listing, notice = case
    taken_down = notice.items.get().taken_down_at
    clock.move(days=14, minutes=1)
    response = api(shop.owner).post(_url(notice), ANSWER, format="json")
    assert response.status_code == 409
    deadline = timezone.localtime(taken_down + timedelta(days=14))
    assert deadline.strftime("%B ") + str(deadline.day) in response.json()["detail"]
    assert not CounterNotice.objects.exists()


def test_on_the_last_day_a_counter_notice_is_accepted(case, clock):
    owner, shop, listing, notice = case
    clock.move(days=13, hours=23)
    assert api(shop.owner).post(_url(notice), ANSWER, format="json").status_code == 201


@pytest.mark.parametrize("change, field", [
    ({"statement": "  "}, "statement"),
    ({"consents_to_jurisdiction": False}, "consents_to_jurisdiction"),
    ({"signature_name": ""}, "signature_name"),
    ({"statement": "x" * 4001}, "statement"),
])
def test_bad_answers_are_400_and_nothing_is_saved(case, change, field):
    owner, shop, listing, notice = case
    response = api(shop.owner).post(_url(notice), {**ANSWER, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not CounterNotice.objects.exists()
    assert "counter_notice_received" not in _kinds(owner.applicant)


def test_another_shop_or_a_stranger_cannot_answer_or_see_the_notice(case, client):
    owner, shop, listing, notice = case
    other_shop = ShopFactory()
    for user in (other_shop.owner, UserFactory(), owner.applicant):
        assert api(user).post(_url(notice), ANSWER, format="json").status_code == 404
    client.force_login(other_shop.owner)
    assert client.get(f"/sell/notices/{notice.pk}/answer/").status_code == 404
    assert api(shop.owner).post("/api/v1/brand/notices/999999/counter-notice", ANSWER,
                                format="json").status_code == 404
    assert not CounterNotice.objects.exists()


def test_only_the_owners_people_report_a_court_action(case):
    owner, shop, listing, notice = case
    api(shop.owner).post(_url(notice), ANSWER, format="json")
    for user in (shop.owner, UserFactory(), owner_make(name="Other Brand").applicant):
        assert api(user).post(_url(notice, "court-action")).status_code == 404
    assert CounterNotice.objects.get().action_filed_at is None


def test_court_action_without_an_answer_is_409(case):
    owner, shop, listing, notice = case
    response = api(owner.applicant).post(_url(notice, "court-action"))
    assert response.status_code == 409


def test_staff_may_decide_earlier_either_way(case):
    from brands.services import notice_decide

    owner, shop, listing, notice = case
    api(shop.owner).post(_url(notice), ANSWER, format="json")
    staff = moderator()
    notice_decide(notice_id=notice.pk, actor=staff, decision="reverse",
                  note="The seller's receipts show genuine goods.")
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ACTIVE
    assert counter_notices_restore_due() == 0  # decided: the job leaves it alone


def test_a_counter_notice_on_a_decided_notice_is_409(case):
    from brands.services import notice_decide

    owner, shop, listing, notice = case
    notice_decide(notice_id=notice.pk, actor=moderator(), decision="uphold", note="Clear copy.")
    response = api(shop.owner).post(_url(notice), ANSWER, format="json")
    assert response.status_code == 409


def test_the_counter_notice_page_files_one_answer(case, client):
    owner, shop, listing, notice = case
    client.force_login(shop.owner)
    page = client.get(f"/sell/notices/{notice.pk}/answer/")
    assert page.status_code == 200
    assert b"Send counter-notice" in page.content
    form = {**ANSWER, "consents_to_jurisdiction": "on"}
    missing = client.post(f"/sell/notices/{notice.pk}/answer/", {**form, "signature_name": ""})
    assert missing.status_code == 400 and not CounterNotice.objects.exists()
    done = client.post(f"/sell/notices/{notice.pk}/answer/", form, follow=True)
    assert done.status_code == 200
    assert b"Your counter-notice" in done.content
    assert CounterNotice.objects.get().signature_name == "Sam Seller"


def test_the_court_action_page(case, client):
    owner, shop, listing, notice = case
    api(shop.owner).post(_url(notice), ANSWER, format="json")
    client.force_login(owner.applicant)
    page = client.get(f"/brands/notices/{notice.pk}/court-action/")
    assert page.status_code == 200 and b"We have filed a court action" in page.content
    client.post(f"/brands/notices/{notice.pk}/court-action/")
    assert CounterNotice.objects.get().action_filed_at is not None
    client.force_login(shop.owner)
    assert client.get(f"/brands/notices/{notice.pk}/court-action/").status_code == 404


def test_one_failing_notice_does_not_stop_the_job(case, clock, monkeypatch):
    from brands.services import counter_notices

    owner, shop, listing, notice = case
    second = notice_make(owner)
    for one in (notice, second):
        seller = one.items.get().shop.owner
        assert api(seller).post(_url(one), ANSWER, format="json").status_code == 201
    clock.move(days=20)
    real = counter_notices.notice_listings_restore

    def broken(*, notice, now):
        if notice.pk == second.pk:
            raise RuntimeError("boom")
        return real(notice=notice, now=now)

    monkeypatch.setattr(counter_notices, "notice_listings_restore", broken)
    assert counter_notices_restore_due() == 1
    assert JobFailure.objects.get(job=RESTORE_JOB).item == f"notice:{second.pk}"
    second.refresh_from_db()
    assert second.status == Notice.Status.OPEN  # rolled back whole
    monkeypatch.setattr(counter_notices, "notice_listings_restore", real)
    assert counter_notices_restore_due() == 1
    assert not JobFailure.objects.filter(job=RESTORE_JOB, resolved_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_make_one_counter_notice():
    from tests.support import run_together

    owner = owner_make()
    shop = ShopFactory()
    notice = notice_make(owner, [ListingFactory(shop=shop)])
    statuses = run_together(2, lambda index: api(shop.owner).post(
        _url(notice), {**ANSWER, "statement": f"Answer {index}"}, format="json").status_code)
    assert sorted(statuses) == [201, 409]
    assert CounterNotice.objects.filter(notice=notice).count() == 1
    assert Notification.objects.filter(recipient=owner.applicant,
                                       kind="counter_notice_received").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_court_action_and_the_job_at_once_never_both_win(clock):
    from tests.support import run_together

    owner = owner_make()
    shop = ShopFactory()
    listing = ListingFactory(shop=shop)
    notice = notice_make(owner, [listing])
    api(shop.owner).post(_url(notice), ANSWER, format="json")
    answer = CounterNotice.objects.get(notice=notice)
    clock.move(seconds=(answer.action_due_at - timezone.now()).total_seconds() + 1)
    # at the deadline exactly: the report is late, the job restores; never both
    results = run_together(2, lambda index: (
        api(owner.applicant).post(_url(notice, "court-action")).status_code if index == 0
        else counter_notices_restore_due()))
    answer.refresh_from_db()
    listing.refresh_from_db()
    assert results == [409, 1]
    assert answer.action_filed_at is None and listing.status == Listing.Status.ACTIVE


def test_staff_read_the_answer_on_the_notice_page(case, client):
    from tests.staff import staff_login

    owner, shop, listing, notice = case
    api(shop.owner).post(_url(notice), ANSWER, format="json")
    staff_login(client, moderator())
    page = client.get(f"/staff/brands/notices/{notice.pk}/").content.decode()
    assert "The seller's counter-notice" in page and ANSWER["statement"] in page
    assert "go back on sale automatically" in page
