# Teleconsult — `make run`, `make test`, `make bench`. Each target bootstraps .venv on a fresh machine
# (and node_modules, for the JavaScript checks of `make lint`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
JS := server/patient_web/static/js
# The companion server alone, as a host installs it (no Qt, no media stack), with its tests' tools.
SERVER_VENV := .venv-server
SERVER_BIN := $(SERVER_VENV)/bin
SERVER_STAMP := $(SERVER_VENV)/.installed
# What `make test` runs in the server-only virtualenv; everything else runs once, in .venv.
SERVER_TESTS := tests/server tests/contracts tests/test_logfail.py

.PHONY: run test lint bench server clean stress-check soak fuzz scale-demo package package-test a11y demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[desktop,dev]'
	touch $(STAMP)

$(SERVER_BIN)/python:
	$(PYTHON) -m venv $(SERVER_VENV)
	$(SERVER_BIN)/python -m pip install --quiet --upgrade pip

$(SERVER_STAMP): pyproject.toml | $(SERVER_BIN)/python
	$(SERVER_BIN)/python -m pip install --quiet -e '.[server-tests]'
	touch $(SERVER_STAMP)

# The patient pages' JavaScript checkers (TypeScript, ESLint), pinned in package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

run: $(STAMP)
	$(BIN)/teleconsult

# The app signed in on a lived-in practice (about 200 patients, conversations, invitations in every
# status, requests, past calls, claims, payments) on a local server in a temporary folder.
demo: $(STAMP)
	$(BIN)/python scripts/demo.py $(DEMO_ARGS)

server: $(SERVER_STAMP)
	$(SERVER_BIN)/teleconsult-server serve

lint: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/vulture
	npx --no -- tsc -p tsconfig.json --noEmit
	npx --no -- eslint $(JS)

# Two disjoint runs, each failing the target (pytest's exit code 5, no test collected, included): the
# server's tests in the server-only virtualenv, which proves the server needs no desktop package, then
# the rest in .venv.
test: lint $(SERVER_STAMP)
	TELECONSULT_SERVER_VENV=1 $(SERVER_BIN)/python -m pytest $(SERVER_TESTS) $(PYTEST_ARGS)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(addprefix --ignore=,$(SERVER_TESTS)) $(PYTEST_ARGS)

# Deeper fuzzing than `make test`: schemathesis on every operation with many more examples (random
# seeds), on SQLite and PostgreSQL; prints per backend "N operations, N requests, N server errors,
# N schema violations". FUZZ_EXAMPLES examples per operation, mode and address kind.
FUZZ_EXAMPLES ?= 60
fuzz: $(STAMP)
	TELECONSULT_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -p no:cacheprovider \
		tests/server/test_fuzz_openapi.py tests/contracts/test_properties.py tests/server/test_parser_properties.py $(PYTEST_ARGS)

# Browser, UI and realtime tests 5 times beside `stress-ng --cpu 2`: prints "N runs, N failures".
stress-check: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python scripts/stress_check.py --runs 5

# Chaos at length: server processes SIGKILLed many times under senders and resuming sockets, on
# SQLite and on two PostgreSQL processes with their Redis killed and hung (a few kills in `make test`).
soak: $(STAMP)
	TELECONSULT_SOAK=1 QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -s tests/server/test_chaos.py $(PYTEST_ARGS)

# Three server processes behind HAProxy with TLS (deploy/haproxy.cfg): the consultation through the
# proxy, a node SIGKILLed under load, a rolling restart; prints the figures (docs/deploy.md).
scale-demo: $(STAMP)
	$(BIN)/python scripts/scale_demo.py

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench

# Lighthouse (npm) on the patient pages in Debian's chromium: accessibility score and the conversation
# page's layout shift (~20 s a page, so not in `make test`, where axe-core checks every page).
a11y: $(STAMP) $(NODE_STAMP)
	TELECONSULT_LIGHTHOUSE=1 $(BIN)/python -m pytest -s -p no:cacheprovider tests/e2e/test_patient_lighthouse.py $(PYTEST_ARGS)

# The desktop app as a .deb in dist/ (Briefcase with our template packaging/linux-system, on the
# system Python in its own .venv-package; docs/packaging.md). package-test installs it (root) and
# starts it under Xvfb: the local server must answer and the app reach account creation.
package:
	packaging/build-deb.sh

package-test: $(STAMP)
	packaging/apt-ensure.sh xvfb xauth xdotool imagemagick
	TELECONSULT_PACKAGE_TEST=1 $(BIN)/python -m pytest -s -p no:cacheprovider tests/packaging/test_deb.py $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(SERVER_VENV) .venv-package logs node_modules build dist .mypy_cache .ruff_cache .pytest_cache
