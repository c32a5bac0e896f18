# Desktop SLM developer commands. `make run` opens the app, `make test` runs every check.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# llama-cpp-python compiles from source; the multimodal part is not used.
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF

.PHONY: setup run test pytest lint models bench deb clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@PYTHON=$(PYTHON) .ci/check-prereqs build
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing Desktop SLM and its dependencies into $(VENV)"
	@echo "(the first time, llama.cpp is compiled: about 15 minutes on 2 cores)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

run: setup
	@VENV_PYTHON=$(BIN)/python .ci/check-prereqs qt xcb
	$(BIN)/desktop-slm $(ARGS)

models: setup
	$(BIN)/python -m tests.support.test_models

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/vulture desktop_slm .ci/vulture_whitelist.py --min-confidence 80

pytest: setup models
	@VENV_PYTHON=$(BIN)/python .ci/check-prereqs qt offscreen
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint pytest

bench: setup models
	$(BIN)/python -m benchmarks

# The Linux installer, dist/desktop-slm_<version>-1_<arch>.deb (packaging/README.md). It
# is built with the system Python in its own venv (build/pkg-venv), never with .venv.
DEB_PYTHON ?= /usr/bin/python3
deb:
	$(DEB_PYTHON) packaging/build.py deb $(DEB_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
