"""Bad input never hurts: a clear 400 (API) or a friendly page, never a 500."""

import pytest

from sellers.search import ListingFilters, listing_filters_parse, listing_search
from tests.factories import CategoryFactory, ListingFactory

pytestmark = pytest.mark.django_db

NASTY_QUERIES = [
    "", " ", "x" * 200, '"', '"""', "'", "''", "&", "|", "!", ":", "*", "(", ")", "&|!:*()",
    "honey & | ! : * ( )", "!!honey", "honey:*", "a:b:c", "(((((honey", "-", "--", "- -honey",
    "or", "OR OR", '"or"', "'; DROP TABLE sellers_listing; --", "1' OR '1'='1",
    "honey\x00jar", "\u200b\u200d", "蜂蜜", "miel de abeja ñandú", "🍯🐝", "الْعَسَل",
    "\\", "\\\\'", "%", "_", "%_%", "$1", "<script>alert(1)</script>", "the", "a an the",
    "honey" * 40,
]


@pytest.fixture
def catalog():
    CategoryFactory(slug="food")
    ListingFactory(title="Clover honey jar", description="Raw honey.")
    ListingFactory(title="Walnut bowl", description="Hand turned.")


@pytest.mark.parametrize("q", NASTY_QUERIES)
def test_nasty_queries_never_fail(catalog, client, q):
    filters = listing_filters_parse({"q": q})
    list(listing_search(filters=filters)[:24])
    listing_search(filters=filters).count()
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200


def test_injection_is_just_text(catalog):
    filters = listing_filters_parse({"q": "'; DROP TABLE sellers_listing; --"})
    assert list(listing_search(filters=filters)) == []
    assert len(list(listing_search(filters=ListingFilters()))) == 2


def test_nul_and_invisible_characters_are_dropped():
    assert listing_filters_parse({"q": "honey\x00jar\u200b"}).q == "honey jar"


BAD_PARAMS = [
    ({"q": "x" * 10_000}, "q"),
    ({"q": "honey " * 40}, "q"),
    ({"min_price_cents": "900", "max_price_cents": "100"}, "min_price_cents"),
    ({"min_price_cents": "-5"}, "min_price_cents"),
    ({"min_price_cents": "1e3"}, "min_price_cents"),
    ({"max_price_cents": "99999999999999999999"}, "max_price_cents"),
    ({"max_price_cents": "٣"}, "max_price_cents"),
    ({"ordering": "title; DROP"}, "ordering"),
    ({"ordering": "-id"}, "ordering"),
    ({"state": "Iowa"}, "state"),
    ({"in_stock": "maybe"}, "in_stock"),
    ({"local_pickup": "2"}, "local_pickup"),
    ({"category": "food'; --"}, "category"),
    ({"village": "x" * 300}, "village"),
    ({"shop": "a/b"}, "shop"),
]


@pytest.mark.parametrize(("params", "field"), BAD_PARAMS)
def test_bad_params_are_field_errors(params, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        listing_filters_parse(params)
    assert list(error.value.message_dict) == [field]


@pytest.mark.parametrize(("params", "field"), BAD_PARAMS)
def test_bad_params_give_a_friendly_search_page(catalog, client, params, field):
    response = client.get("/search/", params)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="form-errors"' in html
    assert "Traceback" not in html


@pytest.mark.parametrize(
    "params",
    [{"min_price": "abc"}, {"min_price": "20", "max_price": "5"}, {"max_price": "-1"},
     {"min_price": "NaN"}, {"max_price": "Infinity"}, {"min_price": "1" * 40}],
)
def test_bad_dollar_amounts_are_messages(catalog, client, params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    assert 'class="form-errors"' in response.content.decode()


def test_unknown_category_is_a_message_on_the_page_and_a_400_from_the_api(
    catalog, client, api_client
):
    response = client.get("/search/", {"category": "no-such-category", "q": "honey"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is no category “no-such-category”." in html
    assert "Clover honey jar" in html  # the rest of the search still applies
    api = api_client.get("/api/v1/listings/", {"category": "no-such-category"})
    assert api.status_code == 400
    assert api.json() == {"category": ["There is no category “no-such-category”."]}


@pytest.mark.parametrize(
    ("page", "message"),
    [("abc", "was not a number"), ("-1", "was not a number"), ("0", ""), ("99999", "stop at page"),
     ("2", "no more results"), ("9" * 30, "was not a number"), ("１", "was not a number")],
)
def test_bad_page_numbers_are_friendly(catalog, client, page, message):
    response = client.get("/search/", {"q": "honey", "page": page})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_unknown_pages_are_404_not_500(client):
    assert client.get("/categories/nothing-here/").status_code == 404
    assert client.get("/villages/nowhere/").status_code == 404
    assert client.get("/listings/0/").status_code == 404
    assert client.post("/search/").status_code == 405


# The listings API (the sellers app's view) shares the parser and the selector.
@pytest.mark.parametrize(("params", "field"), BAD_PARAMS)
def test_bad_params_are_a_400_from_the_listings_api(catalog, api_client, params, field):
    response = api_client.get("/api/v1/listings/", params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize("q", NASTY_QUERIES[:20] + NASTY_QUERIES[-12:])
def test_nasty_queries_are_fine_for_the_listings_api(catalog, api_client, q):
    response = api_client.get("/api/v1/listings/", {"q": q})
    assert response.status_code == 200
    assert response.json()["count"] <= 2


@pytest.mark.parametrize("page", ["abc", "99999", "0"])
def test_bad_api_pages_are_not_500(catalog, api_client, page):
    assert api_client.get("/api/v1/listings/", {"page": page}).status_code in (200, 404)
