# Two commands do all the set-up: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Test defaults: the machine's PostgreSQL and Redis on loopback (override with the variables).
# scripts/test_services.sh installs and starts them (and Chromium) when missing, as root.
TEST_DATABASE_URL ?= $(if $(DATABASE_URL),$(DATABASE_URL),postgres://taobao:taobao@127.0.0.1:5432/taobao_village)
TEST_REDIS_URL ?= $(if $(REDIS_URL),$(REDIS_URL),redis://127.0.0.1:6379/1)

.PHONY: install services run test test-fast e2e lint security bench bench-load clean

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): pyproject.toml requirements/constraints.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements/constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

services:
	DATABASE_URL="$(TEST_DATABASE_URL)" REDIS_URL="$(TEST_REDIS_URL)" bash scripts/test_services.sh

run: install
	$(PY) scripts/run_dev.py

test: install services
	DATABASE_URL="$(TEST_DATABASE_URL)" REDIS_URL="$(TEST_REDIS_URL)" $(PY) -m pytest $(PYTEST_ARGS)

test-fast: install services
	DATABASE_URL="$(TEST_DATABASE_URL)" REDIS_URL="$(TEST_REDIS_URL)" $(PY) -m pytest -m "not e2e and not services" $(PYTEST_ARGS)

e2e: install services
	DATABASE_URL="$(TEST_DATABASE_URL)" REDIS_URL="$(TEST_REDIS_URL)" $(PY) -m pytest tests/e2e $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

# bandit (fails on a high-severity finding) and pip-audit (skipped, with a message, when its
# vulnerability database is unreachable). CI runs it before `make test`.
security: install
	$(PY) .ci/security_checks.py

# Catalog benchmark on its own database (taobao_bench): `make bench BENCH_ARGS="--listings 1000000"`.
bench: install
	REDIS_URL="$(TEST_REDIS_URL)" $(PY) bench/catalog.py $(BENCH_ARGS)

# Load test (simulated buyers against gunicorn + localstripe) on its own database
# (taobao_bench_load): `make bench-load LOAD_ARGS="--buyers 32 --seconds 30 --skip-load"`.
bench-load: install
	REDIS_URL="$(TEST_REDIS_URL)" $(PY) bench/load.py $(LOAD_ARGS)

clean:
	rm -rf .data media private-media staticfiles .pytest_cache
