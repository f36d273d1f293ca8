# Sigap: `make run` serves the whole stack locally; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test unit demo bench bench-escalation bench-lapor bench-webhooks bench-reports clean

$(STAMP): requirements.txt requirements-test.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-test.txt
	touch $(STAMP)

run: $(STAMP)  ## Emulators + topics + every function behind http://127.0.0.1:8080, until Ctrl-C
	$(PY) -m infra.local.run

demo: $(STAMP)  ## Post one signed complaint to the running stack and show the routed case
	$(PY) -m infra.local.demo

test: $(STAMP)  ## The whole suite; integration tests start their own emulators on free ports
	$(PY) -m pytest

unit: $(STAMP)  ## Only the fast tests (no emulators)
	$(PY) -m pytest tests/unit tests/functions

bench: $(STAMP)  ## Intake throughput vs raw transactional writes, and cold-start import times
	$(PY) -m tests.benchmarks.bench_intake

bench-escalation: $(STAMP)  ## One escalation tick over 50,000 open cases (100 due) vs 100 open
	$(PY) -m tests.benchmarks.bench_escalation

bench-lapor: $(STAMP)  ## First sync of 10,000 LAPOR! reports, then an idle sync
	$(PY) -m tests.benchmarks.bench_lapor_sync

bench-webhooks: $(STAMP)  ## Fan-out of 1,000 events to 10 subscribers, one of them slow
	$(PY) -m tests.benchmarks.bench_webhooks

bench-reports: $(STAMP)  ## The reports over 100,000 cases: 4-week and 52-week periods, time and reads
	$(PY) -m tests.benchmarks.bench_reports

clean:
	rm -rf $(VENV) .stack .pytest_cache
