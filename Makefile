# The two commands a new user needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck pytest bench clean

# uv installs the same packages from PyPI about three times faster than pip; pip is the
# fallback when uv cannot be had.
$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q uv || true

install = if [ -x $(BIN)/uv ]; then $(BIN)/uv pip install -q --python $(BIN)/python $(1); \
	else $(BIN)/pip install -q $(1); fi

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(call install,-e .)
	touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	$(call install,-e '.[dev]')
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/scf db upgrade
	$(BIN)/scf demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

pytest: $(STAMP)
	$(BIN)/pytest -q $(PYTEST_ARGS)

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
