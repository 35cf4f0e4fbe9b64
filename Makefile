# Two entry points, each doing all the set-up itself on a fresh machine:
#   make lab    JupyterLab on the quickstart notebook (emulator backend, no key needed)
#   make test   lint, types and the whole test suite: unit, client, emulator, studio,
#               library (SQLite and a throwaway PostgreSQL), judge, third-party servers (a real LiteLLM proxy, vLLM-Omni's and SGLang's real HTTP layers, gateway stand-ins),
#               the view headless and in JupyterLab, Notebook 7 and marimo (headless
#               Chromium), and the notebooks (nbval)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
JS      = node_modules/.installed

.PHONY: lab test fast lint jslint bench chromium litellm realservers postgresql clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# JupyterLab refuses root unless told (containers and CI machines often run as root).
ROOT_FLAG = $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 $(ROOT_FLAG) notebooks/01-quickstart.ipynb

chromium:
	@bash scripts/install-chromium.sh

# Debian's PostgreSQL server programs for the team library's tests (marker `store`).
postgresql:
	@bash scripts/install-postgresql.sh

# LiteLLM's proxy for tests/thirdparty, in its own venv (cached; SORA_LITELLM_VENV).
litellm:
	@bash scripts/install-litellm.sh

# vLLM-Omni's and SGLang's real HTTP layers from their wheels, no GPU stack (cached;
# SORA_REALSERVERS_VENV).
realservers:
	@bash scripts/install-real-servers.sh

# The view's JS: TypeScript's checker (strict, implicit any allowed in the views' DOM code;
# none at all in the pure modules and the channel: tsconfig.strict.json) and ESLint, from
# package-lock.json (npm ci, cached).
$(JS): package.json package-lock.json
	@bash scripts/install-js-tools.sh

jslint: $(JS)
	node_modules/.bin/tsc -p tsconfig.json
	node_modules/.bin/tsc -p tsconfig.strict.json
	node_modules/.bin/eslint sora_notebook/widgets/static tests/js eslint.config.js

test: $(STAMP) chromium litellm realservers postgresql jslint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check sora_notebook tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest
	PYTHON=$(BIN)/python bash scripts/run-notebooks.sh

lint: $(STAMP) jslint
	$(BIN)/ruff check . && $(BIN)/ruff format --check sora_notebook tests benchmarks && $(BIN)/mypy

# Between edits: everything but the slow, third-party and browser tests (about 2.5 minutes).
fast: $(STAMP) postgresql
	$(BIN)/python -m pytest -m "not slow and not thirdparty and not browser"

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .venv-litellm .venv-realservers .pytest_cache node_modules .npm-cache
