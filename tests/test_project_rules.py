"""Rules of the codebase that a reviewer would otherwise have to remember."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ["marketplace", "sellers", "orders", "payments", "notifications", "moderation", "jobs",
           "staffguard", "web", "insights"]


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
    order = ["jobs", "sellers", "payments", "orders", "moderation", "hubs", "insights",
             "marketplace"]
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


# --- Each app writes only its own tables, and keeps its private names ------------------------
# An app changes another app's rows only by calling that app's services; reads through its
# selectors (or, in a selector, its models) are fine. A `_name` is private to its module.
WRITE_CALLS = {"create", "update", "get_or_create", "update_or_create", "bulk_create",
               "bulk_update", "delete", "save", "select_for_update"}
PUBLIC_UNDERSCORE = {"_meta"}  # Django's documented model API


def app_of_module(module: str) -> str:
    """The app a dotted module belongs to ("marketplace.accounts.x" → "accounts")."""
    parts = module.split(".")
    if parts[0] == "marketplace" and len(parts) > 1 and parts[1] in ("accounts", "catalog"):
        return parts[1]
    return parts[0]


def app_of_path(path: Path) -> str:
    return app_of_module(".".join(path.relative_to(ROOT).with_suffix("").parts))


def _chain(node: ast.AST) -> tuple[str | None, list[str]]:
    """The root name and the attribute names of `A.objects.filter(...).update(...)`."""
    attributes = []
    while True:
        if isinstance(node, ast.Attribute):
            attributes.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return (node.id if isinstance(node, ast.Name) else None), attributes


def _bound_names(target: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(target) if isinstance(node, ast.Name)}


def foreign_model_writes(source: str, *, own_app: str) -> list[int]:
    """Lines of `source` (a module of `own_app`) that write or lock another app's model."""
    tree = ast.parse(source)
    models = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
        and node.module.endswith(".models") and node.module.split(".")[0] in PRODUCT
        and app_of_module(node.module) != own_app
        for alias in node.names
    }
    # Rows of those models bound to a name: `listing = Listing.objects.get(...)`.
    rows = set()
    for node in ast.walk(tree):
        value = getattr(node, "value", None) if isinstance(node, ast.Assign | ast.AnnAssign) \
            else getattr(node, "iter", None) if isinstance(node, ast.For) else None
        if value is not None and _chain(value)[0] in models:
            for target in getattr(node, "targets", None) or [node.target]:
                rows |= _bound_names(target)
    lines = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        root, attributes = _chain(node.func)
        if root in models and WRITE_CALLS & set(attributes):
            lines.add(node.lineno)
        elif root in rows and node.func.attr in ("save", "delete"):
            lines.add(node.lineno)
    return sorted(lines)


def private_name_uses(source: str, *, module: str) -> list[int]:
    """Lines of `source` (the dotted `module`) that reach another module's `_private` name."""
    tree = ast.parse(source)
    package = module.rsplit(".", 1)[0]
    imported = set()
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source_module = node.module or ""
            if node.level:  # from .x import _y: still another module's private name
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                source_module = f"{base}.{source_module}".rstrip(".")
            for alias in node.names:
                is_private = alias.name.startswith("_") and not alias.name.startswith("__")
                if is_private and source_module != module:
                    lines.add(node.lineno)
                imported.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            imported |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in imported and node.attr.startswith("_")
                and not node.attr.startswith("__") and node.attr not in PUBLIC_UNDERSCORE):
            lines.add(node.lineno)
    return sorted(lines)


def test_the_ownership_checkers_catch_planted_offenders():
    write = ("from sellers.models import Listing\n\ndef f():\n"
             "    Listing.objects.filter(pk=1).update(stock=0)\n")
    assert foreign_model_writes(write, own_app="orders") == [4]
    assert foreign_model_writes(write, own_app="sellers") == []
    lock = "from sellers.models import Shop\nShop.objects.select_for_update().get(pk=1)\n"
    assert foreign_model_writes(lock, own_app="moderation") == [2]
    create = "from sellers.models import ScreeningTerm as T\nT.objects.create(term='x')\n"
    assert foreign_model_writes(create, own_app="moderation") == [2]
    save = ("from payments.models import Escrow\nescrow = Escrow.objects.get(pk=1)\n"
            "escrow.status = 'held'\nescrow.save()\n")
    assert foreign_model_writes(save, own_app="orders") == [4]
    loop = ("from sellers.models import Listing\nfor row in Listing.objects.all():\n"
            "    row.delete()\n")
    assert foreign_model_writes(loop, own_app="orders") == [3]
    read = "from sellers.models import Listing\nrows = Listing.objects.filter(stock=0).count()\n"
    assert foreign_model_writes(read, own_app="orders") == []
    module = "orders.services.deadlines"
    assert private_name_uses("from orders.services.lifecycle import _refund\n",
                             module=module) == [1]
    assert private_name_uses("from .lifecycle import _refund, order_ship\n", module=module) == [1]
    assert private_name_uses("from orders.services import lifecycle\nlifecycle._x()\n",
                             module=module) == [2]
    assert private_name_uses("from orders.models import Order\nOrder._meta.get_field('id')\n",
                             module=module) == []
    assert private_name_uses("def _mine():\n    pass\n_mine()\n", module=module) == []


# Demo data for `make run` is laid down row by row, as a fixture would be.
WRITES_ANY_TABLE = {"marketplace/management/commands/seed_demo.py",
                    "marketplace/demo_history.py"}


def test_each_app_writes_only_its_own_tables():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in product_files()
        if "migrations" not in path.parts
        and str(path.relative_to(ROOT)) not in WRITES_ANY_TABLE
        for number in foreign_model_writes(path.read_text(), own_app=app_of_path(path))
    ]
    assert offenders == [], "ask the owning app's services to write (or lock) its rows"


