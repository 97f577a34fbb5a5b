import threading

import pytest
from django.db import connection

from sellers.models import Shop, Village
from tests.factories import ShopFactory, UserFactory, VillageFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Driftless Bee Farm",
    "description": "Raw honey.\nFrom the bluffs.",
    "village": {"name": "Decorah", "county": "Winneshiek", "state": "ia"},
}


def test_open_shop_creates_village_and_pending_shop():
    user = UserFactory()
    response = client_for(user).post("/api/v1/shops/", BODY, format="json")
    assert response.status_code == 201
    assert response.json() == {
        "slug": "driftless-bee-farm", "name": "Driftless Bee Farm",
        "status": "pending_verification",
    }
    shop = Shop.objects.get(owner=user)
    assert shop.description == "Raw honey.\nFrom the bluffs."
    assert (shop.village.name, shop.village.county, shop.village.state, shop.village.slug) == (
        "Decorah", "Winneshiek", "IA", "decorah-ia")


def test_village_is_found_by_name_and_state_ignoring_case():
    village = VillageFactory(name="Decorah", state="IA", slug="decorah-ia")
    body = {**BODY, "village": {"name": "  DECORAH ", "state": "IA"}}
    response = client_for(UserFactory()).post("/api/v1/shops/", body, format="json")
    assert response.status_code == 201
    assert Shop.objects.get(slug="driftless-bee-farm").village == village
    assert Village.objects.count() == 1


def test_same_town_name_in_another_state_is_another_village():
    VillageFactory(name="Decorah", state="IA", slug="decorah-ia")
    body = {**BODY, "village": {"name": "Decorah", "state": "WI"}}
    assert client_for(UserFactory()).post("/api/v1/shops/", body, format="json").status_code == 201
    assert sorted(Village.objects.values_list("slug", flat=True)) == ["decorah-ia", "decorah-wi"]


def test_second_shop_for_the_same_user_is_409_and_nothing_changes():
    shop = ShopFactory(name="First")
    response = client_for(shop.owner).post("/api/v1/shops/", BODY, format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "You already have a shop. Each account can run one shop."}
    assert list(Shop.objects.values_list("name", flat=True)) == ["First"]
    assert not Village.objects.filter(name="Decorah").exists()


def test_same_shop_name_gets_a_distinct_slug():
    ShopFactory(name="Driftless Bee Farm", slug="driftless-bee-farm")
    response = client_for(UserFactory()).post("/api/v1/shops/", BODY, format="json")
    assert response.json()["slug"] == "driftless-bee-farm-2"


@pytest.mark.parametrize("body, field", [
    ({**BODY, "village": {"name": "Decorah", "state": "ZZ"}}, "village"),
    ({**BODY, "village": {"name": "", "state": "IA"}}, "village"),
    ({**BODY, "name": ""}, "name"),
    ({**BODY, "name": "x" * 81}, "name"),
    ({**BODY, "description": "x" * 4001}, "description"),
    ({"name": "No village"}, "village"),
])
def test_bad_shop_input_is_400_with_field_errors_and_nothing_written(body, field):
    response = client_for(UserFactory()).post("/api/v1/shops/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Shop.objects.count() == 0 and Village.objects.count() == 0


def test_anonymous_cannot_open_a_shop(api_client):
    assert api_client.post("/api/v1/shops/", BODY, format="json").status_code == 401
    assert Shop.objects.count() == 0


def test_public_shop_shape(api_client):
    shop = ShopFactory(name="Hilltop", slug="hilltop", description="Eggs.")
    response = api_client.get("/api/v1/shops/hilltop")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "slug": "hilltop", "name": "Hilltop", "description": "Eggs.",
        "village": {"slug": shop.village.slug, "name": shop.village.name, "county": "Dutchess",
                    "state": "NY"},
        "status": "active", "status_reason": "", "rating_avg": None, "rating_count": 0,
        "listing_count": 0, "joined": body["joined"],
    }
    assert body["joined"].startswith(shop.created.date().isoformat())


@pytest.mark.parametrize("status", [Shop.Status.PENDING_VERIFICATION, Shop.Status.SUSPENDED])
def test_inactive_shop_is_404_to_others_but_visible_to_its_owner(api_client, status):
    shop = ShopFactory(slug="quiet", status=status)
    assert api_client.get("/api/v1/shops/quiet").status_code == 404
    assert client_for(UserFactory()).get("/api/v1/shops/quiet").status_code == 404
    assert api_client.get("/api/v1/shops/quiet/listings/").status_code == 404
    response = client_for(shop.owner).get("/api/v1/shops/quiet")
    assert response.status_code == 200 and response.json()["status"] == status


def test_owner_patches_own_shop_others_get_404():
    shop = ShopFactory(slug="hilltop", name="Hilltop")
    response = client_for(shop.owner).patch(
        "/api/v1/shops/hilltop",
        {"name": "Hilltop Orchard", "village": {"name": "Berea", "state": "KY"}}, format="json",
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Hilltop Orchard"
    assert response.json()["village"]["state"] == "KY"
    response = client_for(UserFactory()).patch("/api/v1/shops/hilltop", {"name": "Mine"},
                                                format="json")
    assert response.status_code == 404
    shop.refresh_from_db()
    assert (shop.name, shop.slug, shop.village.name) == ("Hilltop Orchard", "hilltop", "Berea")


def test_patch_shop_anonymous_is_401(api_client):
    ShopFactory(slug="hilltop")
    response = api_client.patch("/api/v1/shops/hilltop", {"name": "X"}, format="json")
    assert response.status_code == 401


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_shop_openings_by_one_user_make_one_shop_and_one_409():
    user = UserFactory()
    barrier = threading.Barrier(2)
    codes = []

    clients = {name: client_for(user) for name in ("Shop 1", "Shop 2")}

    def open_shop(name):
        try:
            client = clients[name]
            barrier.wait(timeout=10)
            response = client.post("/api/v1/shops/", {**BODY, "name": name}, format="json")
            codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_shop, args=(f"Shop {n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(codes) == [201, 409]
    assert Shop.objects.filter(owner=user).count() == 1
    assert Village.objects.filter(name="Decorah").count() == 1
