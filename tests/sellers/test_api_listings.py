import pytest
from django.utils import timezone

from sellers.models import Listing, ScreeningTerm, Shop
from sellers.services import NEW_SHOP_REVIEW_REASON
from tests.factories import CategoryFactory, ListingFactory, ShopFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


def body(**overrides):
    data = {"title": "Raw Wildflower Honey", "description": "One pound.\nRaw.",
            "category": "honey", "price_cents": 1250, "stock": 4, "shipping_cents": 600,
            "local_pickup": True}
    data.update(overrides)
    return data


def approved(shop, count=3):
    return ListingFactory.create_batch(count, shop=shop, approved_at=timezone.now())


def test_new_shop_listing_waits_for_review_with_the_reason(seller, category):
    response = client_for(seller).post("/api/v1/listings/", body(), format="json")
    assert response.status_code == 201
    listing = Listing.objects.get(title="Raw Wildflower Honey")
    assert response.json() == {"id": listing.id, "status": "pending_review",
                               "review_reason": NEW_SHOP_REVIEW_REASON}
    assert (listing.shop, listing.category, listing.price_cents, listing.currency,
            listing.stock, listing.shipping_cents, listing.local_pickup) == (
        seller.shop, category, 1250, "USD", 4, 600, True)
    assert listing.description == "One pound.\nRaw." and listing.approved_at is None


def test_fourth_listing_of_a_shop_with_three_approved_goes_active(seller, category):
    approved(seller.shop)
    response = client_for(seller).post("/api/v1/listings/", body(), format="json")
    assert response.json()["status"] == "active"
    listing = Listing.objects.get(pk=response.json()["id"])
    assert listing.approved_at is not None and listing.review_reason == ""


def test_watched_brand_in_title_goes_to_review_even_for_an_established_shop(seller, category):
    approved(seller.shop)
    ScreeningTerm.objects.create(kind="watched_brand", term="Rolex")
    response = client_for(seller).post(
        "/api/v1/listings/", body(title="Vintage ROLEX watch"), format="json")
    assert response.json()["status"] == "pending_review"
    assert "Rolex" in response.json()["review_reason"]


def test_buyer_without_shop_gets_403_and_nothing_written(category):
    response = client_for(UserFactory()).post("/api/v1/listings/", body(), format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "You have no shop yet. Open a shop to sell here."}
    assert Listing.objects.count() == 0


def test_suspended_shop_gets_403_on_create(category):
    shop = ShopFactory(status=Shop.Status.SUSPENDED)
    response = client_for(shop.owner).post("/api/v1/listings/", body(), format="json")
    assert response.status_code == 403
    assert Listing.objects.count() == 0


def test_anonymous_create_is_401(api_client, category):
    assert api_client.post("/api/v1/listings/", body(), format="json").status_code == 401


@pytest.mark.parametrize("overrides, field", [
    ({"price_cents": 0}, "price_cents"),
    ({"price_cents": -100}, "price_cents"),
    ({"price_cents": 12.5}, "price_cents"),
    ({"price_cents": 12.0}, "price_cents"),
    ({"price_cents": "12.50"}, "price_cents"),
    ({"price_cents": True}, "price_cents"),
    ({"price_cents": 10_000_001}, "price_cents"),
    ({"stock": -1}, "stock"),
    ({"shipping_cents": -1}, "shipping_cents"),
    ({"title": "x" * 10_000}, "title"),
    ({"title": "   "}, "title"),
    ({"description": "x" * 5001}, "description"),
    ({"category": "no-such-category"}, "category"),
])
def test_bad_listing_input_is_400_with_field_errors_and_nothing_written(
    seller, category, overrides, field
):
    response = client_for(seller).post("/api/v1/listings/", body(**overrides), format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()) == [field]
    assert Listing.objects.count() == 0


def test_missing_category_is_400(seller, category):
    data = body()
    del data["category"]
    response = client_for(seller).post("/api/v1/listings/", data, format="json")
    assert response.status_code == 400
    assert response.json() == {"category": ["This field is required."]}
    assert Listing.objects.count() == 0


def test_highest_price_is_accepted(seller, category):
    response = client_for(seller).post("/api/v1/listings/", body(price_cents=10_000_000),
                                       format="json")
    assert response.status_code == 201


def test_public_detail_shape(api_client):
    listing = ListingFactory(title="Quilt", price_cents=48000, stock=2)
    response = api_client.get(f"/api/v1/listings/{listing.id}")
    assert response.status_code == 200
    data = response.json()
    shop = listing.shop
    assert data == {
        "id": listing.id, "title": "Quilt", "price_cents": 48000, "currency": "USD",
        "shop": {"slug": shop.slug, "name": shop.name},
        "village": {"slug": shop.village.slug, "name": shop.village.name, "state": "NY"},
        "thumbnail_url": None, "stock": 2, "rating_avg": None, "created": data["created"],
        "description": "Raw honey from our own hives.", "category": listing.category.slug,
        "images": [], "shipping_cents": 500, "local_pickup": False, "status": "active",
        "review_reason": "", "preorder": None,
    }


@pytest.mark.parametrize("status", ["pending_review", "rejected", "taken_down", "archived"])
def test_non_active_listing_is_404_to_others_but_visible_to_owner(api_client, status):
    listing = ListingFactory(status=status)
    assert api_client.get(f"/api/v1/listings/{listing.id}").status_code == 404
    assert client_for(UserFactory()).get(f"/api/v1/listings/{listing.id}").status_code == 404
    response = client_for(listing.shop.owner).get(f"/api/v1/listings/{listing.id}")
    assert response.status_code == 200 and response.json()["status"] == status


