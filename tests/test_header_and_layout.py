"""The header (cart count, a seller's own links), one's own listing, the favicon, carrier links,
phone tables and the screening form's dollar floor, checked through the pages."""

import re
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import TemplateSyntaxError, engines, loader
from django.test import Client, RequestFactory
from django.urls import set_script_prefix
from rest_framework.test import APIClient

from moderation.models import AuditLog
from orders.models import Order
from orders.selectors import SESSION_CART_KEY
from sellers.models import ScreeningTerm
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import staff_login, staff_make

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _cart_add(user, listing, quantity):
    api = APIClient()
    api.force_authenticate(user)
    added = api.post("/api/v1/cart/items/", {"listing": listing.pk, "quantity": quantity},
                     format="json")
    assert added.status_code == 201, added.json()


def test_the_header_counts_items_in_the_cart_not_lines():
    buyer = UserFactory()
    honey, quilt = ListingFactory(stock=9), ListingFactory(stock=9)
    client = _signed_in(buyer)
    assert 'aria-label="Cart, 0 items"' in client.get("/impact/").content.decode()
    _cart_add(buyer, honey, 3)
    _cart_add(buyer, quilt, 1)
    html = client.get("/impact/").content.decode()
    assert 'aria-label="Cart, 4 items"' in html and '<span class="count">4</span>' in html


def test_a_visitors_cart_count_comes_from_the_session(client):
    honey = ListingFactory(stock=9)
    assert client.post("/cart/add/", {"listing": honey.pk, "quantity": 2}).status_code == 302
    html = client.get("/impact/").content.decode()
    assert 'aria-label="Cart, 2 items"' in html


@pytest.mark.parametrize("lines", [1, 20])
def test_the_cart_count_costs_one_query_whatever_the_cart_holds(
    lines, django_assert_num_queries
):
    buyer = UserFactory()
    for listing in ListingFactory.create_batch(lines, stock=5):
        _cart_add(buyer, listing, 2)
    client = _signed_in(buyer)
    # session, user, the impact page's five figures, its shops run by hub agents and its
    # monthly series, the header's one query (cart units and "has a shop"), unread
    # notifications.
    with django_assert_num_queries(11):
        html = client.get("/impact/").content.decode()
    assert f'aria-label="Cart, {lines * 2} items"' in html


def test_a_seller_sees_their_shop_orders_apart_from_their_purchases():
    shop = ShopFactory()
    seller_html = _signed_in(shop.owner).get("/impact/").content.decode()
    purchases = ('<a href="/orders/" data-short="Purchases" aria-label="My purchases">'
                 '<span class="long">My purchases</span>')
    shop_orders = ('<a href="/sell/orders/" data-short="Shop orders" aria-label="My shop orders">'
                   '<span class="long">My shop orders</span>')
    assert purchases in seller_html and shop_orders in seller_html
    buyer_html = _signed_in(UserFactory()).get("/impact/").content.decode()
    assert purchases in buyer_html
    assert "My shop orders" not in buyer_html and '<a href="/sell/">Sell</a>' in buyer_html
    assert "<h1>My shop orders</h1>" in _signed_in(shop.owner).get("/sell/orders/").content.decode()
    assert "<h1>My purchases</h1>" in _signed_in(shop.owner).get("/orders/").content.decode()


def test_ones_own_listing_offers_edit_not_buy_or_report():
    listing = ListingFactory(stock=4)
    own = _signed_in(listing.shop.owner).get(f"/listings/{listing.pk}/").content.decode()
    assert f'href="/sell/listings/{listing.pk}/">Edit</a>' in own
    assert "Add to cart" not in own and "Report this listing" not in own
    other = _signed_in(UserFactory()).get(f"/listings/{listing.pk}/").content.decode()
    assert "Add to cart" in other and "Report this listing" in other and ">Edit</a>" not in other


