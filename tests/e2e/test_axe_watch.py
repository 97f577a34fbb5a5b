"""The axe-core check the browser tests rely on finds what it should, at both sizes."""

import pytest

from tests.browser import PHONE, AxeWatch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_serious_violation_is_found_and_a_moderate_one_listed(live_server, browser):
    watch = AxeWatch(browser, live_server.url)
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        watch.check(page)
        assert watch.failures == []  # the home page itself is clean
        # A photo with no text alternative (critical) and a skipped heading level (moderate).
        page.evaluate("""() => {
            const main = document.querySelector('main');
            main.insertAdjacentHTML('beforeend', '<img src="/static/favicon-32.png"><h5>Deep</h5>');
        }""")
        watch.check(page)
        assert page.viewport_size == PHONE  # the test's own size is put back
    finally:
        context.close()
    assert any(" at 390x844: critical image-alt" in line for line in watch.failures)
    assert any(" at 1280x800: critical image-alt" in line for line in watch.failures)
    assert any("moderate heading-order" in line for line in watch.moderate)


def test_pages_visited_without_a_screenshot_are_checked_when_the_context_closes(
    live_server, browser
):
    watch = AxeWatch(browser, live_server.url)
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    watch.watch(context, javascript=False)
    page = context.new_page()
    page.goto(live_server.url + "/search/?q=honey")
    page.goto(live_server.url + "/accounts/login/")
    watch.check(page)  # scripts are off here: left for the check when the context closes
    assert watch.checked == set()
    watch.revisit(context)
    context.close()
    assert {("/search/", "390x844"), ("/search/", "1280x800"),
            ("/accounts/login/", "390x844")} <= watch.checked
