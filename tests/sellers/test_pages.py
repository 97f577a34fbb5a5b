import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sellers.models import Listing, ListingImage, Shop
from tests.factories import (
    CategoryFactory,
    ListingFactory,
    ShopFactory,
    UserFactory,
    VillageFactory,
)
from tests.support import jpeg_bytes, reader_zone

pytestmark = pytest.mark.django_db

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>'
ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
           "&lt;a href=&quot;javascript:alert(3)&quot;&gt;x&lt;/a&gt;")


def test_dashboard_needs_login(client):
    response = client.get("/sell/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/sell/"


def test_dashboard_without_shop_offers_to_open_one(client):
    client.force_login(UserFactory())
    html = client.get("/sell/").content.decode()
    assert 'href="/sell/shop/new/"' in html and "Open a shop" in html


def test_open_shop_page_creates_pending_shop(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/sell/shop/new/", {
        "name": "Driftless Bee Farm", "description": "Honey.", "village_name": "Decorah",
        "village_county": "Winneshiek", "village_state": "IA",
    })
    assert response.status_code == 302 and response["Location"] == "/sell/"
    shop = Shop.objects.get(owner=user)
    assert (shop.status, shop.village.state) == ("pending_verification", "IA")
    html = client.get("/sell/").content.decode()
    assert "Our team verifies your shop" in html and "usually within a day" in html
    assert "No orders yet" in html and "Prepare your first listing" in html


