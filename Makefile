# Fresh machine: `make refresh` (set up + run the scheduled job), `make test` (set up + run the suite).
#
# Variables (give them on the command line: `make refresh OFFLINE=1 DATA_DIR=/srv/govreports`):
#   DATA_DIR  where all state lives (archive, parse tables, warehouse, logs, reports, exports)
#   VENV      the virtualenv `setup` creates and keeps in step with pyproject.toml (.venv)
#   PY        run with this interpreter as it is: setup is skipped, nothing is installed into it
#   PYTHON    the interpreter that creates $(VENV) (python3)
#   OFFLINE=1 contact no portal: build from the archive and the shipped snapshot
#   REGISTRY  a registry YAML file or directory to crawl instead of ingest/sources/registry/
#   EXPORT=1  `make refresh` also writes the exports
#   STRICT=1  `make refresh` fails (make's exit 2) when the job finds publisher findings (its exit 3)
#   ARGS      more flags for the underlying `python -m ingest …` command
#   DEMO_DATA_DIR, DEMO_UNITS, DEMO_YEARS  where and how much synthetic data `make demo` makes
#   TEST_WORKERS  `make test`'s worker processes (auto: one a core, at most 4; 0: no workers)
PYTHON   ?= python3
VENV     ?= .venv
DATA_DIR ?= ./data
export DATA_DIR
DEMO_DATA_DIR ?= ./demo_data
DEMO_UNITS    ?= 40
DEMO_YEARS    ?= 5

# The setup stamp holds the sha256 of pyproject.toml, not a timestamp: a fresh clone's files
# are all "new", and comparing mtimes would reinstall into a venv that is already right.
STAMP := $(VENV)/.installed
ifeq ($(origin PY),undefined)
PY    := $(VENV)/bin/python
SETUP := setup
else
SETUP :=
endif

truthy = $(filter 1 yes true on,$(1))
REFRESH_FLAGS := $(strip $(if $(call truthy,$(OFFLINE)),--offline) $(if $(REGISTRY),--registry $(REGISTRY)) \
                 $(if $(call truthy,$(EXPORT)),--export) $(ARGS))
CRAWL_FLAGS   := $(strip $(if $(call truthy,$(OFFLINE)),--offline) $(if $(REGISTRY),--registry $(REGISTRY)) $(ARGS))

.PHONY: help setup test test-fast crawl load build validate refresh notebooks export docs demo bench clean browse status

help:
	@echo "make refresh    set up if needed, then crawl, build, validate, render notebooks (the scheduled job)"
	@echo "make test       set up if needed, then run the whole test suite"
	@echo "make test-fast  the suite without the slow end-to-end tests"
	@echo "make setup      create $(VENV) and install the project with its test tools"
	@echo "make crawl      fetch reports from the registry into \$$DATA_DIR/archive"
	@echo "make build      parse + load the archive, then dbt build and publish the warehouse"
	@echo "make validate   run the Great Expectations suites on the warehouse"
	@echo "make notebooks  execute the notebooks and render them to \$$DATA_DIR/reports/notebooks"
	@echo "make export     write every mart as Parquet and Excel-ready CSV to \$$DATA_DIR/exports"
	@echo "make browse     browse the published warehouse in Datasette at http://127.0.0.1:8001/ (PORT=…)"
	@echo "make status     what the warehouse holds: reports, coverage, last refresh, findings"
	@echo "make docs       regenerate the data dictionary (dbt docs) → \$$DATA_DIR/reports/data_dictionary.html"
	@echo "make demo       synthetic data on fictional places (演示省) in its own warehouse (\$$DEMO_DATA_DIR), never mixed with real data"
	@echo "make bench      run the benchmarks (figures go in docs/benchmarks.md)"
	@echo "variables: DATA_DIR=$(DATA_DIR) VENV=$(VENV) PY=$(PY) OFFLINE= REGISTRY= EXPORT= ARGS="