def test_favicon_and_touch_icon(client):
    html = client.get("/impact/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in html
    assert 'rel="apple-touch-icon" href="/static/apple-touch-icon.png"' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon-32.png"


@pytest.mark.parametrize(("carrier", "url"), [
    ("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400%20111"),
    ("ups", "https://www.ups.com/track?tracknum=9400%20111"),
    ("Fed-Ex", "https://www.fedex.com/fedextrack/?trknbr=9400%20111"),
    ("Pony Express", ""),
])
def test_tracking_numbers_link_to_the_carrier(carrier, url):
    assert Order(carrier=carrier, tracking_number=" 9400 111 ").tracking_url == url


def test_the_buyer_order_page_links_the_tracking_number(localstripe):
    from tests.checkout_http import paid_orders

    buyer = UserFactory()
    listing = ListingFactory()
    api = APIClient()
    api.force_authenticate(buyer)
    (order,) = paid_orders(api, [listing])
    api.force_authenticate(listing.shop.owner)
    assert api.post(f"/api/v1/orders/{order.pk}/ship", {"carrier": "UPS",
                    "tracking_number": "1Z999AA10123456784"}, format="json").status_code == 200
    html = _signed_in(buyer).get(f"/orders/{order.pk}/").content.decode()
    assert 'href="https://www.ups.com/track?tracknum=1Z999AA10123456784"' in html


def test_phone_tables_name_each_cell_and_can_be_scrolled_by_keyboard(client):
    ShopFactory()  # a village with an open shop: the impact table has a row
    html = client.get("/impact/").content.decode()
    assert 'class="table-wrap" tabindex="0" role="region" aria-label="Sales by village"' in html
    assert '<table class="stack">' in html
    for column in ("Village", "Shops", "Listings", "Orders", "Paid to sellers"):
        assert f'<td data-label="{column}">' in html


def test_staff_type_the_screening_floor_in_dollars():
    moderator = staff_make()
    desk = staff_login(Client(), moderator)
    saved = desk.post("/staff/screening/new/", {"kind": "watched_brand", "term": "Rolex",
                                                "price_floor": "$1,250.50", "is_active": "on"})
    assert saved.status_code == 302
    term = ScreeningTerm.objects.get(term="Rolex")
    assert term.price_floor_cents == 125050
    page = desk.get("/staff/screening/").content.decode()
    assert 'value="1250.50"' in page and "cents" not in page.lower()
    assert AuditLog.objects.get().reason == "new → Watched brand “Rolex”, floor $1,250.50"

    for bad in ("abc", "1.005"):
        refused = desk.post(f"/staff/screening/{term.pk}/", {
            "kind": "watched_brand", "term": "Rolex", "price_floor": bad, "is_active": "on"},
            follow=True)
        assert "Enter the price floor in dollars" in refused.content.decode()
    assert ScreeningTerm.objects.get(pk=term.pk).price_floor_cents == 125050
    assert AuditLog.objects.count() == 1


# --- The frame a visitor shares ({% frame %}, marketplace/templatetags/site_paths.py) ---------

def _fresh_frame(source: str) -> str:
    """base.html as it renders with every part of the frame worked out afresh."""
    return source.replace("{% frame %}", "").replace("{% endframe %}", "")


def _unmasked(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", html)


def _request(user=None):
    request = RequestFactory().get("/search/?q=honey")
    request.user = user or AnonymousUser()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    return request


def test_the_frame_kept_for_visitors_is_the_frame_rendered_afresh():
    kept = loader.get_template("base.html")
    source = (settings.BASE_DIR / "templates" / "base.html").read_text()
    assert source.count("{% frame %}") == 3
    fresh = engines["django"].from_string(_fresh_frame(source))
    with_cart = _request()
    with_cart.session[SESSION_CART_KEY] = {str(ListingFactory().pk): 2}
    people = [
        ("a visitor", _request()),
        ("a visitor again (the kept copy)", _request()),
        ("a signed-in buyer", _request(user=UserFactory(display_name="Avery"))),
        ("a seller", _request(user=ShopFactory().owner)),
        ("a visitor with a cart", with_cart),
    ]
    pages = {}
    for who, request in people:
        pages[who] = kept.render({}, request)
        # A CSRF token (the Log out form) is masked afresh each time it is rendered.
        assert _unmasked(pages[who]) == _unmasked(fresh.render({}, request)), who
    assert "Log in" in pages["a visitor"] and 'aria-label="Cart, 0 items"' in pages["a visitor"]
    assert "Hi, Avery" in pages["a signed-in buyer"] and "Log in" not in pages["a signed-in buyer"]
    assert 'aria-label="Cart, 2 items"' in pages["a visitor with a cart"]


def test_no_signed_in_person_or_session_gets_the_frame_kept_for_visitors(client):
    honey = ListingFactory(stock=9)
    visitor = client.get("/search/?q=anything").content.decode()
    assert "Log in" in visitor and 'aria-label="Cart, 0 items"' in visitor
    buyer = _signed_in(UserFactory(display_name="Avery")).get("/search/?q=other").content.decode()
    assert "Hi, Avery" in buyer and "Log out" in buyer and "Log in" not in buyer
    assert client.post("/cart/add/", {"listing": honey.pk, "quantity": 2}).status_code == 302
    assert 'aria-label="Cart, 2 items"' in client.get("/search/?q=third").content.decode()
    assert 'aria-label="Cart, 0 items"' in Client().get("/search/?q=fourth").content.decode()


def test_the_frame_kept_for_visitors_follows_the_sites_prefix(client):
    """The site mounted under a prefix links under it; the copy kept for the root is not served
    there, nor the other way round. (A WSGI server sets the prefix from SCRIPT_NAME; the test
    client does not, so the test sets it as the handler would.)"""
    at_root = client.get("/impact/").content.decode()
    set_script_prefix("/market/")
    try:
        under = client.get("/impact/?under=market").content.decode()
    finally:
        set_script_prefix("/")
    again = client.get("/impact/?again=1").content.decode()
    assert 'href="/accounts/login/"' in at_root and 'href="/accounts/login/"' in again
    assert 'href="/market/accounts/login/"' in under and 'href="/accounts/login/"' not in under
    assert 'href="/market/transparency/"' in under and 'href="/transparency/"' in again


def test_a_block_inside_a_frame_is_refused():
    # A frame is hidden from Django's search for blocks (FrameNode.child_nodelists), so a
    # block there would never be filled: it is an error when the template is read.
    with pytest.raises(TemplateSyntaxError, match="cannot be inside"):
        engines["django"].from_string(
            "{% load site_paths %}{% frame %}{% block title %}x{% endblock %}{% endframe %}")
