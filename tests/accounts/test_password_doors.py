"""Every way in that checks a password shares one throttle: the same per-account and per-IP
counters, the same limit (10 failures), the same 429 with Retry-After and the same message.

The doors are found, not listed by hand: every page of the URL conf without URL parameters is
fetched (signed out, then as a signed-in superuser) and searched for a password input, and the
API schema for a request body with a password. A new door fails
`test_the_password_doors_are_the_known_ones` until it is added to DOORS below, and so is
walked by the throttle tests.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.staff import staff_login

pytestmark = pytest.mark.django_db

THROTTLE_MESSAGE = "Too many failed log-in attempts."

# path → (kind, name of the e-mail field). Pages post a form; the API posts JSON; "change"
# is a form for a signed-in person that checks their current password; "again" a page and
# "api-again" an API call (method in the second place) where a signed-in person types their
# password again (change of address, data download, closing the account).
DOORS = {
    "/accounts/login/": ("page", "email"),
    "/admin/login/": ("page", "username"),
    "/api/v1/auth/token": ("api", "email"),
    "/admin/password_change/": ("change", None),
    "/accounts/account/password/": ("change", None),
    "/accounts/account/email/": ("again", None),
    "/accounts/account/data/": ("again", None),
    "/accounts/account/close/": ("again", None),
    "/api/v1/me/email": ("api-again", "post"),
    "/api/v1/me/data": ("api-again", "post"),
}
# DELETE /api/v1/me (closing the account) checks the password too, but an OpenAPI DELETE has no
# request body for the walker to find: tests/accounts/test_close.py runs it into the throttle.
SIGNED_IN_KINDS = {"change", "again", "api-again"}
# Forms that set a new password rather than check one: sign-up (limited by the signup rate),
# the admin's "add user" (staff with a verified code only) and a hub neighbour's take-over from
# a signed link (limited like password resets; tests/hubs/test_takeover.py).
NOT_DOORS = {"/accounts/signup/", "/api/v1/auth/register", "/admin/accounts/user/add/",
             "/api/v1/hub/takeover"}


def _plain_paths(patterns=None, prefix=""):
    """Every URL of the conf that takes no parameter."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _plain_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            full = prefix + route
            if "<" in full or "(?P" in full or full.startswith(("^", "media/")):
                continue
            yield "/" + full.lstrip("^").rstrip("$")


def _page_doors(client) -> set[str]:
    found = set()
    for path in sorted(set(_plain_paths())):
        if path.startswith("/api/") or path.endswith("/logout/"):
            continue
        response = client.get(path)
        body = response.content.decode(errors="replace") if response.status_code == 200 else ""
        if re.search(r"<input[^>]+type=\"password\"", body):
            found.add(path)
    return found


def _api_doors() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found = set()
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            content = (operation.get("requestBody") or {}).get("content", {})
            for media in content.values():
                ref = media.get("schema", {}).get("$ref", "")
                properties = components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
                if "password" in properties:
                    found.add(path)
    return found


def _client_for(path, user):
    """A client at this door: signed in as `user` for a password-change form."""
    from django.test import Client

    client = Client()
    if DOORS[path][0] in SIGNED_IN_KINDS:
        staff_login(client, user)
    return client


def _try(client, path, email, password):
    kind, email_field = DOORS[path]
    if kind == "change":
        return client.post(path, {"old_password": password, "new_password1": "Pl0m-orchard-77",
                                  "new_password2": "Pl0m-orchard-77"})
    if kind == "api":
        return client.post(path, {email_field: email, "password": password},
                           content_type="application/json")
    if kind == "again":
        return client.post(path, {"email": "new-address@example.test", "password": password})
    if kind == "api-again":
        method = getattr(client, email_field)
        return method(path, {"email": "new-address@example.test", "password": password},
                      content_type="application/json")
    return client.post(path, {email_field: email, "password": password})


def test_the_password_doors_are_the_known_ones(client):
    signed_out = _page_doors(client)
    signed_in = _page_doors(staff_login(client, UserFactory(is_staff=True, is_superuser=True)))
    found = signed_out | signed_in | _api_doors()
    assert found - NOT_DOORS == set(DOORS), "a new password door: add it to DOORS"


@pytest.mark.parametrize("path", sorted(DOORS))
def test_the_eleventh_wrong_password_is_refused_and_then_the_right_one_too(path):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = _client_for(path, staff)
    statuses = [_try(client, path, staff.email, f"guess-{n}").status_code for n in range(11)]
    assert statuses == [400] * 10 + [429]
    right = _try(client, path, staff.email, DEFAULT_PASSWORD)
    assert right.status_code == 429
    assert int(right["Retry-After"]) > 0
    assert THROTTLE_MESSAGE in right.content.decode()
    staff.refresh_from_db()
    assert staff.check_password(DEFAULT_PASSWORD)  # nothing changed
    if DOORS[path][0] not in SIGNED_IN_KINDS:
        assert "_auth_user_id" not in client.session


def test_the_doors_share_one_counter_per_account():
    staff = UserFactory(is_staff=True, is_superuser=True)
    doors = sorted(DOORS)
    clients = {path: _client_for(path, staff) for path in doors}
    statuses = [_try(clients[doors[n % len(doors)]], doors[n % len(doors)], staff.email,
                     "wrong").status_code for n in range(10)]
    assert statuses == [400] * 10
    for path in doors:
        refused = _try(clients[path], path, staff.email, DEFAULT_PASSWORD)
        assert refused.status_code == 429, path
        assert THROTTLE_MESSAGE in refused.content.decode()


def test_the_doors_share_one_counter_per_ip(settings):
    settings.LOGIN_FAILURES_PER_IP = 6
    people = [UserFactory(is_staff=True, is_superuser=True) for _ in range(7)]
    doors = sorted(DOORS)
    clients = [_client_for(doors[n % len(doors)], person) for n, person in enumerate(people)]
    statuses = [_try(clients[n], doors[n % len(doors)], person.email, "wrong").status_code
                for n, person in enumerate(people)]
    assert statuses == [400] * 6 + [429]


def test_admin_brute_force_stops_at_ten(client):
    """The attack of issue 20: 15 wrong admin passwords, then the right one."""
    root = UserFactory(is_staff=True, is_superuser=True)
    statuses = [client.post("/admin/login/", {"username": root.email, "password": f"x{n}"})
                .status_code for n in range(15)]
    assert statuses == [400] * 10 + [429] * 5
    last = client.post("/admin/login/", {"username": root.email, "password": DEFAULT_PASSWORD})
    assert last.status_code == 429
    assert client.get("/admin/").status_code == 302  # still not signed in


def test_admin_wrong_password_and_unknown_account_read_the_same(client):
    known = UserFactory(is_staff=True)
    one = client.post("/admin/login/", {"username": known.email, "password": "nope"})
    other = client.post("/admin/login/", {"username": "nobody@example.test", "password": "nope"})
    assert one.status_code == other.status_code == 400
    message = "That e-mail address and password do not match an account."
    assert message in one.content.decode() and message in other.content.decode()
