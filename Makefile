# Paper Atlas. `make site` builds _site/ from the shipped digests; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SETUP_STAMP := $(VENV)/.setup-done

.PHONY: setup site ingest serve test bench clean

$(SETUP_STAMP): pyproject.toml package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(SETUP_STAMP)

# BASE_URL=/atlas/ (or a full URL) builds for a GitHub Pages project site; empty means site.yaml's.
BASE_URL ?=
BASE_URL_ARG = $(if $(BASE_URL),--base-url "$(BASE_URL)")

site: setup
	$(PY) build.py build $(BASE_URL_ARG)

ingest: setup
	$(PY) build.py ingest

serve: setup
	$(PY) build.py serve $(BASE_URL_ARG)

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf _site .pytest_cache