def test_active_listing_of_suspended_shop_is_404_to_public(api_client):
    listing = ListingFactory(shop=ShopFactory(status=Shop.Status.SUSPENDED))
    assert api_client.get(f"/api/v1/listings/{listing.id}").status_code == 404


def test_another_sellers_listing_patch_delete_are_404_and_change_nothing():
    listing = ListingFactory(title="Mine")
    other = client_for(ShopFactory().owner)
    assert other.patch(f"/api/v1/listings/{listing.id}", {"title": "Theirs"},
                       format="json").status_code == 404
    assert other.delete(f"/api/v1/listings/{listing.id}").status_code == 404
    listing.refresh_from_db()
    assert (listing.title, listing.status) == ("Mine", "active")


def test_anonymous_patch_and_delete_are_401(api_client):
    listing = ListingFactory()
    assert api_client.patch(f"/api/v1/listings/{listing.id}", {"stock": 1},
                            format="json").status_code == 401
    assert api_client.delete(f"/api/v1/listings/{listing.id}").status_code == 401


def test_owner_patch_of_stock_keeps_active_listing_active():
    listing = ListingFactory(stock=3)
    response = client_for(listing.shop.owner).patch(
        f"/api/v1/listings/{listing.id}", {"stock": 0}, format="json")
    assert response.status_code == 200
    assert (response.json()["stock"], response.json()["status"]) == (0, "active")


def test_editing_title_of_active_listing_rescreens_it():
    ScreeningTerm.objects.create(kind="prohibited", term="ivory")
    listing = ListingFactory(title="Carved spoon")
    response = client_for(listing.shop.owner).patch(
        f"/api/v1/listings/{listing.id}", {"title": "Carved ivory spoon"}, format="json")
    assert response.json()["status"] == "pending_review"
    listing.refresh_from_db()
    assert listing.status == "pending_review"
    assert listing.review_reason == "Mentions “ivory”, which may not be sold here."


def test_editing_category_of_active_listing_rescreens_but_clean_stays_active():
    listing = ListingFactory()
    other = CategoryFactory(slug="pottery")
    response = client_for(listing.shop.owner).patch(
        f"/api/v1/listings/{listing.id}", {"category": "pottery"}, format="json")
    assert response.json()["status"] == "active" and response.json()["category"] == "pottery"
    listing.refresh_from_db()
    assert listing.category == other


def test_patch_with_bad_bounds_is_400_and_changes_nothing():
    listing = ListingFactory(stock=3, price_cents=900)
    response = client_for(listing.shop.owner).patch(
        f"/api/v1/listings/{listing.id}", {"stock": -1, "price_cents": 0}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"stock", "price_cents"}
    listing.refresh_from_db()
    assert (listing.stock, listing.price_cents) == (3, 900)


def test_delete_archives_and_hides_the_listing(api_client):
    listing = ListingFactory()
    owner = client_for(listing.shop.owner)
    assert owner.delete(f"/api/v1/listings/{listing.id}").status_code == 204
    listing.refresh_from_db()
    assert listing.status == "archived"
    assert api_client.get(f"/api/v1/listings/{listing.id}").status_code == 404
    assert api_client.get("/api/v1/listings/").json()["count"] == 0
    response = owner.patch(f"/api/v1/listings/{listing.id}", {"stock": 1}, format="json")
    assert response.status_code == 409


def test_list_shows_only_active_listings_of_active_shops_in_api_shape(api_client):
    live = ListingFactory(title="Live", price_cents=700)
    ListingFactory(status="pending_review", shop=live.shop)
    ListingFactory(shop=ShopFactory(status=Shop.Status.SUSPENDED))
    response = api_client.get("/api/v1/listings/")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1
    result = data["results"][0]
    assert set(result) == {"id", "title", "price_cents", "currency", "shop", "village",
                           "thumbnail_url", "stock", "rating_avg", "created", "preorder"}
    assert (result["id"], result["title"], result["price_cents"]) == (live.id, "Live", 700)


def test_list_bad_filter_is_400(api_client):
    response = api_client.get("/api/v1/listings/?state=ZZ")
    assert response.status_code == 400 and "state" in response.json()


def test_shop_listings_endpoint_lists_only_that_shops_active_listings(api_client):
    listing = ListingFactory()
    ListingFactory()
    ListingFactory(shop=listing.shop, status="rejected")
    response = api_client.get(f"/api/v1/shops/{listing.shop.slug}/listings/")
    assert [row["id"] for row in response.json()["results"]] == [listing.id]


def test_editing_a_rejected_listing_sends_it_back_to_review():
    listing = ListingFactory(status="rejected", review_reason="Blurry photo.")
    response = client_for(listing.shop.owner).patch(
        f"/api/v1/listings/{listing.id}", {"description": "Sharper now."}, format="json")
    assert response.json()["status"] == "pending_review"
    assert response.json()["review_reason"] == (
        "Changed after it was declined: waiting for our team again.")


def test_fixing_a_flagged_title_of_an_established_shop_lets_it_go_live(seller, category):
    approved(seller.shop)
    ScreeningTerm.objects.create(kind="watched_brand", term="Yeti", price_floor_cents=2000)
    owner = client_for(seller)
    created = owner.post("/api/v1/listings/", body(title="Yeti mug", price_cents=500),
                         format="json").json()
    assert created["status"] == "pending_review"
    response = owner.patch(f"/api/v1/listings/{created['id']}", {"title": "Enamel camp mug"},
                           format="json")
    assert (response.json()["status"], response.json()["review_reason"]) == ("active", "")
