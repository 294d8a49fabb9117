# Quick start: `make demo` and `make test` both set themselves up on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test test-fast lock clean airflow-db airflow

setup: $(STAMP)

# The venv is rebuilt whenever the lock or the project metadata changes.
$(STAMP): requirements.lock pyproject.toml overrides.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock --override overrides.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/newsarchive demo --store ./archive

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile   # two workers: most tests wait on crawls and Airflow

# The unit subset: no crawl of the whole demo, no Airflow, no S3 server, no browser.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow and not airflow and not s3 and not browser"

# Airflow on this machine (no Docker): UI on http://127.0.0.1:$(AIRFLOW_PORT)/, Ctrl-C stops it.
# The archive goes to $$NEWSARCHIVE_STORE (default ./archive; s3://bucket/prefix works too).
AIRFLOW_PORT ?= 8080
airflow: $(STAMP)
	$(BIN)/python -m pipelines.schedule.localairflow --port $(AIRFLOW_PORT)

# Re-resolve every pinned version (needs the package index).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 --override overrides.txt -o requirements.lock

clean:
	rm -rf $(VENV) archive .pytest_cache
