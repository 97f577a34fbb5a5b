"""Staff people in tests: make them, and sign them in the way staff sign in.

Every test that needs a signed-in staff member goes through these helpers, so the way staff
are signed in changes in one place. With STAFF_SECOND_FACTOR=required (the default) that is:
the password step (Django's force_login, as the log-in page does once the password is right),
then a real code from the person's own TOTP authenticator typed into the "verify your code"
page. API clients get a staff token created from such a verified session, as a staff script
would (POST /api/v1/auth/staff-token, then `Authorization: StaffToken <key>`).
"""

import time

from django.contrib.auth.models import Permission
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

MODERATE = "moderation.moderate"
VERIFY_URL = "/accounts/second-factor/verify/"
BROWSER_COOKIE = "staff_browser"
# Each test person uses one browser: later sign-ins (another client in the same test) carry
# the browser cookie of their first one, so they are not "a new browser" (which e-mails them).
_browsers: dict[tuple[int, str], str] = {}


def staff_make(*, permissions=(MODERATE,), **fields):
    """A staff member holding the named permissions ("app_label.codename")."""
    user = UserFactory(is_staff=True, **fields)
    for name in permissions:
        app_label, codename = name.split(".", 1)
        user.user_permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label=app_label)
        )
    return user


def staff_device(user) -> TOTPDevice:
    """The person's confirmed authenticator, set up now if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return device


def totp_code(device, *, at: float | None = None) -> str:
    """The code the person's authenticator app shows (now, or at Unix time `at`)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def staff_code(user) -> str:
    """A code that is accepted now: the app's current code, or, when that code was already
    used in this 30-second step (a second sign-in of the same person), a recovery code."""
    device = staff_device(user)
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() > device.last_t:
        return f"{totp.token():0{device.digits}d}"
    recovery, _ = StaticDevice.objects.get_or_create(
        user=user, name="Recovery codes", defaults={"confirmed": True})
    token = StaticToken.random_token()
    recovery.token_set.create(token=token)
    return token


def staff_login(client, user):
    """Sign a staff member into a page client (django.test.Client): password, then code."""
    staff_device(user)
    client.force_login(user)
    known = _browsers.get((user.pk, user.email))
    if known and BROWSER_COOKIE not in client.cookies:
        client.cookies[BROWSER_COOKIE] = known
    response = client.post(VERIFY_URL, {"code": staff_code(user), "next": "/staff/"})
    assert response.status_code == 302, response.content.decode()[:2000]
    if BROWSER_COOKIE in client.cookies:
        _browsers[(user.pk, user.email)] = client.cookies[BROWSER_COOKIE].value
    return client


def staff_token_make(user) -> str:
    """A staff token for `user`, created from a freshly verified session."""
    session = staff_login(Client(), user)
    response = session.post("/api/v1/auth/staff-token")
    assert response.status_code == 201, response.content.decode()[:2000]
    return response.json()["token"]


def staff_api_login(api_client, user):
    """Sign a staff member into an API client (rest_framework.test.APIClient)."""
    api_client.force_authenticate(None)  # a person signed in earlier would win over the token
    api_client.credentials(HTTP_AUTHORIZATION=f"StaffToken {staff_token_make(user)}")
    return api_client


def staff_browser_login(page, base_url: str, user, then: str = "/staff/", *,
                        door: str = "/accounts/login/"):
    """Sign a staff member in through a real browser (Playwright page): the password on the
    log-in page (or the admin's, door="/admin/login/"), then the code on "verify your code"."""
    from tests.factories import DEFAULT_PASSWORD

    staff_device(user)
    page.goto(f"{base_url}{door}?next={then}")
    page.fill("#id_username" if door.startswith("/admin/") else "#id_email", user.email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("input[type=submit]" if door.startswith("/admin/") else
               "button:has-text('Log in')")
    page.wait_for_url("**/accounts/second-factor/verify/**")
    page.fill("#id_code", staff_code(user))
    page.click("button:has-text('Verify')")
    page.wait_for_url(f"{base_url}{then}")
    return page
