PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export NUMBA_CACHE_DIR ?= $(HOME)/.cache/mattestudio/numba
PIP_CONSTRAINT_FILE := constraints.txt

.PHONY: venv venv-test run test bench clean lint package

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

venv: $(BIN)/python
	$(BIN)/pip install -q -c $(PIP_CONSTRAINT_FILE) -e .
	$(BIN)/python -m mattestudio.app.warmup

venv-test: $(BIN)/python
	$(BIN)/pip install -q -c $(PIP_CONSTRAINT_FILE) -e ".[test]"
	$(BIN)/python -m mattestudio.app.warmup

run: venv
	$(BIN)/mattestudio $(ARGS)

test: venv-test
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
