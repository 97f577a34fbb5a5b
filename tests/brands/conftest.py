import pytest

from tests import builders
from tests.staff import staff_api_login


@pytest.fixture
def moderator():
    return builders.moderator(display_name="Morgan Moderator")


@pytest.fixture
def mod_client(api_client, moderator):
    return staff_api_login(api_client, moderator)
