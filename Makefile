# PlanDesk: `make run` serves the demo on SQLite; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_PASSWORD ?= plandesk2018
# The Lu'an plan runs in 2018: pin "today" inside its timeline (implementation phase) unless told otherwise.
PLANDESK_TODAY ?= 2018-09-15
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml 2>/dev/null | sha1sum | cut -c1-12)
SYSTEM_PACKAGES := fonts-noto-cjk texlive-lang-chinese poppler-utils libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz-subset0 fonts-arphic-gkai00mp
TEST_SYSTEM_PACKAGES := chromium

export PLANDESK_TODAY

.PHONY: run test install system-deps test-system-deps postgres babel bench mutate clean

run: install
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) plan load
	$(FLASK) demo seed --password "$(DEMO_PASSWORD)"
	@echo "PlanDesk: http://$(HOST):$(PORT)  (demo accounts: see README, password $(DEMO_PASSWORD); today = $(PLANDESK_TODAY))"
	$(FLASK) run --host "$(HOST)" --port "$(PORT)"

test: install test-system-deps postgres
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: system-deps $(STAMP) babel

# Compile the translation catalogues (the .mo files are build output, not committed).
babel: $(STAMP)
	@if ls app/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile -f -d app/translations >/dev/null; fi

$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# System packages (CJK fonts, a real 仿宋, poppler, Pango): installed when root and missing.
system-deps:
	@bash scripts/system-deps.sh $(SYSTEM_PACKAGES)

test-system-deps:
	@bash scripts/system-deps.sh $(TEST_SYSTEM_PACKAGES)

# Start a local PostgreSQL cluster that is installed but stopped (no-op elsewhere).
postgres:
	@bash scripts/start-postgres.sh

# Benchmarks (peers and floors come with the bench extra, never with the app). QUICK=1: the whole suite
# in under 2 minutes once installed, on 2 cores not busy with other work (76 s at load average 3).
# Each writes bench/results/NAME[-quick].json; report.py merges them into bench/results/latest.json and
# latest.md and prints the table with the ratios.
BENCH_STAMP := $(VENV)/.bench-$(shell cat setup.cfg pyproject.toml 2>/dev/null | sha1sum | cut -c1-12)
BENCH_MODE := $(if $(QUICK),-quick)
BENCH_START := $(shell date +%s)

bench: install postgres $(BENCH_STAMP)
	@mkdir -p bench/results
	$(BIN)/python bench/engine_bench.py $(if $(QUICK),--quick) --json bench/results/engine$(BENCH_MODE).json
	$(BIN)/python bench/pdf_bench.py $(if $(QUICK),--quick) --json bench/results/pdf$(BENCH_MODE).json
	$(BIN)/python bench/http_bench.py $(if $(QUICK),--quick) --json bench/results/http$(BENCH_MODE).json
	$(BIN)/python bench/scale_bench.py $(if $(QUICK),--quick) --json bench/results/scale$(BENCH_MODE).json
	$(BIN)/python bench/report.py $(if $(QUICK),--quick)
	@echo "make bench$(if $(QUICK), QUICK=1): $$(( $$(date +%s) - $(BENCH_START) )) s"

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

# Mutation testing (mutmut driven by bench/mutate.py) of workflows/ and the audit, visibility,
# dashboard-permission and notice-numbering modules: bench/mutation_targets.yaml maps each module to
# the tests its mutants run, on SQLite only, one worker at low priority. MUTANTS="workflows.guards.*"
# limits the run to matching mutants (default: all; results are kept between runs under mutants/).
# bench/mutation_report.py writes bench/results/mutation.json and mutation.md.
MUTATE_STAMP := $(VENV)/.mutate-$(shell cat setup.cfg pyproject.toml 2>/dev/null | sha1sum | cut -c1-12)

mutate: install $(MUTATE_STAMP)
	nice -n 19 $(BIN)/python bench/mutate.py run --max-children 1 $(MUTANTS)
	$(BIN)/python bench/mutation_report.py --note "$(if $(MUTANTS),Run over $(MUTANTS) only.,Full run.)"

$(MUTATE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[mutate]'
	touch $@

clean:
	rm -rf $(VENV) build *.egg-info mutants
