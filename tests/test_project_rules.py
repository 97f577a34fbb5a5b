"""Rules of the codebase that a reviewer would otherwise have to remember."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ["marketplace", "sellers", "orders", "payments", "notifications", "moderation", "jobs",
           "staffguard", "web"]


def product_files():
    for package in PRODUCT:
        yield from (ROOT / package).rglob("*.py")


def test_tasks_are_only_enqueued_on_commit():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in product_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\.(delay|apply_async)\(", line)
    ]
    assert offenders == [], "enqueue with task.delay_on_commit(...), not .delay()/.apply_async()"


@pytest.mark.parametrize("package", ["notifications", "staffguard", "web"])
def test_bottom_packages_import_no_domain_app(package):
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / package).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.match(r"\s*(from|import)\s+(sellers|orders|payments|moderation|marketplace)\b", line)
    ]
    assert offenders == []


def test_jobs_imports_no_other_app():
    """jobs is the bottom of the graph: notifications, payments and orders all use it."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "jobs").rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.match(
            r"\s*(from|import)\s+(notifications|sellers|orders|payments|moderation|marketplace)\b",
            line,
        )
    ]
    assert offenders == []


def test_lower_apps_do_not_import_upward():
    order = ["jobs", "sellers", "payments", "orders", "moderation", "marketplace"]
    offenders = []
    for index, package in enumerate(order[:-1]):
        above = "|".join(order[index + 1:])
        pattern = re.compile(rf"\s*(from|import)\s+({above})\b")
        for path in (ROOT / package).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.match(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


@pytest.mark.django_db
def test_models_and_migrations_agree():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        raise AssertionError(f"a model change has no migration:\n{out.getvalue()}") from exit_


def test_only_the_checkout_state_machine_writes_a_checkout_status():
    """Every change of Checkout.status goes through checkout_transition (its table and lock)."""
    allowed = ROOT / "orders" / "services" / "checkout_states.py"
    assigns = re.compile(
        r"\bcheckout\.status\s*=(?!=)|\.status\s*=\s*(Checkout\.Status|CheckoutStatus)\."
    )
    updates = re.compile(r"Checkout\.objects\b.*\.update\([^)]*\bstatus=")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in product_files() if path != allowed
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if assigns.search(line) or updates.search(line)
    ]
    assert offenders == []


# Internal links go through URL names ({% url %} in templates, reverse()/redirect("name") in
# Python), so a path changes in one urls.py and never silently breaks a page.
TEMPLATE_PATH = re.compile(r"""\b(?:href|action|formaction)\s*=\s*["']/(?!/)""")
PYTHON_PATH = re.compile(
    r"""\b(?:redirect|HttpResponseRedirect|HttpResponsePermanentRedirect)\(\s*f?["']/(?!/)"""
    r"""|\burl\s*=\s*f?["']/(?!/)"""
)
# Rendered by Django when the site itself is failing: it keeps no tag that could fail too.
TEMPLATES_WITHOUT_TAGS = {"templates/500.html"}


def hard_coded_paths(text: str, pattern: re.Pattern) -> list[int]:
    """Line numbers of `text` where an internal path is written out instead of named."""
    return [number for number, line in enumerate(text.splitlines(), 1) if pattern.search(line)]


def test_the_path_checkers_catch_a_planted_path():
    assert hard_coded_paths('<a href="/orders/{{ order.pk }}/">', TEMPLATE_PATH) == [1]
    assert hard_coded_paths("<form method='post' action='/cart/add/'>", TEMPLATE_PATH) == [1]
    assert hard_coded_paths('<button formaction="/staff/x/">', TEMPLATE_PATH) == [1]
    assert hard_coded_paths('<a href="{% url "order" order.pk %}">', TEMPLATE_PATH) == []
    assert hard_coded_paths('<a href="https://example.com/">', TEMPLATE_PATH) == []
    assert hard_coded_paths('ok\n    return redirect("/cart/")', PYTHON_PATH) == [2]
    assert hard_coded_paths('return HttpResponseRedirect(f"/orders/{pk}/")', PYTHON_PATH) == [1]
    assert hard_coded_paths('notify(recipient=u, url=f"/sell/orders/{pk}/")', PYTHON_PATH) == [1]
    assert hard_coded_paths('return redirect("cart")', PYTHON_PATH) == []
    assert hard_coded_paths('notify(url=reverse("order", args=[pk]))', PYTHON_PATH) == []


def test_templates_name_their_internal_links():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "templates").rglob("*.html")
        if str(path.relative_to(ROOT)) not in TEMPLATES_WITHOUT_TAGS
        for number in hard_coded_paths(path.read_text(), TEMPLATE_PATH)
    ]
    assert offenders == [], "use {% url \"name\" ... %} for a link inside the site"


def test_python_names_its_internal_links():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in product_files()
        for number in hard_coded_paths(path.read_text(), PYTHON_PATH)
    ]
    assert offenders == [], "use redirect(\"name\", ...) or reverse(\"name\", ...) for a site path"
