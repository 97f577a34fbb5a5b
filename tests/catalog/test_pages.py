"""Catalog pages through the front door: content, visibility, caching, weight, query counts."""

import gzip
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sellers.models import Listing
from sellers.services import search_vocabulary_rebuild
from tests.factories import (
    CategoryFactory,
    ListingFactory,
    ShopFactory,
    UserFactory,
    VillageFactory,
)
from tests.support import cache_clear_own_keys

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_home_shows_categories_villages_and_newest(client):
    CategoryFactory(name="Quilts", slug="quilts")
    village = VillageFactory(name="Kalona", state="IA", slug="kalona-ia")
    ListingFactory(title="Star quilt", shop=ShopFactory(village=village))
    ListingFactory(title="Hidden", status=Listing.Status.PENDING_REVIEW)
    html = html_of(client.get("/"))
    assert 'href="/categories/quilts/"' in html
    assert 'href="/villages/kalona-ia/"' in html
    assert "Star quilt" in html and "Hidden" not in html


def test_search_page_filters_with_dollars_and_state(client):
    iowa = ShopFactory(village=VillageFactory(state="IA"))
    ListingFactory(title="Iowa honey cheap", price_cents=800, shop=iowa)
    ListingFactory(title="Iowa honey dear", price_cents=4000, shop=iowa)
    ListingFactory(title="Ohio honey", price_cents=900, shop=ShopFactory(
        village=VillageFactory(state="OH")))
    html = html_of(client.get("/search/", {"q": "honey", "state": "IA", "max_price": "20"}))
    assert "Iowa honey cheap" in html
    assert "Iowa honey dear" not in html and "Ohio honey" not in html
    assert '<option value="IA" selected>' in html
    assert 'value="20"' in html


def test_search_page_paginates_without_counting(client):
    ListingFactory.create_batch(30, title="Jar of honey")
    first = html_of(client.get("/search/", {"q": "honey"}))
    assert first.count('class="card"') == 24
    assert 'rel="next" href="?q=honey&amp;page=2"' in first
    second = html_of(client.get("/search/", {"q": "honey", "page": "2"}))
    assert second.count('class="card"') == 6
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_typo_page_says_what_it_searched_for(client):
    ListingFactory(title="Wildflower honey")
    search_vocabulary_rebuild()
    html = html_of(client.get("/search/", {"q": "hony"}))
    assert "Wildflower honey" in html
    assert "Showing results for <strong>honey</strong>" in html


def test_category_page_includes_children(client):
    food = CategoryFactory(name="Food", slug="food")
    honey = CategoryFactory(name="Honey", slug="honey", parent=food)
    ListingFactory(title="Sourdough", category=food)
    ListingFactory(title="Clover honey", category=honey)
    ListingFactory(title="Hammer")
    html = html_of(client.get("/categories/food/"))
    assert "Sourdough" in html and "Clover honey" in html and "Hammer" not in html
    assert 'href="/categories/honey/"' in html
    child = html_of(client.get("/categories/honey/"))
    assert "Clover honey" in child and "Sourdough" not in child
    assert 'href="/categories/food/"' in child  # breadcrumb
    assert client.get("/categories/no-such/").status_code == 404


def test_listing_page_shows_everything_a_buyer_needs(client, add_image):
    village = VillageFactory(name="Berea", county="Madison", state="KY", slug="berea-ky")
    shop = ShopFactory(name="Berea Woodcraft", slug="berea-woodcraft", village=village)
    listing = ListingFactory(
        title="Walnut bowl", description="Turned by hand.", price_cents=4550,
        shipping_cents=0, local_pickup=True, stock=3, shop=shop,
    )
    add_image(listing, position=0)
    add_image(listing, position=1)
    html = html_of(client.get(f"/listings/{listing.id}/"))
    for text in ("Walnut bowl", "$45.50", "Shipping: free", "Local pickup: yes, in Berea",
                 "In stock: 3", "Turned by hand.", 'href="/shops/berea-woodcraft/"',
                 'href="/villages/berea-ky/"', f'href="/listings/{listing.id}/report/"',
                 'action="/cart/add/"', f'name="listing" value="{listing.id}"',
                 'name="quantity"', 'max="3"', "csrfmiddlewaretoken"):
        assert text in html, text
    cover = re.search(r'<img class="cover" src="([^"]+)" width="(\d+)" height="(\d+)"', html)
    assert cover and cover.group(1).endswith(".webp") and cover.groups()[1:] == ("640", "480")
    thumb = re.search(r'<img src="([^"]+-thumb\.webp)" width="320" height="240" loading="lazy"',
                      html)
    assert thumb


def test_sold_out_listing_has_no_cart_form(client):
    listing = ListingFactory(stock=0)
    html = html_of(client.get(f"/listings/{listing.id}/"))
    assert "Sold out" in html and "/cart/add/" not in html


def test_hidden_listings_are_404(client):
    for listing in (ListingFactory(status=Listing.Status.TAKEN_DOWN),
                    ListingFactory(shop=ShopFactory(status="suspended"))):
        assert client.get(f"/listings/{listing.id}/").status_code == 404
    assert client.get("/listings/99999999999999999999999/").status_code == 404


