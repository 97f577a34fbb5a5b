"""Browser fixtures: Playwright drives Debian's Chromium against pytest-django's live server.

Imported once, by tests/conftest.py, so every test folder shares one session browser (a second
sync Playwright in the same process would fail).
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make in
# between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[1]
                                / "test-artifacts" / "screenshots"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"No Chromium at {CHROMIUM}: run .ci/run or apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshot(request, tmp_path):
    """Save a screenshot both in the test's tmp dir and in the artifacts folder."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, step: str) -> Path:
        name = f"{request.node.name}-{step}.png".replace("/", "_")
        path = tmp_path / name
        page.screenshot(path=str(path), full_page=True)
        (ARTIFACTS / name).write_bytes(path.read_bytes())
        return ARTIFACTS / name

    return take


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, base: str, email: str, then: str = "/"):
    """Sign a buyer or seller in through the log-in page (the factories' password), landing
    on `then`. Staff use tests.staff.staff_browser_login (password, then their code)."""
    from tests.factories import DEFAULT_PASSWORD

    page.goto(f"{base}/accounts/login/" + (f"?next={then}" if then != "/" else ""))
    page.fill("#id_email", email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{base}{then}")
    return page
