# The two commands of the README:
#   make demo   installs everything into .venv (from nothing) and runs the main job
#   make test   installs everything into .venv (from nothing) and runs the test suite
# torch must come in as torch==2.13.0 (the CPU build on these machines) BEFORE anything
# that depends on it, or pip pulls a multi-GB CUDA build.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip

.PHONY: demo test test-fast lint typecheck install bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e ".[all]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/archgym demo --out results/demo

test: install
	$(VENV)/bin/python -m pytest -q

# the inner loop: every test without the slow marker
test-fast: install
	$(VENV)/bin/python -m pytest -q -m "not slow"

# ruff lint + format check (the tree is ruff-formatted, line length 100)
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy on archgym, agents, envs and workloads under their installed names: envs/, agents/
# and workloads/ are linked into .mypy_tree/archgym next to archgym's own files
MYPY_TREE := .mypy_tree
typecheck: install
	rm -rf $(MYPY_TREE) && mkdir -p $(MYPY_TREE)/archgym
	for f in archgym/*; do ln -s "$$PWD/$$f" $(MYPY_TREE)/archgym/; done
	for d in envs agents workloads; do ln -s "$$PWD/$$d" $(MYPY_TREE)/archgym/$$d; done
	cd $(MYPY_TREE) && ../$(VENV)/bin/mypy --config-file ../pyproject.toml --cache-dir ../.mypy_cache archgym

bench: install
	$(PY) benchmarks/bench_costmodel.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache $(MYPY_TREE)
