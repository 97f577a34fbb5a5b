"""HEAD is answered like GET, without a body, on every page and API read.

Walks the URLconf: every route without a parameter, and the catalog routes with one (filled
from real rows), as an anonymous visitor, a signed-in buyer and a signed-in staff member. A
route that answers GET (whatever the status: 200, a redirect to sign in, 403, 404) must answer
HEAD with the same status and headers and an empty body; only routes that refuse GET (405:
POST-only actions) are left out.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import ListingFactory, UserFactory
from tests.staff import staff_login, staff_make

pytestmark = pytest.mark.django_db

SKIPPED = ("/media/", "/static/")


def _plain_paths(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _plain_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            full = prefix + route
            if "<" in full or "(?P" in full or full.startswith("^"):
                continue
            yield "/" + full.rstrip("$")


def _paths(listing) -> list[str]:
    village, shop, category = listing.shop.village, listing.shop, listing.category
    with_parameters = [
        f"/listings/{listing.pk}/", f"/categories/{category.slug}/",
        f"/villages/{village.slug}/", "/search/?q=honey", "/search/?q=hony",
        f"/api/v1/listings/{listing.pk}", f"/api/v1/shops/{shop.slug}",
        f"/api/v1/shops/{shop.slug}/listings/", f"/api/v1/villages/{village.slug}",
        "/api/v1/listings/?q=hony", f"/listings/{listing.pk + 1000}/",
    ]
    plain = [p for p in sorted(set(_plain_paths())) if not p.startswith(SKIPPED)]
    return plain + with_parameters


def _clients():
    anonymous = Client()
    buyer = Client()
    buyer.force_login(UserFactory())
    staff = Client()
    staff_login(staff, staff_make())
    return {"anonymous": anonymous, "buyer": buyer, "staff": staff}


def test_head_answers_like_get_everywhere(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    listing = ListingFactory(title="Jar of honey")
    compared, differences = 0, []
    for who, client in _clients().items():
        for path in _paths(listing):
            got = client.get(path)
            if got.status_code == 405:
                continue  # an action that takes POST only
            head = client.head(path)
            compared += 1
            if head.status_code != got.status_code:
                differences.append((who, path, got.status_code, head.status_code))
            elif head.content != b"" or head.get("Content-Type") != got.get("Content-Type"):
                differences.append((who, path, "body or type", head.get("Content-Type")))
    assert differences == []
    assert compared > 100  # the walk really walked
