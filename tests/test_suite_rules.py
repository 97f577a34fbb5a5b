"""Rules for the test suite itself: shared helpers live in modules (tests/support.py,
tests/builders.py, tests/checkout_http.py, tests/stripe_support.py, tests/browser.py,
tests/staff.py), never imported from another folder's conftest or from a test module, and
never copied."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
HELPER_MODULES = {"support.py", "browser.py", "builders.py", "checkout_http.py",
                  "stripe_support.py", "staff.py", "factories.py", "processes.py"}
# Helpers that were once copied into several files: one definition each, in a helper module.
SHARED_HELPERS = {"wait_until", "client_for", "log_in", "jpeg_bytes", "png_bytes",
                  "run_together", "audit_rows", "dispute_opened_hours_ago", "paid_orders",
                  "held_escrow", "paid_intent", "cache_clear_own_keys"}


def _modules():
    for path in sorted(TESTS.rglob("*.py")):
        yield path, ast.parse(path.read_text(), filename=str(path))


def test_no_test_imports_another_folders_conftest_or_a_test_module():
    offenders = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("tests."):
                continue
            parts = node.module.split(".")
            if parts[-1] == "conftest" and Path(*parts[1:-1]) != path.parent.relative_to(TESTS):
                offenders.append(f"{path.relative_to(TESTS)}: from {node.module}")
            if parts[-1].startswith("test_") and node.module != "tests.test_settings":
                offenders.append(f"{path.relative_to(TESTS)}: from {node.module}")
    assert offenders == []


def test_shared_helpers_are_defined_once_in_a_helper_module():
    defined: dict[str, list[str]] = {}
    for path, tree in _modules():
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in SHARED_HELPERS:
                defined.setdefault(node.name, []).append(str(path.relative_to(TESTS)))
    misplaced = {name: where for name, where in defined.items()
                 if len(where) != 1 or where[0] not in HELPER_MODULES}
    assert misplaced == {}
    assert set(defined) == SHARED_HELPERS
