"""The catalog's filter form through the pages: what it shows for the filters applied.

Each web process builds the form once per set of filters and escapes the words typed into it
on every page (sellers/templatetags/catalog_html.py, `filter_form`): these tests check that
one query's words never show on another's page, and that every choice is shown as applied.
"""

import re

import pytest

from tests.factories import CategoryFactory, ListingFactory, ShopFactory, VillageFactory

pytestmark = pytest.mark.django_db


def form_of(response) -> str:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    found = re.search(r'<details class="filters".*?</details>', html, re.S)
    assert found, "the page has no filter form"
    return found.group(0)


def test_the_same_filters_with_other_words_show_each_page_its_own_words(client):
    ListingFactory(title="Clover honey", price_cents=900)
    ListingFactory(title="Star quilt", price_cents=900)
    filters = {"state": "", "max_price": "50", "in_stock": "true"}
    honey = form_of(client.get("/search/", {"q": "honey", **filters}))
    quilt = form_of(client.get("/search/", {"q": "quilt", **filters}))
    tricky = form_of(client.get("/search/", {"q": '"jam" <b>&', **filters}))
    assert 'name="q" value="honey"' in honey
    assert 'name="q" value="quilt"' in quilt and "honey" not in quilt
    assert 'name="q" value="&quot;jam&quot; &lt;b&gt;&amp;"' in tricky
    assert "<b>" not in tricky
    # Apart from the words, the three forms are the same form.
    assert honey.replace("honey", "quilt") == quilt


def test_every_applied_filter_shows_as_chosen(client):
    CategoryFactory(name="Pantry", slug="pantry")
    ListingFactory(title="Clover honey", shop=ShopFactory(village=VillageFactory(state="IA")))
    form = form_of(client.get("/search/", {
        "q": "honey", "category": "pantry", "state": "IA", "min_price": "2", "max_price": "<9>",
        "in_stock": "true", "local_pickup": "true", "preorder": "exclude",
        "ordering": "price_cents",
    }))
    assert '<option value="pantry" selected>Pantry</option>' in form
    assert '<option value="IA" selected>Iowa</option>' in form
    assert 'name="min_price" inputmode="decimal" placeholder="min" value="2"' in form
    assert 'value="&lt;9&gt;"' in form  # as typed (and refused, with a message), escaped
    assert 'name="in_stock" value="true" checked' in form
    assert 'name="local_pickup" value="true" checked' in form
    assert '<option value="exclude" selected>Goods in stock only</option>' in form
    assert '<option value="only">Pre-orders only</option>' in form
    assert '<option value="price_cents" selected>Price: low to high</option>' in form
    assert '<option value="relevance">Best match</option>' in form
    # Six filters are on; the price that is not a number is not one of them.
    assert '<span class="badge">6 on</span>' in form


def test_without_words_there_is_no_best_match_and_nothing_is_chosen(client):
    form = form_of(client.get("/search/"))
    assert "relevance" not in form
    assert '<option value="-created" selected>Newest</option>' in form
    assert 'name="q" value=""' in form
    assert " checked" not in form and "badge" not in form
    assert '<option value="" selected>' not in form


def test_the_form_is_open_when_nothing_is_found_and_closed_over_results(client):
    ListingFactory(title="Clover honey")
    assert form_of(client.get("/search/", {"q": "honey"})).startswith(
        '<details class="filters"><summary>')
    assert form_of(client.get("/search/", {"q": "zzzzqqq"})).startswith(
        '<details class="filters" open><summary>')


def test_a_category_page_has_no_words_or_category_field(client):
    CategoryFactory(name="Pantry", slug="pantry")
    form = form_of(client.get("/categories/pantry/", {"state": "KY"}))
    assert 'name="q"' not in form and 'name="category"' not in form
    assert '<option value="KY" selected>Kentucky</option>' in form
    assert form.startswith('<details class="filters"><summary>Filters and sort <span '
                           'class="badge">1 on</span></summary>')


def test_a_new_category_shows_in_the_form(client):
    CategoryFactory(name="Pantry", slug="pantry")
    assert "Pantry" in form_of(client.get("/search/"))
    CategoryFactory(name="Quilts", slug="quilts")
    # Another address: the page before is kept for SERVER_CACHE_SECONDS (web.page_cache).
    assert '<option value="quilts">Quilts</option>' in form_of(client.get("/search/?page=1"))
