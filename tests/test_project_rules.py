"""Rules of the codebase that a reviewer would otherwise have to remember."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ["marketplace", "sellers", "orders", "payments", "notifications", "moderation", "jobs",
           "staffguard"]


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


@pytest.mark.parametrize("package", ["notifications", "staffguard"])
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
