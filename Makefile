# motcua: the interface for people and CI. Every target is idempotent.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LOCAL  := deploy/local

# Integration tests take the servers from these when given; otherwise `infra-up` provides them.
export PG_PORT ?= 5433
export KAFKA_PORT ?= 9092

.PHONY: help install infra-up infra-down run down test test-unit test-contract test-integration test-e2e \
        test-replay lint contracts bench clean status screenshot

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv with pinned dependencies, PostgreSQL (apt) and Kafka jars (Maven)
	@bash $(LOCAL)/system-packages.sh
	@if [ -z "$$DATABASE_URL" ]; then bash $(LOCAL)/postgres.sh install; fi
	@if [ -z "$$KAFKA_BOOTSTRAP_SERVERS" ]; then bash $(LOCAL)/kafka.sh fetch; fi

infra-up: install ## start the local Kafka broker and PostgreSQL cluster (unless given from outside)
	@if [ -z "$$DATABASE_URL" ]; then bash $(LOCAL)/postgres.sh start; fi
	@if [ -z "$$KAFKA_BOOTSTRAP_SERVERS" ]; then bash $(LOCAL)/kafka.sh start; fi

infra-down: ## stop the local Kafka broker and PostgreSQL cluster
	@bash $(LOCAL)/kafka.sh stop
	@bash $(LOCAL)/postgres.sh stop

run: infra-up ## start everything, play a demo month through the APIs (DEMO=0: no traffic), print the URLs
	@DEMO=$${DEMO:-1} bash $(LOCAL)/services.sh start
	@DEMO=$${DEMO:-1} bash $(LOCAL)/services.sh demo

screenshot: install ## headless Chromium picture of the dashboard page → docs/demo/dashboard.png
	@bash $(LOCAL)/screenshot.sh

status: ## show what the project is running
	@bash $(LOCAL)/services.sh status

down: ## stop every process the project started, by pid
	@bash $(LOCAL)/services.sh stop
	@$(MAKE) --no-print-directory infra-down

test: infra-up ## all tiers against the real broker and server
	@bash $(LOCAL)/pytest.sh tests

test-unit: install ## unit tier (no infrastructure)
	$(PY) -m pytest tests/unit -q

test-contract: install ## contract tier (no infrastructure)
	$(PY) -m pytest tests/contract -q

test-integration: infra-up ## integration tier on the real Kafka and PostgreSQL
	@bash $(LOCAL)/pytest.sh tests/integration

test-e2e: infra-up ## end-to-end journeys across the running processes
	@bash $(LOCAL)/pytest.sh tests/e2e

test-replay: infra-up ## replay tier
	@bash $(LOCAL)/pytest.sh tests/replay

lint: install ## ruff, mypy, import-linter, and contract drift/compatibility
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy contracts intake processing delivery projections services
	$(VENV)/bin/lint-imports
	@if [ -f contracts/generate.py ]; then $(PY) -m contracts.generate --check; fi

contracts: install ## regenerate JSON Schema and AsyncAPI documents from the models
	$(PY) -m contracts.generate

bench: infra-up ## throughput ratios against raw baselines, in one run
	$(PY) -m services.bench

clean: down ## remove the venv and local state (the Kafka jar cache in ~/.cache/motcua is kept)
	@bash $(LOCAL)/postgres.sh destroy
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache *.egg-info
