# Two commands for a fresh machine: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean sandbox browser slides

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "Python 3.10 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@$(MAKE) --no-print-directory sandbox
	@$(MAKE) --no-print-directory browser
	@touch $@

## sandbox: install bubblewrap, which grading uses to isolate each student's kernel (Linux)
sandbox:
	@if command -v bwrap >/dev/null 2>&1; then :; \
	elif [ "$$(uname)" = Linux ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get install -y -qq bubblewrap >/dev/null 2>&1 || \
		  { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq bubblewrap >/dev/null 2>&1; }; }; then :; \
	else \
		echo "AVISO: falta bubblewrap (bwrap); la corrección funcionará sin aislamiento."; \
		echo "       En Debian/Ubuntu: sudo apt-get install bubblewrap"; \
	fi

## browser: install headless Chromium and its driver (Debian packages), which the formgrader
##          browser test drives; without them that test is skipped. Never fails the build.
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(uname)" = Linux ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || \
		  { apt-get update -qq >/dev/null 2>&1 && \
		    apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1; }; }; then :; \
	else \
		echo "AVISO: faltan chromium y chromedriver; la prueba de formgrader en el navegador se omitirá."; \
		echo "       En Debian/Ubuntu: sudo apt-get install chromium chromium-driver"; \
	fi

## demo: train the reference models on the bundled digits; metrics and figures go to results/;
##       then release, collect, grade, feedback, export and report a made-up class in demo-class/
demo: $(STAMP)
	$(PY) -m solutions demo --out results
	$(PY) -m autograder.cli demo --out demo-class

## test: the whole test suite, on two processes (pytest-xdist; a test file stays on one)
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile

## slides: render course/slides.md to course/build/slides.html and slides.pdf with marp-cli
##         (needs Node.js for npx; the PDF also needs Chromium or Chrome)
NPX ?= npx
MARP = $(NPX) --yes @marp-team/marp-cli@4 --allow-local-files
slides:
	@command -v $(NPX) >/dev/null 2>&1 || { \
		echo "make slides needs Node.js (npx was not found): install Node.js 18+ from https://nodejs.org"; \
		echo "or your package manager (Debian/Ubuntu: apt-get install nodejs npm), or open"; \
		echo "course/slides.md with the Marp extension for VS Code."; exit 1; }
	$(MARP) course/slides.md -o course/build/slides.html
	$(MARP) --pdf course/slides.md -o course/build/slides.pdf || { \
		echo "The PDF needs Chromium or Chrome (Debian/Ubuntu: apt-get install chromium);"; \
		echo "course/build/slides.html is ready."; exit 1; }

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf results demo-class release submitted autograded feedback gradebook.db .pytest_cache
