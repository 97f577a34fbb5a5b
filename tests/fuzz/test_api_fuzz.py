"""Schemathesis against our own OpenAPI schema, in process through the WSGI app: every
operation, as a buyer, a seller and a moderator, with a bounded number of examples (valid and
invalid ones). No 500s, and every documented response matches the schema.

Each generated case is sent as generated (random ids: mostly 404s and 400s) and, when it has
path parameters, once more with the ids of real objects, so the fuzzer's bodies reach the
services behind the checks. The Stripe webhook is left out: it wants a signature.

One test drives every operation (schemathesis's lazy pytest loader does not work with pytest
9), so the database is set up and emptied once; failures are collected across operations.
"""

import json
import os
import time
from collections import Counter

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

pytestmark = [pytest.mark.fuzz, pytest.mark.services, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "15"))
TIME_BUDGET_SECONDS = float(os.environ.get("FUZZ_TIME_BUDGET", "300"))
ROLES = ("buyer", "seller", "staff")
CHECKS = [not_a_server_error, response_schema_conformance]
# Operations whose answers are known not to match the schema yet (only the 500 check runs for
# them). Empty: keep it so. The test fails when a listed operation conforms, so none go stale.
KNOWN_SCHEMA_MISMATCHES: set[str] = set()
EXCLUDED = r"/stripe/webhook$"


def api_schema():
    # Built inside the test: the generator reads filter choices from the test database.
    spec = json.loads(OpenApiJsonRenderer().render(
        SchemaGenerator().get_schema(request=None, public=True)))
    return schemathesis.openapi.from_dict(spec).exclude(path_regex=EXCLUDED)


def fuzz_operation(operation, *, app, world, checks, statuses: Counter) -> None:
    """Send MAX_EXAMPLES generated cases as each role; raise on the first failed check."""
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                         operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=strategy)
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        real_ids = {name: world["ids"][name] for name in (case.path_parameters or {})
                    if name in world["ids"]}
        variants = [dict(case.path_parameters or {})]
        if real_ids:
            variants.append({**case.path_parameters, **real_ids})
        for path_parameters in variants:
            case.path_parameters = path_parameters
            for role in ROLES:
                headers = {"Authorization": world["authorization"][role]}
                response = case.call_and_validate(app=app, headers=headers, checks=checks)
                statuses[response.status_code] += 1

    run()


def test_no_operation_answers_500_or_breaks_its_schema(fuzz_world):
    app = get_wsgi_application()
    started = time.monotonic()
    failures, fuzzed, skipped, statuses = [], [], [], Counter()
    for result in api_schema().get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if time.monotonic() - started > TIME_BUDGET_SECONDS:
            skipped.append(label)
            continue
        checks = [not_a_server_error] if label in KNOWN_SCHEMA_MISMATCHES else CHECKS
        try:
            fuzz_operation(operation, app=app, world=fuzz_world, checks=checks,
                           statuses=statuses)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect them all
            failures.append(f"{label}:\n{str(exc)[:3000]}")
        fuzzed.append(label)
    elapsed = time.monotonic() - started
    print(f"fuzzed {len(fuzzed)} operations x {len(ROLES)} roles in {elapsed:.0f} s, "
          f"{sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}; "
          f"over the time budget, not fuzzed: {skipped or 'none'}")
    assert failures == [], "\n\n".join(failures)
    assert len(fuzzed) > 60
    assert skipped == []
    assert still_mismatched(app, fuzz_world) == KNOWN_SCHEMA_MISMATCHES


def still_mismatched(app, world) -> set[str]:
    """Which known mismatches still break the schema (one plain GET as the moderator)."""
    found = set()
    for result in api_schema().get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if label not in KNOWN_SCHEMA_MISMATCHES:
            continue
        case = operation.Case()
        headers = {"Authorization": world["authorization"]["staff"]}
        try:
            case.call_and_validate(app=app, headers=headers,
                                   checks=[response_schema_conformance])
        except (Exception, BaseExceptionGroup):  # noqa: BLE001 - a failure is the answer
            found.add(label)
    return found
