# Quick start: `make run` (set up .venv and open the app on the bundled sample) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export NUMBA_CACHE_DIR ?= $(HOME)/.cache/mattestudio/numba
# torch is pinned to the CPU build through this constraints file on every install (see docs/ENVIRONMENT notes)
PIP := $(BIN)/python -m pip install -q -c constraints.txt

.PHONY: run test lint venv venv-test bench-speed package clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml setup.py constraints.txt
	$(PIP) -e .
	$(BIN)/python -m mattestudio.app.warmup
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) -e ".[test]"
	touch $@

venv: $(VENV)/.installed
venv-test: $(VENV)/.installed-test

run: venv
	$(BIN)/mattestudio $(ARGS)

# import-linter cannot follow the editable install's folder mapping: check a plain build of the package instead
lint: venv-test
	rm -rf build/lint
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation --target build/lint . 2>/dev/null
	cd build/lint && ../../$(BIN)/lint-imports --config ../../pyproject.toml

test: venv-test lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench-speed: venv
	$(BIN)/mattestudio bench --speed

# one-dir PyInstaller bundle in dist/mattestudio, then its offscreen smoke test (docs/PACKAGING.md)
package: venv
	$(PIP) -e ".[package]"
	PY=$(BIN)/python bash packaging/build.sh
	bash packaging/smoke.sh

clean:
	rm -rf $(VENV) build dist *.egg-info
