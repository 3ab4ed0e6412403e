# The two commands of the README: `make demo` and `make test`.
# Tests pin OpenBLAS to one thread: its spinning worker threads made small SVDs 50x slower
# on the 2-core machines whenever another process was busy (measured: 3.4 s vs 0.07 s).
# Both create .venv when it is missing and install what they need into it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# CPU build of torch, served from local disk on the project's machines; users may
# install any other torch build first: an existing torch is kept.
TORCH_CPU ?= torch==2.13.0

.PHONY: demo test test-slow docs lint format clean venv

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	touch $@

$(VENV)/.torch: $(VENV)/.created
	@$(PY) -c "import torch" 2>/dev/null || $(PIP) install --quiet "$(TORCH_CPU)" || $(PIP) install --quiet torch --index-url https://download.pytorch.org/whl/cpu
	touch $@

$(VENV)/.installed: $(VENV)/.torch pyproject.toml
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.torch pyproject.toml
	$(PIP) install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

$(VENV)/.installed-docs: $(VENV)/.torch pyproject.toml
	$(PIP) install --quiet -e ".[dev,docs]"
	touch $@ $(VENV)/.installed-dev $(VENV)/.installed

venv: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	$(VENV)/bin/eqqnn compare --preset quick --out runs/demo

test: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check eqqnn tests tutorials benchmarks docs/*.py
	$(VENV)/bin/ruff format --check eqqnn tests tutorials benchmarks docs/*.py
	OPENBLAS_NUM_THREADS=1 $(PY) -m pytest -q -m "not slow" eqqnn tests

# The documentation site (site/), warnings as errors; EQQNN_DOCS_EXECUTE=1 also executes
# the tutorial notebooks (they run in the test suite either way).
docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

# Heavier tests (marked `slow`), runnable on their own.
test-slow: $(VENV)/.installed-dev
	OPENBLAS_NUM_THREADS=1 $(PY) -m pytest -q -m slow eqqnn tests

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check eqqnn tests tutorials benchmarks

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix eqqnn tests tutorials benchmarks
	$(VENV)/bin/ruff format eqqnn tests tutorials benchmarks

clean:
	rm -rf $(VENV) runs .pytest_cache site