def test_village_hub_shows_shops_listings_and_figures(client):
    village = VillageFactory(name="Kalona", state="IA", slug="kalona-ia")
    shop = ShopFactory(name="Amish Quilts", slug="amish-quilts", village=village)
    ShopFactory(name="Not yet", village=village, status="pending_verification")
    ListingFactory.create_batch(2, shop=shop, title="Nine patch quilt")
    ListingFactory(shop=shop, title="Draft", status=Listing.Status.PENDING_REVIEW)
    html = html_of(client.get("/villages/kalona-ia/"))
    assert "Kalona, IA" in html and 'href="/shops/amish-quilts/"' in html and "Not yet" not in html
    assert html.count("Nine patch quilt") == 2 and "Draft" not in html
    assert "<strong>1</strong> shop" in html and "<strong>2</strong> listings" in html
    assert "<strong>$0.00</strong> paid to sellers" in html
    empty = VillageFactory(slug="empty-town")
    ShopFactory(village=empty, status="pending_verification")
    assert client.get("/villages/empty-town/").status_code == 404


def test_impact_page_totals(client):
    a = ShopFactory(village=VillageFactory(name="Kalona", slug="kalona-ia", state="IA"))
    b = ShopFactory(village=VillageFactory(name="Berea", slug="berea-ky", state="KY"))
    ListingFactory.create_batch(3, shop=a)
    ListingFactory(shop=b)
    html = html_of(client.get("/impact/"))
    assert "<strong>2</strong> shops" in html and "<strong>4</strong> listings" in html
    assert html.index("Kalona, IA") < html.index("Berea, KY")


def test_anonymous_pages_are_cacheable_and_revalidate(client):
    listing = ListingFactory()
    search = client.get("/search/", {"q": "honey"})
    assert "max-age=60" in search["Cache-Control"] and "public" in search["Cache-Control"]
    again = client.get("/search/", {"q": "honey"}, HTTP_IF_NONE_MATCH=search["ETag"])
    assert again.status_code == 304 and again.content == b""
    detail = client.get(f"/listings/{listing.id}/")
    # It carries a CSRF token for the cart form: a browser may keep it, a shared cache not.
    assert "private" in detail["Cache-Control"] and "max-age=60" in detail["Cache-Control"]


def test_server_cache_serves_anonymous_pages_for_a_short_while(client):
    ListingFactory(title="Jar of clover honey")
    assert "clover" in client.get("/search/", {"q": "honey"}).content.decode()
    ListingFactory(title="Jar of buckwheat honey")
    assert "buckwheat" not in client.get("/search/", {"q": "honey"}).content.decode()
    cache_clear_own_keys()  # what SERVER_CACHE_SECONDS later looks like
    assert "buckwheat" in client.get("/search/", {"q": "honey"}).content.decode()


def test_a_session_cookie_bypasses_the_server_cache(client):
    ListingFactory(title="Jar of clover honey")
    client.get("/search/", {"q": "honey"})
    ListingFactory(title="Jar of buckwheat honey")
    client.cookies["sessionid"] = "an-anonymous-cart"
    assert "buckwheat" in client.get("/search/", {"q": "honey"}).content.decode()


def test_a_waiting_flash_message_cookie_bypasses_the_server_cache(client):
    ListingFactory(title="Jar of clover honey")
    client.get("/")
    ListingFactory(title="Jar of buckwheat honey")
    assert "buckwheat" not in client.get("/").content.decode()  # served from the page cache
    client.cookies["messages"] = "a-flash-message-waiting"
    assert "buckwheat" in client.get("/").content.decode()


def test_signed_in_pages_are_not_cached(client):
    client.force_login(UserFactory())
    response = client.get("/search/")
    assert "max-age" not in response.get("Cache-Control", "")
    assert "ETag" not in response


def test_search_page_is_light(client, add_image):
    for n in range(24):
        add_image(ListingFactory(title=f"Clover honey jar {n}", description="x" * 400))
    html = html_of(client.get("/search/", {"q": "honey"}))
    assert html.count('loading="lazy"') == 24
    assert "<script" not in html and "fonts.googleapis" not in html and "@font-face" not in html
    assert html.count('rel="stylesheet"') == 1
    css = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_bytes()
    weight = len(gzip.compress(html.encode())) + len(gzip.compress(css))
    assert weight <= 20 * 1024, weight


@pytest.mark.parametrize(
    "url",
    ["/", "/search/?q=honey", "/search/", "/search/?state=NY&min_price=1&in_stock=true",
     "/categories/food/", "/villages/kalona-ia/", "/impact/"],
)
def test_page_queries_are_fixed_and_few(client, url, django_assert_num_queries, add_image):
    food = CategoryFactory(slug="food")
    village = VillageFactory(slug="kalona-ia")
    shop = ShopFactory(village=village)

    def measure() -> tuple[int, int, int]:
        """Queries with cold caches, with warm tree and figures, and for a cached page."""
        cache_clear_own_keys()
        counts = []
        sep = "&" if "?" in url else "?"
        for variant in (url, f"{url}{sep}utm=1", f"{url}{sep}utm=1"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(variant).status_code == 200
            counts.append(len(queries))
        assert counts[2] == 0  # the anonymous page came from the server cache
        return tuple(counts)

    add_image(ListingFactory(shop=shop, category=food))
    one = measure()
    for _ in range(49):
        ListingFactory(shop=shop, category=food)
    many = measure()
    # 11 at most: a village page also lists its hubs (cold caches; 6 when warm)
    assert one == many and max(one) <= 11, (one, many)


def test_listing_page_queries_are_fixed(client, add_image, django_assert_num_queries):
    listing = ListingFactory()
    add_image(listing)
    # listing with joins, its images, its reviews' count per star (no session for anon)
    with django_assert_num_queries(3):
        client.get(f"/listings/{listing.id}/")
    for position in range(1, 6):
        add_image(listing, position=position)
    with django_assert_num_queries(3):
        client.get(f"/listings/{listing.id}/")
