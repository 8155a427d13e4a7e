# Paper Atlas. `make site` builds _site/ from the shipped digests; `make test` runs every test.
# The system's Python 3.10+ where it has venv, else python3 on PATH. A build
# spends most of its time in the interpreter, and distributions build theirs
# with profile-guided optimisation: pyenv's default build ran the benchmark
# about half as fast. `make PYTHON=/path/to/python3 setup` picks another.
SYSTEM_PYTHON := $(shell /usr/bin/python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' 2>/dev/null && echo /usr/bin/python3)
PYTHON ?= $(or $(SYSTEM_PYTHON),python3)
VENV := .venv
PY := $(VENV)/bin/python
SETUP_STAMP := $(VENV)/.setup-done
TEST_SETUP_STAMP := $(VENV)/.test-setup-done

.PHONY: setup test-setup site ingest serve test bench clean

# What building needs: the package and lunr.
$(SETUP_STAMP): pyproject.toml package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	npm ci --omit=dev --no-audit --no-fund --loglevel=error
	touch $@

# What the tests need besides: pytest, Playwright, the HTML and accessibility checkers.
$(TEST_SETUP_STAMP): $(SETUP_STAMP)
	$(PY) -m pip install --quiet -e '.[test]'
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(SETUP_STAMP)
test-setup: $(TEST_SETUP_STAMP)

# BASE_URL=/atlas/ (or a full URL) builds for a GitHub Pages project site; empty means site.yaml's.
BASE_URL ?=
BASE_URL_ARG = $(if $(BASE_URL),--base-url "$(BASE_URL)")
# STRICT=1: a build that warns fails (in CI, say), though it still writes _site/.
STRICT ?=

site: setup
	$(PY) build.py build $(BASE_URL_ARG) $(if $(filter 1 yes true,$(STRICT)),--strict)

ingest: setup
	$(PY) build.py ingest

# make serve PORT=8001 when 8000 is taken. Not read from the environment, where
# many shells and containers set PORT for other servers.
PORT := 8000

serve: setup
	$(PY) build.py serve $(if $(PORT),--port "$(PORT)") $(BASE_URL_ARG)

test: test-setup
	$(PY) -m pytest

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf _site .atlas-cache .pytest_cache .hypothesis paper_atlas.egg-info