setup:
	@$(PYTHON) ingest/doctor.py --quiet
	@want=$$($(PYTHON) -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml","rb").read()).hexdigest())') || exit 1; \
	if [ -x "$(VENV)/bin/python" ] && [ "$$(cat '$(STAMP)' 2>/dev/null)" = "$$want" ]; then exit 0; fi; \
	echo "setting up $(VENV) (first run, or pyproject.toml changed) …"; \
	if [ ! -x "$(VENV)/bin/python" ]; then $(PYTHON) -m venv "$(VENV)" || exit 1; fi; \
	if [ -t 1 ]; then quiet=; else quiet=--quiet; fi; \
	"$(VENV)/bin/python" -m pip install --quiet --upgrade pip && \
	"$(VENV)/bin/python" -m pip install $$quiet --progress-bar on -e '.[test]' && \
	echo "$$want" > "$(STAMP)" && echo "$(VENV) is ready"

# Most of the suite waits on child processes (dbt, refreshes, crawls of local servers), so two
# workers finish it in 60 % of the time even on 2 cores (513 s against 857 s for the fresh-clone
# suite on this machine). A module's tests stay on one worker (--dist loadscope): its fixtures
# are built once.
TEST_WORKERS ?= auto
test: $(SETUP)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --maxprocesses 4 --dist loadscope $(ARGS)

test-fast: $(SETUP)
	$(PY) -m pytest -q -m "not slow" $(ARGS)

crawl: $(SETUP)
	$(PY) -m ingest crawl $(CRAWL_FLAGS)

load: $(SETUP)
	$(PY) -m ingest load $(ARGS)

build: $(SETUP)
	$(PY) -m ingest build $(ARGS)

validate: $(SETUP)
	$(PY) -m ingest validate $(ARGS)

# The job exits 3 when it succeeded and the reports hold findings about their publishers (the
# shipped snapshot has one): that is news, not a failure, so make does not print "Error 3" for it.
# STRICT=1 keeps the job's 3 a make failure, for schedulers that want to be told.
# (One plain command, not a shell snippet: make runs it directly, so a refresh whose make is
# killed sees its parent die and stops its stages.)
refresh: $(SETUP)
	$(PY) -m ingest refresh $(REFRESH_FLAGS) $(if $(call truthy,$(STRICT)),,--findings-exit 0)

notebooks: $(SETUP)
	$(PY) -m ingest notebooks $(ARGS)

export: $(SETUP)
	$(PY) -m ingest export $(ARGS)

PORT ?= 8001
browse: $(SETUP)
	$(PY) -m ingest browse --port $(PORT) $(ARGS)

status: $(SETUP)
	$(PY) -m ingest status $(ARGS)

# The data dictionary: rebuilds aside with `dbt docs generate`, validates, publishes (no crawl).
docs: $(SETUP)
	$(PY) -m ingest refresh --offline --docs --no-notebooks $(ARGS)

# Synthetic reports (ingest/synthetic.py: many fictional counties of 演示省 and years, so the
# comparisons have something to compare) go into their own DATA_DIR and warehouse; the real
# snapshot is not imported there, and the generator refuses a directory that already holds
# documents. The refresh exits 3 on the findings the generator planted; the check then exits 0
# when validation found exactly those, and prints the difference otherwise.
demo: $(SETUP)
	@if [ ! -f "$(DEMO_DATA_DIR)/archive/archive.duckdb" ]; then \
	  $(PY) -m ingest.synthetic --data-dir "$(DEMO_DATA_DIR)" --units $(DEMO_UNITS) --years $(DEMO_YEARS) || exit 1; fi
	@DATA_DIR="$(DEMO_DATA_DIR)" $(PY) -m ingest refresh --offline --no-snapshot $(ARGS); rc=$$?; \
	  if [ $$rc -ne 0 ] && [ $$rc -ne 3 ]; then exit $$rc; fi
	$(PY) -m ingest.synthetic check --data-dir "$(DEMO_DATA_DIR)"

bench: $(SETUP)
	$(PY) -m bench $(ARGS)

# Removes the environment and build leftovers, never DATA_DIR: the archive is not reproducible.
clean:
	rm -rf "$(VENV)" build dbt_project/target dbt_project/logs
