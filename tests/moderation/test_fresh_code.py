"""Decisions that move money ask for a fresh code: dispute outcomes (page and API) and payouts
marked paid in the admin need a code entered in the last 15 minutes (clock moved)."""


import pytest
from rest_framework.test import APIClient

from moderation.models import AuditLog
from orders.models import Order
from tests.checkout_http import paid_orders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import staff_api_login, staff_code, staff_login, staff_make
from tests.support import dispute_opened_hours_ago

pytestmark = pytest.mark.django_db

VERIFY = "/accounts/second-factor/verify/"


@pytest.fixture
def disputed(localstripe):
    shop = ShopFactory(name="Driftless Bee Farm")
    honey = ListingFactory(shop=shop, price_cents=1200, shipping_cents=650, stock=5)
    buyer_api = APIClient()
    buyer_api.force_authenticate(UserFactory(display_name="Dana Buyer"))
    (order,) = paid_orders(buyer_api, [honey], [1])
    opened = buyer_api.post(f"/api/v1/orders/{order.pk}/dispute",
                            {"reason": "damaged", "details": "Jar arrived cracked."},
                            format="json")
    assert opened.status_code == 200
    dispute_opened_hours_ago(order, 49)  # staff may decide: the seller had 48 hours
    return order


def test_the_dispute_page_asks_for_a_fresh_code_after_15_minutes(client, clock, disputed):
    moderator = staff_make()
    staff_login(client, moderator)
    detail = f"/staff/disputes/{disputed.pk}/"
    clock.move(minutes=14)
    assert client.get(detail).status_code == 200
    clock.move(minutes=2)  # 16 minutes after the code
    asked = client.post(f"{detail}resolve/", {"outcome": "refund", "note": "Broken."},
                        HTTP_REFERER=f"http://testserver{detail}")
    assert asked.status_code == 302 and asked["Location"].startswith(VERIFY)
    assert Order.objects.get(pk=disputed.pk).status == "disputed"
    assert not AuditLog.objects.filter(action="dispute_resolved").exists()
    page = client.get(asked["Location"])
    assert "This decision moves money" in page.content.decode()
    back = client.post(asked["Location"], {"code": staff_code(moderator)})
    assert back.status_code == 302 and back["Location"] == f"http://testserver{detail}"
    step = client.post(f"{detail}resolve/", {"outcome": "refund", "note": "Broken."})
    assert step.status_code == 200 and "Confirm" in step.content.decode()  # who gets how much
    done = client.post(f"{detail}resolve/",
                       {"outcome": "refund", "note": "Broken.", "confirmed": "yes"})
    assert done.status_code == 302
    assert Order.objects.get(pk=disputed.pk).status == "refunded"
    assert AuditLog.objects.filter(action="dispute_resolved").count() == 1


def test_the_dispute_api_asks_for_a_fresh_code_after_15_minutes(api_client, clock, disputed):
    moderator = staff_make()
    staff_api_login(api_client, moderator)
    url = f"/api/v1/moderation/disputes/{disputed.pk}/resolve"
    clock.move(minutes=16)
    assert api_client.get(f"/api/v1/moderation/disputes/{disputed.pk}").status_code == 200
    asked = api_client.post(url, {"outcome": "refund"}, format="json")
    assert asked.status_code == 403
    assert "POST /api/v1/auth/staff-code" in asked.json()["detail"]
    assert Order.objects.get(pk=disputed.pk).status == "disputed"
    wrong = api_client.post("/api/v1/auth/staff-code", {"code": "000000"}, format="json")
    assert wrong.status_code == 400
    fresh = api_client.post("/api/v1/auth/staff-code", {"code": staff_code(moderator)},
                            format="json")
    assert fresh.status_code == 200, fresh.content
    done = api_client.post(url, {"outcome": "refund"}, format="json")
    assert done.status_code == 200, done.content
    assert Order.objects.get(pk=disputed.pk).status == "refunded"


def test_marking_a_payout_paid_asks_for_a_fresh_code_after_15_minutes(client, clock):
    boss = UserFactory(is_staff=True, is_superuser=True)
    staff_login(client, boss)
    url = "/admin/payments/payout/987654/mark-paid/"
    assert client.get(url).status_code == 404  # a fresh code: the page itself answers
    clock.move(minutes=16)
    asked = client.post(url, {"bank_reference": "WIRE-1"})
    assert asked.status_code == 302 and asked["Location"].startswith(VERIFY)
    assert client.get("/admin/payments/payout/").status_code == 200  # reading needs no code
    client.post(VERIFY, {"code": staff_code(boss)})
    assert client.post(url, {"bank_reference": "WIRE-1"}).status_code == 404