def test_no_module_reaches_another_modules_private_names():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in product_files()
        for number in private_name_uses(
            path.read_text(),
            module=".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(
                ".__init__"),
        )
    ]
    assert offenders == [], "make the name public (and part of the module's contract) first"


# payments is reached through its contract: payments.services (writes), payments.selectors
# (reads), payments.errors, payments.money; never its gateway, ledger or service modules.
PAYMENTS_CONTRACT = {"payments.services", "payments.selectors", "payments.errors",
                     "payments.money", "payments.models"}
# A development-only stand-in for Stripe Elements (localstripe has none); loaded by the pay
# page only in development (tests/orders/test_development_cards.py).
PAYMENTS_DEVELOPMENT_ONLY = {"payments.development_cards"}


def payments_imports_outside_contract(source: str) -> list[int]:
    """Lines of another app's `source` importing a part of payments behind its contract."""
    lines = set()
    for node in ast.walk(ast.parse(source)):
        modules = []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names
                                       if node.module == "payments"]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        for module in modules:
            if module == "payments" and isinstance(node, ast.ImportFrom):
                continue  # judged by the names imported from it, above
            if (module.split(".")[0] == "payments" and module not in PAYMENTS_CONTRACT
                    and module not in PAYMENTS_DEVELOPMENT_ONLY):
                lines.add(node.lineno)
    return sorted(lines)


def test_the_payments_contract_checker_catches_a_planted_import():
    assert payments_imports_outside_contract("from payments.gateway import GatewayRefused\n") == [1]
    assert payments_imports_outside_contract(
        "x = 1\nfrom payments.services.escrow import escrow_release\n") == [2]
    assert payments_imports_outside_contract("from payments import ledger\n") == [1]
    assert payments_imports_outside_contract("import payments.transitions\n") == [1]
    assert payments_imports_outside_contract(
        "from payments.services import escrow_release\nfrom payments.errors import X\n") == []


def test_other_apps_reach_payments_only_through_its_contract():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in product_files()
        if app_of_path(path) != "payments"
        for number in payments_imports_outside_contract(path.read_text())
    ]
    assert offenders == [], "call payments.services (or read payments.selectors)"


# Domain errors live in each app's errors.py, so views and other apps import them from there.
APPS_WITH_ERRORS = ["sellers", "orders", "payments", "moderation", "notifications", "brands",
                    "hubs"]


def error_classes_defined(source: str) -> list[int]:
    """Lines of `source` that define an exception class."""
    tree = ast.parse(source)
    from_errors = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("errors")
        for alias in node.names
    }
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = [base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
                     for base in node.bases]
            if any(name in from_errors or re.search(r"(Error|Exception)$", name)
                   for name in bases):
                lines.append(node.lineno)
    return lines


def test_the_error_class_checker_catches_a_planted_class():
    assert error_classes_defined("class Oops(ValueError):\n    pass\n") == [1]
    assert error_classes_defined(
        "from orders.errors import OrderError\n\nclass Late(OrderError):\n    pass\n") == [3]
    assert error_classes_defined("class Thing(models.Model):\n    pass\n") == []


def test_domain_errors_live_in_errors_modules():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for app in APPS_WITH_ERRORS
        for path in (ROOT / app).rglob("*.py")
        if path.name != "errors.py" and "migrations" not in path.parts
        for number in error_classes_defined(path.read_text())
    ]
    assert offenders == [], "define the error in the app's errors.py"


def errors_imported_from_services(source: str) -> list[int]:
    """Lines of `source` importing an exception class from a services module (where it is
    only passing through) instead of from the app's errors.py."""
    import importlib

    lines = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                and "services" in node.module.split(".")
                and app_of_module(node.module) in APPS_WITH_ERRORS):
            continue
        module = importlib.import_module(node.module)
        for alias in node.names:
            value = getattr(module, alias.name, None)
            if isinstance(value, type) and issubclass(value, BaseException):
                lines.append(node.lineno)
    return lines


def test_the_error_import_checker_catches_a_planted_import():
    assert errors_imported_from_services(
        "from orders.services.lifecycle import OrderNotFound\n") == [1]
    assert errors_imported_from_services("from orders.errors import OrderNotFound\n") == []
    assert errors_imported_from_services(
        "from orders.services.lifecycle import order_cancel\n") == []


def test_errors_are_imported_from_errors_modules():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in product_files()
        if "migrations" not in path.parts
        for number in errors_imported_from_services(path.read_text())
    ]
    assert offenders == [], "import a domain error from its app's errors.py"


def application_imports(source: str) -> list[int]:
    """Line numbers where `source` imports one of the project's packages (anywhere in it,
    functions included)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.ImportFrom):
            names = ["(relative)"]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        if any(name == "(relative)" or name.split(".")[0] in PRODUCT for name in names):
            lines.append(node.lineno)
    return lines


def test_the_migration_import_checker_catches_a_planted_import():
    planted = ("from django.db import migrations\n\n\ndef fill(apps, schema_editor):\n"
               "    from sellers.services.search_vocabulary import search_vocabulary_rebuild\n")
    assert application_imports(planted) == [5]
    assert application_imports("import payments.ledger\n") == [1]
    assert application_imports("from ..models import Shop\n") == [1]
    assert application_imports("import django.db.models.functions.text\n") == []


def test_migrations_import_no_application_code():
    """A migration runs against the code of every later release: one that imports services or
    models of the app breaks `migrate` on a fresh database once that code changes. Migrations
    use django, the standard library and `apps.get_model` only."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in PRODUCT
        for path in (ROOT / package).glob("migrations/*.py")
        for number in application_imports(path.read_text())
    ]
    assert offenders == [], "copy what a migration needs into it; do not import app code"
