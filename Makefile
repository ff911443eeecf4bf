# One virtual environment for everything; every target creates it when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-real check bench soak clean

$(BIN)/followtui: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/followtui
	$(BIN)/followtui demo

test: $(BIN)/followtui
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# Against Bluesky's own server software (PDS + AppView, on loopback); installs Postgres, Redis, Node 22 and
# @atproto/dev-env first (into .real/, once).
test-real: $(BIN)/followtui
	bash tests/real/setup.sh
	FOLLOWTUI_REAL=1 .venv/bin/python -m pytest -q tests/real

check: test
	$(BIN)/pip install --quiet ruff mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src/followtui --ignore-missing-imports

# The reliability campaigns in full (make test runs each with a reduced count): every test marked soak, the
# fault campaign with SOAK_RUNS seeded runs per platform. The tallies are printed at the end.
SOAK_RUNS ?= 200
soak: $(BIN)/followtui
	FOLLOWTUI_SOAK_RUNS=$(SOAK_RUNS) $(BIN)/python -m pytest -q -m soak

bench: $(BIN)/followtui
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache
