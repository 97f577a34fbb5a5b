"""The answer pages, the flag list and the transparency report read in plain words."""

import pytest
from django.test import Client

from brands.services import notice_decide
from brands.services.counter_notices import counter_notices_restore_due
from brands.services.filing import owner_filing_suspend
from tests.brands.answers_support import ANSWER, api, notice_make, owner_make
from tests.builders import moderator
from tests.factories import ListingFactory, ShopFactory
from tests.plain_words import raw_codes
from tests.staff import staff_login

pytestmark = pytest.mark.django_db


def test_answer_pages_show_no_raw_code(clock):
    staff = moderator()
    owner = owner_make()
    shop = ShopFactory()
    notices = {name: notice_make(owner, [ListingFactory(shop=shop)]) for name in
               ("answered", "action", "restored", "upheld", "reversed", "late")}
    for name in ("answered", "action", "restored"):
        api(shop.owner).post(f"/api/v1/brand/notices/{notices[name].pk}/counter-notice", ANSWER,
                             format="json")
    api(owner.applicant).post(f"/api/v1/brand/notices/{notices['action'].pk}/court-action")
    notice_decide(notice_id=notices["upheld"].pk, actor=staff, decision="uphold", note="Fake.")
    notice_decide(notice_id=notices["reversed"].pk, actor=staff, decision="reverse", note="Ok.")
    for _ in range(5):
        notice_decide(notice_id=notice_make(owner).pk, actor=staff, decision="reverse",
                      note="Genuine goods.")
    flagged_suspended = owner_make(name="Second Brand")
    for _ in range(5):
        notice_decide(notice_id=notice_make(flagged_suspended).pk, actor=staff,
                      decision="reverse", note="Genuine goods.")
    owner_filing_suspend(owner_id=flagged_suspended.pk, actor=staff, note="Too many mistakes.")
    clock.move(days=15)
    counter_notices_restore_due()

    seller, owner_client = Client(), Client()
    seller.force_login(shop.owner)
    owner_client.force_login(owner.applicant)
    staff_client = staff_login(Client(), staff)
    pages = [(seller, f"/sell/notices/{notice.pk}/answer/") for notice in notices.values()]
    pages += [(seller, f"/sell/notices/{notice.pk}/") for notice in notices.values()]
    pages += [(owner_client, f"/brands/notices/{notice.pk}/court-action/")
              for notice in notices.values()]
    pages += [(owner_client, f"/brands/notices/{notice.pk}/") for notice in notices.values()]
    pages += [(staff_client, "/staff/brands/flags/"), (staff_client, "/staff/brands/notices/"),
              (Client(), "/transparency/"), (staff_client, "/staff/audit/")]
    problems = {}
    for client, path in pages:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        found = raw_codes(response.content.decode())
        if found:
            problems[path] = found
    assert problems == {}
