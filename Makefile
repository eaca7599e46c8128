# The few commands people run. `make run` and `make test` are the README's two set-up
# commands: each installs what it needs on a fresh machine, then does its job.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench bench-postgis demo system-deps assets clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(STAMP): requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Leaflet and jQuery from the npm registry, served by the app from static/ (no CDN at run time).
assets: static/node_modules/.package-lock.json
static/node_modules/.package-lock.json: static/package.json static/package-lock.json
	cd static && npm ci --no-audit --no-fund --loglevel=error

# Debian's chromium (browser tests, snapshots), gdal-bin (ogrinfo) and PostgreSQL with
# PostGIS (the tests' throw-away cluster) when missing.
system-deps:
	@sh scripts/install-system-deps.sh

# scripts/serve.py serves dashboard.py plus the session-cookie routes (st.App).
run: $(VENV)/.runtime assets
	$(VENV)/bin/streamlit run scripts/serve.py

test: $(STAMP) assets system-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy geo/
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

bench: $(STAMP)
	$(PY) bench/bench_area_assignment.py
	$(PY) bench/bench_coverage.py
	$(PY) bench/bench_import.py
	$(PY) bench/bench_handout.py
	$(PY) bench/bench_browser.py
	$(PY) bench/bench_keepalive.py
	$(PY) bench/bench_plan.py
	$(PY) bench/bench_store.py

# PostGIS at many years of fixes (long: sizes are parameters, see the script).
bench-postgis: $(STAMP)
	$(PY) bench/bench_postgis.py --copies 6

demo: $(VENV)/.runtime
	$(PY) -m geo.demo

clean:
	rm -rf $(VENV) static/node_modules data/*.gpkg data/*.lock
