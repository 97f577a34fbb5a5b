import pytest

from tests import builders
from tests.factories import ListingFactory, ShopFactory
from tests.staff import staff_api_login


@pytest.fixture
def moderator():
    return builders.moderator(display_name="Morgan Moderator")


@pytest.fixture
def mod_client(api_client, moderator):
    return staff_api_login(api_client, moderator)


@pytest.fixture
def shop():
    return ShopFactory(name="Driftless Bee Farm")


@pytest.fixture
def live_listing(shop):
    return ListingFactory(shop=shop, title="Raw Wildflower Honey", price_cents=1200, stock=5)
