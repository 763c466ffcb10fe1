# The two commands of the README:
#   make demo   installs everything into .venv (from nothing) and runs the main job
#   make test   installs everything into .venv (from nothing) and runs the test suite
# torch must come in as torch==2.13.0 (the CPU build on these machines) BEFORE anything
# that depends on it, or pip pulls a multi-GB CUDA build.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip

.PHONY: demo test install bench clean

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

bench: install
	$(PY) benchmarks/bench_costmodel.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
