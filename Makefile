# One virtual environment for everything; every target creates it when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test check bench clean

$(BIN)/followtui: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/followtui
	$(BIN)/followtui demo

test: $(BIN)/followtui
	$(BIN)/python -m pytest -q

check: test
	$(BIN)/pip install --quiet ruff mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src/followtui --ignore-missing-imports

bench: $(BIN)/followtui
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache
