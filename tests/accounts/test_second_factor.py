"""Staff second factor through the front door: the log-in page, "set up your authenticator",
"verify your code", staff tokens, resets, and the staff URL walk (issue 20)."""

import re
import time
from base64 import b32decode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern
from django.utils.regex_helper import normalize
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from marketplace.accounts.models import KnownBrowser, StaffToken
from moderation.models import AuditLog
from notifications.delivery import notification_deliver
from notifications.models import Notification
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.staff import (
    staff_api_login,
    staff_code,
    staff_device,
    staff_login,
    staff_make,
    totp_code,
)

pytestmark = pytest.mark.django_db

SETUP = "/accounts/second-factor/setup/"
VERIFY = "/accounts/second-factor/verify/"
STAFF_PREFIXES = ("staff/", "admin/", "api/v1/moderation/")
OPEN = {"admin/login/", "admin/logout/"}
SAMPLES = {"int": "1", "slug": "x", "str": "x", "path": "x", "uuid":
           "00000000-0000-0000-0000-000000000001"}


def _sample(pattern) -> str:
    if isinstance(pattern, RegexPattern):
        fmt, params = normalize(pattern.regex.pattern)[0]
        return fmt % {name: "1" for name in params}
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES.get(m.group(1) or "str", "x"),
                  str(pattern))


