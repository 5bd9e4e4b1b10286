# The textbook's two commands:  `make lab` opens it, `make test` runs every test.
# Every target calls tools/textbook.py, which does the work (and runs without make:
# `python tools/textbook.py lab`). It creates .venv on first use and reuses it afterwards.

PYTHON   ?= python3
TEXTBOOK := $(PYTHON) tools/textbook.py
PORT     ?= 8888
NB       ?=

.PHONY: lab refresh test lint unit notebooks browser execute bench check-env setup clean

## lab: set up, then serve your own copy of the chapters (my-notebooks/) in JupyterLab
lab:
	$(TEXTBOOK) lab --port $(PORT)

## refresh: replace your copy of one chapter with the book's, e.g. make refresh NB=03 (yours is kept)
refresh:
	$(TEXTBOOK) refresh $(NB)

## test: set up with the test extra, then lint, unit tests, nbval over notebooks/, and the browser tests
test:
	$(TEXTBOOK) test

lint:
	$(TEXTBOOK) lint

unit:
	$(TEXTBOOK) unit

## notebooks: nbval over every notebook (NB=notebooks/03_self_attention.ipynb for one)
notebooks:
	$(TEXTBOOK) notebooks $(NB)

## browser: JupyterLab in headless chromium runs notebooks and moves their controls
## (installs Debian's chromium where apt-get exists; elsewhere the tests skip)
browser:
	$(TEXTBOOK) browser

## execute: re-run notebooks in place from a fresh kernel (NB=... for one)
execute:
	$(TEXTBOOK) execute $(NB)

bench:
	$(TEXTBOOK) bench

check-env:
	$(TEXTBOOK) check-env

setup:
	$(TEXTBOOK) setup --test

clean:
	$(TEXTBOOK) clean