def test_open_shop_page_shows_field_errors_and_writes_nothing(client):
    client.force_login(UserFactory())
    response = client.post("/sell/shop/new/", {"name": "", "village_name": "Decorah",
                                               "village_state": "ZZ"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html and "Select a valid choice." in html
    assert Shop.objects.count() == 0


def test_new_listing_page_with_photo_creates_listing_and_cover(client):
    shop = ShopFactory()
    CategoryFactory(slug="honey", name="Honey")
    client.force_login(shop.owner)
    response = client.post("/sell/listings/new/", {
        "title": "Comb honey", "description": "Square.", "category": "honey", "price": "18.50",
        "stock": "3", "shipping": "6.00", "local_pickup": "on",
        "photo": SimpleUploadedFile("comb.jpg", jpeg_bytes(), content_type="image/jpeg"),
    })
    listing = Listing.objects.get(title="Comb honey")
    assert response.status_code == 302
    assert response["Location"] == f"/sell/listings/{listing.pk}/"
    assert (listing.price_cents, listing.shipping_cents, listing.stock, listing.local_pickup) == (
        1850, 600, 3, True)
    assert listing.images.count() == 1
    html = client.get(f"/sell/listings/{listing.pk}/").content.decode()
    assert "Why it is waiting for review:" in html and "first 3 listings" in html


def test_new_listing_page_with_bad_photo_writes_nothing(client):
    shop = ShopFactory()
    CategoryFactory(slug="honey")
    client.force_login(shop.owner)
    response = client.post("/sell/listings/new/", {
        "title": "Comb honey", "category": "honey", "price": "18.50", "stock": "3",
        "shipping": "0",
        "photo": SimpleUploadedFile("x.jpg", b"<svg><script>1</script></svg>", "image/jpeg"),
    })
    assert response.status_code == 400
    assert "SVG/HTML" in response.content.decode()
    assert Listing.objects.count() == 0 and ListingImage.objects.count() == 0


def test_new_listing_page_field_errors(client):
    shop = ShopFactory()
    client.force_login(shop.owner)
    response = client.post("/sell/listings/new/", {"title": "", "price": "-1", "stock": "-1",
                                                   "shipping": "0"})
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('class="error"') == 4  # title, category, price, stock
    assert Listing.objects.count() == 0


def test_suspended_shop_new_listing_page_explains_and_refuses(client):
    shop = ShopFactory(status=Shop.Status.SUSPENDED, status_reason="Unpaid fees.")
    CategoryFactory(slug="honey")
    client.force_login(shop.owner)
    assert "suspended" in client.get("/sell/listings/new/").content.decode()
    response = client.post("/sell/listings/new/", {"title": "Jar", "category": "honey",
                                                   "price": "5", "stock": "1", "shipping": "0"})
    assert response.status_code == 400
    assert "Your shop is suspended" in response.content.decode()
    assert Listing.objects.count() == 0
    assert Listing.objects.count() == 0


def test_edit_archive_and_photos_of_another_sellers_listing_are_404(client):
    listing = ListingFactory()
    client.force_login(ShopFactory().owner)
    assert client.get(f"/sell/listings/{listing.pk}/").status_code == 404
    assert client.post(f"/sell/listings/{listing.pk}/archive/").status_code == 404
    assert client.post(f"/sell/listings/{listing.pk}/photos/",
                       {"photo": SimpleUploadedFile("a.jpg", jpeg_bytes())}).status_code == 404
    listing.refresh_from_db()
    assert listing.status == "active" and listing.images.count() == 0


def test_archive_from_page(client):
    listing = ListingFactory()
    client.force_login(listing.shop.owner)
    response = client.post(f"/sell/listings/{listing.pk}/archive/")
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == "archived"


def test_photo_make_cover_from_page(client):
    listing = ListingFactory()
    client.force_login(listing.shop.owner)
    for _ in range(2):
        client.post(f"/sell/listings/{listing.pk}/photos/",
                    {"photo": SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg")})
    first, second = listing.images.all()
    client.post(f"/sell/listings/{listing.pk}/photos/{second.pk}/move/", {"to": "first"})
    assert list(listing.images.values_list("id", flat=True)) == [second.pk, first.pk]


def test_storefront_shows_header_and_active_listings(client):
    shop = ShopFactory(name="Hilltop", slug="hilltop", rating_avg="4.50", rating_count=2,
                       village=VillageFactory(name="Berea", state="KY"))
    ListingFactory(shop=shop, title="Live jar", price_cents=123456)
    ListingFactory(shop=shop, title="Hidden jar", status="pending_review")
    html = client.get("/shops/hilltop/").content.decode()
    assert "<h1>Hilltop</h1>" in html and "Berea, KY" in html
    joined = timezone.localtime(timezone=reader_zone())
    assert f"Joined {joined:%B %Y}" in html and "★ 4.50 (2 reviews)" in html  # reader's month
    assert "Live jar" in html and "$1,234.56" in html and "Hidden jar" not in html


def test_storefront_thumbnails_are_lazy_with_size(client):
    listing = ListingFactory(shop=ShopFactory(slug="hilltop"))
    client.force_login(listing.shop.owner)
    client.post(f"/sell/listings/{listing.pk}/photos/",
                {"photo": SimpleUploadedFile("a.jpg", jpeg_bytes((640, 480)), "image/jpeg")})
    client.logout()
    photo = listing.images.get()
    html = client.get("/shops/hilltop/").content.decode()
    assert (f'<img src="{photo.thumbnail.url}" width="320" height="240" '
            f'alt="{listing.title}" loading="lazy">') in html


def test_storefront_paginates(client):
    shop = ShopFactory(slug="hilltop")
    ListingFactory.create_batch(25, shop=shop)
    assert "Page 1 of 2" in client.get("/shops/hilltop/").content.decode()
    page2 = client.get("/shops/hilltop/?page=2").content.decode()
    assert "Page 2 of 2" in page2 and page2.count('class="card"') == 1


def test_storefront_of_inactive_shop_is_404_but_owner_sees_a_preview(client):
    shop = ShopFactory(slug="quiet", status=Shop.Status.PENDING_VERIFICATION)
    assert client.get("/shops/quiet/").status_code == 404
    client.force_login(shop.owner)
    response = client.get("/shops/quiet/")
    assert response.status_code == 200 and "Only you can see this page" in response.content.decode()


def test_xss_in_shop_name_title_and_description_is_text_on_every_page(client):
    village = VillageFactory(name=XSS[:80], state="IA")
    shop = ShopFactory(name=XSS[:80], description=XSS, slug="xss", village=village)
    listing = ListingFactory(shop=shop, title=XSS[:120], description=XSS)
    pending = ListingFactory(shop=shop, title=XSS[:120], status="pending_review",
                             review_reason=XSS)
    pages = ["/shops/xss/"]
    for url in pages:
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "onerror=alert(2)>" not in html
        assert 'href="javascript:' not in html
        assert ESCAPED[:60] in html
    client.force_login(shop.owner)
    for url in ["/sell/", f"/sell/listings/{listing.pk}/", f"/sell/listings/{pending.pk}/",
                "/sell/shop/", "/shops/xss/"]:
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html, url
        assert "<img src=x onerror" not in html, url
        assert 'href="javascript:' not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