def staff_urls(patterns=None, prefix=""):
    """Every URL of the conf under /staff/, /admin/ and /api/v1/moderation/, with sample values
    for its parameters: new staff views are walked without editing this test."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        here = prefix + _sample(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from staff_urls(entry.url_patterns, here)
        elif isinstance(entry, URLPattern) and here.startswith(STAFF_PREFIXES):
            if here not in OPEN:
                yield "/" + here


def password_login(client, user):
    response = client.post("/accounts/login/", {"email": user.email,
                                                 "password": DEFAULT_PASSWORD,
                                                 "next": "/staff/"})
    assert response.status_code == 302
    return response


def code_at(secret: str, *, steps_ahead: int = 0) -> str:
    totp = TOTP(b32decode(secret.replace(" ", "")), 30, 0, 6, 0)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_walk_finds_the_staff_urls():
    urls = set(staff_urls())
    assert {"/staff/", "/staff/disputes/1/resolve/", "/admin/", "/admin/payments/payout/",
            "/api/v1/moderation/dashboard", "/staff/second-factor/reset/"} <= urls
    assert len(urls) > 60


def test_staff_without_a_device_cannot_reach_any_staff_page_or_api(client):
    boss = UserFactory(is_staff=True, is_superuser=True)  # holds every permission
    first = password_login(client, boss)
    assert first["Location"].startswith(SETUP)
    token = Token.objects.create(user=boss).key
    api_token = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    session_api = APIClient()
    password_login(session_api, boss)
    for url in staff_urls():
        if url.startswith("/api/"):
            for api in (api_token, session_api):
                for method in ("get", "post"):
                    response = getattr(api, method)(url)
                    assert response.status_code == 403, (method, url, response.status_code)
                    assert "Staff endpoints need a staff token" in response.json()["detail"]
            continue
        got = client.get(url)
        assert got.status_code == 302 and got["Location"].startswith(SETUP), url
        assert client.post(url, {"reason": "x"}).status_code == 403, url
    assert AuditLog.objects.count() == 0
    # Once enrolled but not yet verified in this session: the verify page instead.
    staff_device(boss)
    assert client.get("/admin/")["Location"].startswith(VERIFY)


def test_enrol_then_verify_then_access(client):
    person = staff_make()
    assert password_login(client, person)["Location"] == f"{SETUP}?next=%2Fstaff%2F"
    page = client.get(f"{SETUP}?next=/staff/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in html  # the QR code, drawn here: no external service
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1)
    assert client.get(f"{SETUP}?next=/staff/").content.decode().count(secret) == 1  # same key
    wrong = client.post(SETUP, {"code": "000000", "next": "/staff/"})
    assert wrong.status_code == 400 and "That code is not right" in wrong.content.decode()
    done = client.post(SETUP, {"code": code_at(secret), "next": "/staff/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/staff/").status_code == 200
    assert client.get(SETUP)["Location"].startswith(VERIFY)  # no second enrolment
    # A new sign-in asks for the code again.
    client.post("/accounts/logout/")
    assert password_login(client, person)["Location"].startswith(VERIFY)
    assert client.get("/staff/")["Location"].startswith(VERIFY)
    ok = client.post(VERIFY, {"code": code_at(secret, steps_ahead=1), "next": "/staff/"})
    assert ok.status_code == 302 and ok["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def _enrolled(client, person) -> list[str]:
    password_login(client, person)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<',
                       client.get(SETUP).content.decode()).group(1)
    done = client.post(SETUP, {"code": code_at(secret)})
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())


def test_a_recovery_code_works_once(client):
    person = staff_make()
    codes = _enrolled(client, person)
    for attempt, expected in ((codes[0], 302), (codes[0], 400), (codes[1], 302)):
        client.post("/accounts/logout/")
        password_login(client, person)
        response = client.post(VERIFY, {"code": attempt.upper(), "next": "/staff/"})
        assert response.status_code == expected
    assert client.get("/staff/").status_code == 200


def test_a_replayed_code_is_refused(client):
    person = staff_make()
    device = staff_device(person)
    code = totp_code(device)
    password_login(client, person)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    other = Client()
    password_login(other, person)
    replay = other.post(VERIFY, {"code": code})
    assert replay.status_code == 400 and "already used" in replay.content.decode()
    assert other.get("/staff/").status_code == 302


def test_a_code_from_another_device_is_refused(client):
    person, colleague = staff_make(), staff_make()
    staff_device(person)
    theirs = totp_code(staff_device(colleague))
    password_login(client, person)
    assert client.post(VERIFY, {"code": theirs}).status_code == 400
    assert client.get("/staff/")["Location"].startswith(VERIFY)


def test_wrong_codes_count_in_the_log_in_throttle(client):
    person = staff_make()
    device = staff_device(person)
    password_login(client, person)  # the password step is the first attempt counted
    statuses = [client.post(VERIFY, {"code": f"{n:06d}"}).status_code for n in range(10)]
    assert statuses == [400] * 9 + [429]
    right = client.post(VERIFY, {"code": totp_code(device)})
    assert right.status_code == 429 and int(right["Retry-After"]) > 0
    assert "Too many failed log-in attempts" in right.content.decode()
    # The same counter closes the password doors too.
    other = Client()
    locked = other.post("/accounts/login/", {"email": person.email,
                                             "password": DEFAULT_PASSWORD})
    assert locked.status_code == 429


def test_a_tampered_session_cookie_is_refused(client):
    person = staff_make()
    staff_login(client, person)
    assert client.get("/staff/").status_code == 200
    real = client.cookies["sessionid"].value
    client.cookies["sessionid"] = real[:-1] + ("a" if real[-1] != "a" else "b")
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_pages_for_codes_need_a_signed_in_staff_member(client):
    for url in (SETUP, VERIFY):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(
            "/accounts/login/")
    client.force_login(UserFactory())  # a buyer
    assert client.get(VERIFY).status_code == 403
    assert client.get(SETUP).status_code == 403


def test_nothing_tells_whether_an_account_exists(client):
    staff = UserFactory(is_staff=True)
    answers = []
    for email in (staff.email, UserFactory().email, "nobody@example.test"):
        for door, field in (("/accounts/login/", "email"), ("/admin/login/", "username")):
            response = Client().post(door, {field: email, "password": "wrong-password"})
            body = response.content.decode()
            answers.append((door, response.status_code,
                            "That e-mail address and password do not match an account." in body))
    assert len(set(answers)) == 2  # one answer per door, whoever the address belongs to


def test_reset_by_another_staff_member_is_audited_and_e_mailed(client, mailoutbox):
    person = staff_make(email="lost.phone@example.test")
    staff_device(person)
    person_client = staff_login(Client(), person)
    token = staff_api_login(APIClient(), person)
    assert token.get("/api/v1/moderation/dashboard").status_code == 200
    lead = staff_make(permissions=("moderation.moderate", "accounts.reset_second_factor"))
    staff_login(client, lead)
    page = client.get("/staff/second-factor/reset/")
    assert page.status_code == 200
    empty = client.post("/staff/second-factor/reset/", {"email": person.email, "reason": ""})
    assert empty.status_code == 400 and TOTPDevice.objects.filter(user=person).exists()
    own = client.post("/staff/second-factor/reset/", {"email": lead.email, "reason": "Lost."})
    assert own.status_code == 400 and "another staff member" in own.content.decode()
    done = client.post("/staff/second-factor/reset/",
                       {"email": person.email, "reason": "Phone lost; confirmed on a call."})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not StaffToken.objects.filter(user=person).exists()
    entry = AuditLog.objects.get(action="second_factor_reset")
    assert (entry.actor_id, entry.object_type, entry.object_id, entry.reason,
            entry.status_before, entry.status_after) == (
        lead.pk, "user", str(person.pk), "Phone lost; confirmed on a call.", "enrolled",
        "not enrolled")
    told = Notification.objects.get(recipient=person, kind="staff_second_factor_reset")
    notification_deliver(notification_id=told.pk)
    assert [mail.to for mail in mailoutbox] == [[person.email]]
    assert "removed the authenticator app" in mailoutbox[0].body
    # Their open session and staff token stop working; they set up a new authenticator.
    assert person_client.get("/staff/")["Location"].startswith(SETUP)
    assert token.get("/api/v1/moderation/dashboard").status_code == 401


def test_reset_needs_the_permission(client):
    person = staff_make()
    staff_device(person)
    staff_login(client, staff_make())  # a moderator without accounts.reset_second_factor
    assert client.get("/staff/second-factor/reset/").status_code == 403
    assert client.post("/staff/second-factor/reset/",
                       {"email": person.email, "reason": "x"}).status_code == 403
    assert TOTPDevice.objects.filter(user=person).exists()
    assert not AuditLog.objects.exists()


def test_staff_token_only_from_a_verified_session_and_it_expires(client, clock):
    person = staff_make()
    unverified = APIClient()
    password_login(unverified, person)
    assert unverified.post("/api/v1/auth/staff-token").status_code == 403
    token_only = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=person).key}")
    assert token_only.post("/api/v1/auth/staff-token").status_code == 403
    staff_login(client, person)
    created = client.post("/api/v1/auth/staff-token")
    assert created.status_code == 201
    api = APIClient(HTTP_AUTHORIZATION=f"StaffToken {created.json()['token']}")
    assert api.get("/api/v1/moderation/dashboard").status_code == 200
    assert StaffToken.objects.get().key_digest != created.json()["token"]  # only a digest
    clock.move(hours=11, minutes=59)
    assert api.get("/api/v1/moderation/dashboard").status_code == 200
    clock.move(minutes=2)
    expired = api.get("/api/v1/moderation/dashboard")
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


def test_a_verified_session_opens_the_staff_api_for_12_hours_then_ends(client, clock):
    person = staff_make()
    staff_login(client, person)
    assert client.get("/api/v1/moderation/dashboard").status_code == 200
    for _ in range(30):  # active every 29 minutes: the idle limit never ends it
        clock.move(minutes=29)
        response = client.get("/api/v1/moderation/dashboard")
        if response.status_code != 200:
            break
    assert response.status_code in (401, 403)
    assert "_auth_user_id" not in client.session


def test_an_idle_staff_session_ends_after_30_minutes(client, clock):
    person = staff_make()
    staff_login(client, person)
    clock.move(minutes=29)
    assert client.get("/staff/").status_code == 200
    clock.move(minutes=31)
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_a_buyer_session_does_not_end_after_30_minutes(client, clock):
    client.force_login(UserFactory())
    clock.move(hours=2)
    assert client.get("/orders/").status_code == 200


def test_a_new_browser_is_e_mailed_and_a_known_one_is_not(client):
    person = staff_make()
    _enrolled(client, person)
    assert Notification.objects.filter(recipient=person, kind="staff_new_browser").count() == 1
    assert KnownBrowser.objects.filter(user=person).count() == 1
    device = TOTPDevice.objects.get(user=person)
    client.post("/accounts/logout/")
    password_login(client, person)  # the same browser (its cookie) again
    assert client.post(VERIFY, {"code": totp_code(device, at=time.time() + 30)}
                       ).status_code == 302
    assert Notification.objects.filter(recipient=person, kind="staff_new_browser").count() == 1
    elsewhere = Client(HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) Firefox/140.0")
    password_login(elsewhere, person)
    assert elsewhere.post(VERIFY, {"code": staff_code(person)}).status_code == 302
    notes = Notification.objects.filter(recipient=person, kind="staff_new_browser")
    assert notes.count() == 2
    assert "Firefox on Windows" in notes.order_by("pk").last().message


def test_optional_second_factor_lets_staff_in_without_a_device(client, settings):
    settings.STAFF_SECOND_FACTOR = "optional"
    person = staff_make()
    assert password_login(client, person)["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    api = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=person).key}")
    assert api.get("/api/v1/moderation/dashboard").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_same_code_sent_twice_at_once_is_accepted_once():
    import threading

    from django.db import connection

    person = staff_make()
    device = staff_device(person)
    clients = [Client(), Client()]
    for each in clients:
        password_login(each, person)
    code = totp_code(device)
    barrier = threading.Barrier(2)
    results = []

    def send(each):
        try:
            barrier.wait()
            results.append(each.post(VERIFY, {"code": code}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [302, 400]


def test_the_admin_neither_shows_nor_edits_authenticators(client):
    boss = UserFactory(is_staff=True, is_superuser=True)
    staff_login(client, boss)
    assert client.get("/admin/").status_code == 200
    for url in ("/admin/otp_totp/totpdevice/", "/admin/otp_totp/totpdevice/add/",
                "/admin/otp_static/staticdevice/"):
        assert client.get(url).status_code == 404, url


def test_after_the_code_staff_land_on_their_pages_not_the_home_page(client):
    moderator, clerk = staff_make(), staff_make(permissions=())
    for person, home in ((moderator, "/staff/"), (clerk, "/admin/")):
        client.post("/accounts/logout/")
        device = staff_device(person)
        asked = client.post("/accounts/login/", {"email": person.email,
                                                 "password": DEFAULT_PASSWORD, "next": "/"})
        assert asked["Location"].startswith(VERIFY)
        landed = client.post(VERIFY, {"code": totp_code(device), "next": "/"})
        assert landed.status_code == 302 and landed["Location"] == home
