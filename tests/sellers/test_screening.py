import pytest

from sellers.models import ScreeningTerm
from sellers.screening import listing_screen

pytestmark = pytest.mark.django_db


@pytest.fixture
def terms():
    ScreeningTerm.objects.create(kind="prohibited", term="ivory")
    ScreeningTerm.objects.create(kind="watched_brand", term="Louis Vuitton")
    ScreeningTerm.objects.create(kind="watched_brand", term="Yeti", price_floor_cents=2000)
    ScreeningTerm.objects.create(kind="prohibited", term="switchblade", is_active=False)


def test_clean_text_has_no_reasons(terms):
    assert listing_screen(title="Walnut bowl", description="Hand turned.", price_cents=100) == []


def test_prohibited_term_in_description_is_flagged(terms):
    assert listing_screen(title="Antique box", description="Inlaid with IVORY.",
                          price_cents=5000) == ["Mentions “ivory”, which may not be sold here."]


def test_words_match_whole_only(terms):
    # "ivorywood" and "Yetis" are not the terms.
    assert listing_screen(title="Ivorywood spoon", description="", price_cents=100) == []
    assert listing_screen(title="Yetis of the north poster", description="", price_cents=1) == []


def test_multiword_brand_matches_across_spacing_and_fullwidth_letters(terms):
    reasons = listing_screen(title="Bag ｌｏｕｉｓ   vuitton style", description="",
                             price_cents=90000)
    assert reasons == ["Mentions the brand “Louis Vuitton”: we check brand goods by hand."]


def test_brand_with_price_floor_is_flagged_only_below_it(terms):
    assert listing_screen(title="Yeti tumbler", description="", price_cents=2000) == []
    assert listing_screen(title="Yeti tumbler", description="", price_cents=1999) == [
        "Mentions the brand “Yeti” at a price below $20.00, which is unusual for genuine goods."
    ]


def test_inactive_term_is_ignored(terms):
    assert listing_screen(title="Switchblade", description="", price_cents=100) == []
