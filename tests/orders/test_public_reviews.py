"""Reviews buyers can read: texts and the seller's replies on the storefront and the listing
page and in the API, newest first, paginated, hidden ones left out, with the count per star."""


import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.services.reviews import review_hide
from tests.factories import ListingFactory, ShopFactory
from tests.support import review_answered, review_written

pytestmark = pytest.mark.django_db


@pytest.fixture
def jar():
    return ListingFactory(title="Raw honey", shop=ShopFactory(name="Driftless Bee Farm"))


def test_listing_and_storefront_show_texts_replies_and_the_breakdown(client, jar):
    older = review_written(jar, 4, "Good honey, slow post.", days_ago=3, name="Ann B.")
    review_answered(older, "Sorry about the post office: we ship on Mondays now.")
    review_written(jar, 5, "Best honey I have had.", days_ago=1, name="Carl D.")
    hidden = review_written(jar, 1, "You are all crooks!!!", name="Troll")
    review_hide(review_id=hidden.pk)
    other_item = ListingFactory(shop=jar.shop, title="Beeswax candle")
    review_written(other_item, 3, "Candle was fine.", name="Eve F.")

    page = client.get(f"/listings/{jar.pk}/").content.decode()
    assert "Reviews of this item" in page
    assert page.index("Best honey I have had.") < page.index("Good honey, slow post.")
    assert "Reply from Driftless Bee Farm" in page
    assert "we ship on Mondays now." in page
    assert "crooks" not in page and "Troll" not in page
    assert "Candle was fine." not in page  # another item's review is on the shop's page only
    assert "5 out of 5 stars" in page and "4 out of 5 stars" in page

    shop = client.get(f"/shops/{jar.shop.slug}/").content.decode()
    assert "Candle was fine." in shop and "Best honey I have had." in shop
    assert "crooks" not in shop
    breakdown = shop[shop.index('class="rating-breakdown"'):shop.index("</table>",
                                                                        shop.index("rating-"))]
    counts = [row.split("<td>")[-1].split("<")[0]
              for row in breakdown.split("<tr>")[2:]]
    assert counts == ["1", "1", "1", "0", "0"]  # 5, 4, 3, 2, 1 stars; the hidden 1 left out


def test_reviews_are_paginated_newest_first(client, jar):
    for number in range(12):
        review_written(jar, 5, f"Review number {number}.", days_ago=20 - number)
    first = client.get(f"/listings/{jar.pk}/").content.decode()
    assert "Review number 11." in first and "Review number 2." in first
    assert "Review number 1." not in first
    assert "Page 1 of 2" in first and "?reviews=2#reviews" in first
    second = client.get(f"/listings/{jar.pk}/?reviews=2").content.decode()
    assert "Review number 1." in second and "Review number 0." in second
    assert "Review number 11." not in second
    # A bad page number shows a page, never an error.
    assert client.get(f"/listings/{jar.pk}/?reviews=abc").status_code == 200
    assert client.get(f"/shops/{jar.shop.slug}/?reviews=999").status_code == 200


def test_no_reviews_says_so(client, jar):
    assert "No reviews yet" in client.get(f"/listings/{jar.pk}/").content.decode()


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_review_pages_cost_the_same_queries_for_1_and_30_reviews(client, jar):
    review_written(jar, 4, "Only one.")
    urls = [f"/listings/{jar.pk}/", f"/shops/{jar.shop.slug}/",
            f"/api/v1/listings/{jar.pk}/reviews/", f"/api/v1/shops/{jar.shop.slug}/reviews/"]
    one = [_count(client, url) for url in urls]
    for number in range(29):
        review = review_written(jar, 1 + number % 5, f"Review {number}")
        if number % 3 == 0:
            review_answered(review, "Thank you!")
    thirty = [_count(client, url) for url in urls]
    # listing page: the listing (joined), its images, the count per star (which gives the
    # total), the page of reviews (buyer joined); the storefront adds the shop and a count and
    # page of its listings; the API reads the listing or shop, a count, a page, the stars.
    assert one == thirty == [4, 6, 5, 4]


def test_the_api_lists_reviews_with_the_count_per_star(api_client, jar):
    review = review_written(jar, 4, "Good honey.", name="Ann B.")
    review_answered(review, "Thank you, Ann!")
    hidden = review_written(jar, 1, "Rude words")
    review_hide(review_id=hidden.pk)
    for url in (f"/api/v1/listings/{jar.pk}/reviews/", f"/api/v1/shops/{jar.shop.slug}/reviews/"):
        answer = api_client.get(url)
        assert answer.status_code == 200
        body = answer.json()
        assert (body["count"], body["next"], body["previous"]) == (1, None, None)
        assert body["ratings"] == {"5": 0, "4": 1, "3": 0, "2": 0, "1": 0}
        [row] = body["results"]
        assert {k: row[k] for k in ("id", "rating", "text", "buyer", "seller_reply")} == {
            "id": review.pk, "rating": 4, "text": "Good honey.", "buyer": "Ann B.",
            "seller_reply": "Thank you, Ann!"}


def test_the_api_pages_reviews(api_client, jar):
    for number in range(3):
        review_written(jar, 5, f"R{number}", days_ago=5 - number)
    body = api_client.get(f"/api/v1/shops/{jar.shop.slug}/reviews/?page_size=2").json()
    assert [r["text"] for r in body["results"]] == ["R2", "R1"] and body["next"]
    assert api_client.get(f"/api/v1/shops/{jar.shop.slug}/reviews/?page=9").status_code == 404


@pytest.mark.parametrize("status", ["pending_verification", "suspended"])
def test_reviews_of_a_shop_the_public_cannot_see_are_404(api_client, client, jar, status):
    review_written(jar, 5, "Fine.")
    jar.shop.status = status
    jar.shop.save(update_fields=["status"])
    assert api_client.get(f"/api/v1/shops/{jar.shop.slug}/reviews/").status_code == 404
    assert api_client.get(f"/api/v1/listings/{jar.pk}/reviews/").status_code == 404
    assert api_client.get("/api/v1/shops/no-such-shop/reviews/").status_code == 404
    assert api_client.get("/api/v1/listings/999999/reviews/").status_code == 404
    assert client.get(f"/shops/{jar.shop.slug}/").status_code == 404
