"""Browser fixtures: Playwright drives Debian's Chromium against pytest-django's live server.

Imported once, by tests/conftest.py, so every test folder shares one session browser (a second
sync Playwright in the same process would fail).

Every page a browser test visits is checked with axe-core at 390×844 and 1280×800: a page is
checked where the test screenshots it (as the person sees it then), and every other page the
test navigated to is opened again, with the same cookies, when its browser context closes. A
serious or critical violation fails the test; moderate ones are printed and written to
test-artifacts/axe-moderate.txt.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

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
FAILING_IMPACTS = {"serious", "critical"}
# Not our pages: Django's admin and the vendored API docs.
AXE_SKIPPED_PATHS = ("/admin/", "/api/", "/static/", "/media/", "/favicon.ico")


class AxeWatch:
    """Runs axe-core on the pages one test visits, at both viewports, and keeps the findings."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.new_context = browser.new_context  # unwatched: the checker's own contexts
        self.base_url = base_url
        self.visited: dict[object, list[str]] = {}  # context → URLs in the order visited
        self.without_javascript: set[object] = set()  # contexts axe cannot run in
        self.checked: set[tuple[str, str]] = set()  # (path, viewport) already checked
        self.unopenable: set[str] = set()  # form addresses a GET cannot open
        self.failures: list[str] = []
        self.moderate: list[str] = []

    def watch(self, context, *, javascript: bool = True) -> None:
        self.visited.setdefault(context, [])
        if not javascript:
            self.without_javascript.add(context)
        context.on("page", lambda page: self._watch_page(context, page))
        for page in context.pages:
            self._watch_page(context, page)

    def _watch_page(self, context, page) -> None:
        def navigated(frame):
            if frame == page.main_frame:
                self.visited.setdefault(context, []).append(frame.url)

        page.on("framenavigated", navigated)

    def _ours(self, url: str) -> str | None:
        """The path to check, or None for another site or a page that is not ours."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.base_url:
            return None
        if parts.path.startswith(AXE_SKIPPED_PATHS):
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def check(self, page) -> None:
        """Check the page as it is now, at the phone and the laptop size."""
        from axe_playwright_python.sync_playwright import Axe

        path = self._ours(page.url)
        if path is None or page.context in self.without_javascript:
            return  # axe-core's promise never settles with scripts off: checked on close
        size = page.viewport_size
        try:
            for name, viewport in (("390x844", PHONE), ("1280x800", LAPTOP)):
                page.set_viewport_size(viewport)
                results = Axe().run(page)
                self.checked.add((path.split("?")[0], name))
                for violation in results.response["violations"]:
                    line = (f"{path} at {name}: {violation['impact']} {violation['id']}: "
                            f"{violation['help']} ({len(violation['nodes'])}× e.g. "
                            f"{violation['nodes'][0]['html'][:160]})")
                    if violation["impact"] in FAILING_IMPACTS:
                        self.failures.append(line)
                    elif violation["impact"] == "moderate":
                        self.moderate.append(line)
        finally:
            if size:
                page.set_viewport_size(size)

    def revisit(self, context) -> None:
        """Open, with the context's cookies, each page it visited that was not checked yet."""
        paths = []
        for url in self.visited.pop(context, []):
            path = self._ours(url)
            if (path and (path.split("?")[0], "390x844") not in self.checked
                    and path not in paths and path not in self.unopenable):
                paths.append(path)
        if not paths:
            return
        state = context.storage_state()
        checker = self.new_context(viewport=PHONE, storage_state=state)
        try:
            page = checker.new_page()
            page.set_default_timeout(15_000)
            for path in paths:
                try:
                    response = page.goto(self.base_url + path)
                except PlaywrightError:
                    response = None  # a form's address (POST only) that a GET cannot open
                if response is not None and response.ok:
                    self.check(page)
                else:
                    self.unopenable.add(path)
        finally:
            checker.close()

    def report(self) -> None:
        if self.moderate:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            with open(ARTIFACTS.parent / "axe-moderate.txt", "a") as out:
                out.writelines(line + "\n" for line in self.moderate)
            print("axe-core, moderate:\n  " + "\n  ".join(self.moderate))
        assert not self.failures, "axe-core, serious or critical:\n" + "\n".join(self.failures)


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
def axe_watch(request, browser, live_server, monkeypatch):
    """Check every page this test's browser contexts visit with axe-core (see the docstring)."""
    watch = AxeWatch(browser, live_server.url)
    new_context = browser.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        close = context.close

        def close_after_checks(*close_args, **close_kwargs):
            try:
                watch.revisit(context)
            finally:
                close(*close_args, **close_kwargs)

        context.close = close_after_checks
        watch.watch(context, javascript=kwargs.get("java_script_enabled", True) is not False)
        return context

    monkeypatch.setattr(browser, "new_context", watched_context)
    yield watch
    monkeypatch.undo()
    for context in list(watch.visited):  # a context the test left open
        watch.revisit(context)
    watch.report()


@pytest.fixture(autouse=True)
def axe_for_browser_tests(request):
    """Every test that drives the browser has its pages checked, screenshot or not."""
    if "browser" in request.fixturenames:
        request.getfixturevalue("axe_watch")


@pytest.fixture
def screenshot(request, tmp_path, axe_watch):
    """Save a screenshot both in the test's tmp dir and in the artifacts folder, and check the
    page with axe-core as it is."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, step: str) -> Path:
        axe_watch.check(page)
        name = f"{request.node.name}-{step}.png".replace("/", "_")
        path = tmp_path / name
        page.screenshot(path=str(path), full_page=True)
        (ARTIFACTS / name).write_bytes(path.read_bytes())
        return ARTIFACTS / name

    return take


@pytest.fixture
def phone_page(browser, axe_watch):
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
