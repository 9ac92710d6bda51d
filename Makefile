# Two commands for a fresh machine: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "Python 3.10 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

## demo: train the reference models on the bundled digits; metrics and figures go to results/;
##       then release, collect, grade, feedback, export and report a made-up class in demo-class/
demo: $(STAMP)
	$(PY) -m solutions demo --out results
	$(PY) -m autograder.cli demo --out demo-class

## test: the whole test suite
test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf results release submitted autograded feedback gradebook.db .pytest_cache
