import pytest

from tests import builders
from tests.factories import ListingFactory, ShopFactory, VillageFactory

pytestmark = pytest.mark.django_db


def test_completed_orders_count_in_their_villages_impact(api_client, buyer):
    village = VillageFactory(name="Kalona", slug="kalona-ia", state="IA")
    honey = ListingFactory(shop=ShopFactory(village=village), price_cents=2000,
                           shipping_cents=500, stock=9)
    elsewhere = ListingFactory(price_cents=1000, shipping_cents=0, stock=9)
    done, still_paid = builders.paid_checkout_orders(buyer=buyer,
                                                     lines=[(honey, 1), (elsewhere, 1)])
    api_client.force_authenticate(honey.shop.owner)
    api_client.post(f"/api/v1/orders/{done.pk}/ship",
                    {"carrier": "USPS", "tracking_number": "1"}, format="json")
    api_client.force_authenticate(buyer)
    assert api_client.post(f"/api/v1/orders/{done.pk}/confirm-receipt").status_code == 200

    impact = api_client.get("/api/v1/impact").json()
    kalona = next(v for v in impact["villages"] if v["slug"] == "kalona-ia")
    fee = (2500 * 500 + 5000) // 10000
    assert (kalona["orders_completed"], kalona["gmv_cents"], kalona["paid_to_sellers_cents"]) == (
        1, 2500, 2500 - fee)
    assert impact["total"]["orders_completed"] == 1  # the paid, unshipped order is not counted
    assert impact["total"]["gmv_cents"] == 2500
    assert still_paid.status == "paid"
