# The textbook's two commands:  `make lab` opens it, `make test` runs every test.
# Both create .venv on first use and reuse it afterwards (the stamp file records the install).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8888
NB     ?=

.PHONY: lab test lint unit notebooks browser execute bench check-env clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	$(BIN)/python -m transformer_lib.tooling.check_env
	touch $(STAMP)

## lab: set up, then serve JupyterLab on the first notebook
lab: $(STAMP)
	$(BIN)/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) $(if $(filter 0,$(shell id -u)),--allow-root,) \
		--ServerApp.root_dir=notebooks notebooks/00_overview.ipynb

## test: set up, then lint, unit tests, nbval over every notebook and solution, and the live controls in a browser
test: $(STAMP) lint unit notebooks browser

lint: $(STAMP)
	$(BIN)/ruff check transformer_lib tests tools notebooks

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests --ignore=tests/browser

## notebooks: nbval over every notebook (NB=notebooks/03_self_attention.ipynb for one)
notebooks: $(STAMP)
	$(BIN)/python -m pytest -q --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
		$(or $(NB),notebooks)

## browser: JupyterLab in headless Chromium runs notebooks and moves their controls
## (installs Debian's chromium when /usr/bin/chromium is missing; never a downloaded browser)
browser: $(STAMP)
	test -x /usr/bin/chromium || { $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive \
		sh -c 'apt-get update && apt-get install -y chromium'; }
	$(BIN)/python -m pytest -q tests/browser

## execute: re-run notebooks in place from a fresh kernel (NB=... for one)
execute: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(or $(NB),notebooks)

bench: $(STAMP)
	$(BIN)/python -m transformer_lib.tooling.bench

check-env: $(STAMP)
	$(BIN)/python -m transformer_lib.tooling.check_env

clean:
	rm -rf $(VENV)
