# Common tasks. Every target uses the project's own virtualenv in .venv.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PLAN_DOCUMENT ?= actionplan/data/plans/kansai-industrial-vision-action-plan-2025-11.txt

.PHONY: run test lint typecheck bench clean

# The stamp file makes `make` reinstall only when pyproject.toml changes.
$(VENV): $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The compiled .mo files are committed, so gettext (msgfmt) is optional here.
run: $(VENV)
	if command -v msgfmt >/dev/null 2>&1; then \
		$(BIN)/actionplan compilemessages --verbosity 0 --ignore "$(VENV)" --ignore var --ignore data; \
	fi
	$(BIN)/actionplan migrate --noinput
	$(BIN)/actionplan createcachetable
	$(BIN)/actionplan collectstatic --noinput --verbosity 0
	$(BIN)/actionplan load-reference
	$(BIN)/actionplan import $(PLAN_DOCUMENT)
	$(BIN)/actionplan indicators-from-plan
	$(BIN)/actionplan serve --host $(HOST) --port $(PORT)

test: lint typecheck
	$(BIN)/pytest

lint: $(VENV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)
	$(BIN)/mypy .

bench: $(VENV)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var build .mypy_cache .ruff_cache .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name '*.egg-info' -type d -prune -exec rm -rf {} +
