"""docs/architecture.md names every app, periodic job and ledger account the code has, so a new
one cannot arrive undocumented."""

import ast
import re
from pathlib import Path

from django.apps import apps

from marketplace.jobs import PERIODIC_JOBS

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "docs" / "architecture.md"
PACKAGES = ["marketplace", "sellers", "orders", "payments", "notifications", "moderation", "jobs",
            "staffguard", "web", "insights"]


def project_apps() -> list[str]:
    """Installed apps that are ours, as folders ("marketplace/accounts/")."""
    names = [config.name for config in apps.get_app_configs()]
    return [name.replace(".", "/") + "/" for name in names if name.split(".")[0] in PACKAGES]


def ledger_accounts(source: str) -> list[str]:
    """The account names payments/ledger.py can post to: its string constants and the prefix
    of each `<name>:<id>` account it builds ("escrow:<ref>" → "escrow")."""
    names = []
    for node in ast.parse(source).body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str) and node.targets[0].id.isupper()):
            names.append(node.value.value)
        if isinstance(node, ast.FunctionDef) and node.name.endswith("_account"):
            for inner in ast.walk(node):
                if isinstance(inner, ast.JoinedStr) and isinstance(inner.values[0], ast.Constant):
                    names.append(inner.values[0].value.rstrip(":"))
    return names


def missing_from(text: str, names: list[str]) -> list[str]:
    """The `names` that `text` never mentions in backticks (as `name` or `name:…`)."""
    return [name for name in names if not re.search(rf"`{re.escape(name)}[`:<]", text)]


def folders_missing_from(text: str, folders: list[str]) -> list[str]:
    """The `folders` ("sellers/") that `text` never names at the start of a path."""
    return [folder for folder in folders
            if not re.search(rf"(?<![\w/]){re.escape(folder)}", text)]


def test_the_checks_catch_a_planted_gap():
    planted = ('STRIPE_BALANCE = "stripe_balance"\n\n\n'
               'def gift_account(x):\n    return f"gift:{x}"\n')
    assert ledger_accounts(planted) == ["stripe_balance", "gift"]
    assert missing_from("`stripe_balance` and `escrow:<reference>`",
                        ["stripe_balance", "escrow", "gift"]) == ["gift"]
    assert folders_missing_from("sellers/  villages, shops\nsee `jobs/`",
                                ["sellers/", "jobs/", "hubs/"]) == ["hubs/"]
    assert folders_missing_from("see marketplace/hubs/", ["hubs/"]) == ["hubs/"]


def test_every_project_app_and_package_is_in_the_architecture_doc():
    folders = sorted(set(project_apps()) | {f"{package}/" for package in PACKAGES})
    assert "marketplace/accounts/" in folders and "sellers/" in folders
    assert folders_missing_from(ARCHITECTURE.read_text(), folders) == []


def test_every_periodic_job_is_in_the_architecture_doc():
    names = [job.name for job in PERIODIC_JOBS]
    assert "payouts-daily" in names
    assert missing_from(ARCHITECTURE.read_text(), names) == []


def test_every_ledger_account_is_in_the_architecture_doc():
    names = ledger_accounts((ROOT / "payments" / "ledger.py").read_text())
    assert {"stripe_balance", "escrow", "seller_payable"} <= set(names)
    assert missing_from(ARCHITECTURE.read_text(), names) == []
