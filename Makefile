# Kith — two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_ADMIN_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
TEST_ENV := KITH_TEST_PG_URL=$(PG_ADMIN_URL) KITH_TEST_REDIS_URL=$(REDIS_TEST_URL)
DEMO_HOME ?= .kith
DEMO_PASSWORD ?= kith-demo-2026
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test lint format install unit integration e2e fuzz services postgres redis browser openapi events-doc bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: create .venv, install, create the SQLite database, load demo data, serve on :8000
demo: $(STAMP)
	KITH_HOME=$(DEMO_HOME) KITH_MODE=demo $(BIN)/kith init --admin-email admin@kith.demo --admin-password $(DEMO_PASSWORD)
	KITH_HOME=$(DEMO_HOME) KITH_MODE=demo $(BIN)/kith demo --password $(DEMO_PASSWORD)
	@echo "Sign in at http://127.0.0.1:8000/login as admin@kith.demo / $(DEMO_PASSWORD) (demo mode only)"
	KITH_HOME=$(DEMO_HOME) KITH_MODE=demo $(BIN)/kith serve --host 127.0.0.1 --port 8000

## test: lint, then unit, integration and e2e lanes on SQLite and PostgreSQL
test: $(STAMP) lint services
	$(TEST_ENV) $(BIN)/python -m pytest -q -p no:cacheprovider -n auto --maxprocesses=4 tests/unit tests/integration tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

integration: $(STAMP) services
	$(TEST_ENV) $(BIN)/python -m pytest -q tests/integration

e2e: $(STAMP) services
	$(TEST_ENV) $(BIN)/python -m pytest -q tests/e2e

## fuzz: the schemathesis lane alone (also part of e2e), with its request counts
fuzz: $(STAMP) services
	$(TEST_ENV) $(BIN)/python -m pytest -q -s -m fuzz tests/e2e/test_api_fuzz.py

services: postgres redis browser

## browser: Debian's Chromium (and CJK fonts) for the browser tests, if missing
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) || echo "warning: chromium not installed; browser tests will be skipped" >&2

## postgres: start the local PostgreSQL server if it is down
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL did not start" >&2; exit 1

## redis: start the local Redis server (broker lane) if it is down
redis:
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /tmp --logfile /tmp/kith-redis.log
	@for i in $$(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && exit 0; sleep 1; done; echo "Redis did not start" >&2; exit 1

## openapi: regenerate the committed OpenAPI document
openapi: $(STAMP)
	$(BIN)/python -m kith.openapi docs/openapi.json

## events-doc: regenerate the event type table in docs/events.md
events-doc: $(STAMP)
	$(BIN)/kith events types --write-docs docs/events.md

bench: $(STAMP) postgres
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .kith .pytest_cache .mypy_cache .ruff_cache
