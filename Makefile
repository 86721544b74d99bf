# floorkeeper: `make run` serves the demo meeting, `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
DATABASE_URL ?= sqlite:///./data/floorkeeper.db

.PHONY: run test lint format migrate screenshots bench clean

$(VENV)/.run: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.run
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

run: $(VENV)/.run
	DATABASE_URL='$(DATABASE_URL)' PORT='$(PORT)' $(BIN)/floorkeeper serve

migrate: $(VENV)/.run
	DATABASE_URL='$(DATABASE_URL)' $(BIN)/floorkeeper migrate

lint: $(VENV)/.test
	$(BIN)/ruff format --check app tests bench
	$(BIN)/ruff check app tests bench
	$(BIN)/mypy

format: $(VENV)/.test
	$(BIN)/ruff format app tests bench
	$(BIN)/ruff check --fix app tests bench

test: lint
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage report --include='app/timing/*,app/queue/*' --skip-covered --fail-under=100
	$(BIN)/coverage report --skip-covered --skip-empty

# The README's screenshots, at each page's target size (Debian's chromium, no download).
screenshots: $(VENV)/.test
	$(BIN)/python scripts/screenshots.py --out docs/screenshots
	FLOORKEEPER_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/record/test_statistics_page.py

# The benchmarks of docs/benchmarks.md (minutes; loopback only).
bench: $(VENV)/.test
	$(BIN)/python -m bench.fanout
	$(BIN)/python -m bench.clock

clean:
	rm -rf $(VENV) .coverage .mypy_cache .ruff_cache .pytest_cache
