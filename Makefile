# Fresh machine: `make refresh` (set up + run the main job), `make test` (set up + run the suite).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DATA_DIR ?= ./data
export DATA_DIR

.PHONY: setup test crawl load build validate refresh export docs bench clean help

help:
	@echo "make setup     create $(VENV) and install the project with its test tools"
	@echo "make test      run the test suite (sets up first when needed)"
	@echo "make crawl     fetch reports from the registry into \$$DATA_DIR/archive"
	@echo "make build     parse + load the archive, then dbt build the warehouse"
	@echo "make validate  run the Great Expectations suites on the warehouse"
	@echo "make refresh   crawl, build, validate, render notebooks (the scheduled job)"
	@echo "make export    write every mart as Parquet and Excel-friendly CSV"
	@echo "make bench     run the benchmarks (figures go in README.md)"

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q

crawl: $(STAMP)
	$(PY) -m ingest crawl

load: $(STAMP)
	$(PY) -m ingest load

build: $(STAMP)
	$(PY) -m ingest build

validate: $(STAMP)
	$(PY) -m ingest validate

refresh: $(STAMP)
	$(PY) -m ingest refresh

export: $(STAMP)
	$(PY) -m ingest export

docs: $(STAMP)
	$(PY) -m ingest docs

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) build
