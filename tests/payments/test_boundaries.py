"""payments knows money, not orders: it imports nothing from the apps above it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_payments_imports_nothing_from_orders_moderation_or_marketplace():
    pattern = re.compile(r"^\s*(from|import)\s+(orders|moderation|marketplace)\b")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "payments").rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.match(line)
    ]
    assert offenders == []


def test_the_webhook_is_the_only_csrf_exempt_view_in_payments():
    hits = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "payments").rglob("*.py")
        if "@csrf_exempt" in path.read_text()
    ]
    assert hits == ["payments/api.py"]
