# The two commands a new user needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
# Every package at the version CI tested, with its hashes: uv and plain pip install it alike.
LOCK := requirements.lock
# The same pins without the development tools: all `make demo` needs, so it installs faster.
RUNTIME_LOCK := requirements-runtime.lock
RUNTIME := $(VENV)/.installed
DEMO_ARGS ?=

.PHONY: demo test lint typecheck pytest bench lock messages clean

# uv installs the same packages from PyPI about three times faster than pip; pip is the
# fallback when uv cannot be had.
$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q uv || true

install = if [ -x $(BIN)/uv ]; then $(BIN)/uv pip install -q --python $(BIN)/python $(1); \
	else $(BIN)/pip install -q $(1); fi

# The locked packages first (hash-checked), then the project itself without its dependencies,
# so nothing unlocked slips in.
$(STAMP): $(LOCK) pyproject.toml | $(BIN)/python
	$(call install,-r $(LOCK))
	$(call install,--no-deps -e .)
	touch $(RUNTIME) $@

$(RUNTIME): $(RUNTIME_LOCK) pyproject.toml | $(BIN)/python
	$(call install,-r $(RUNTIME_LOCK))
	$(call install,--no-deps -e .)
	touch $@

# `scf demo` brings the database up to date itself.
demo: $(RUNTIME)
	$(BIN)/scf demo $(DEMO_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

typecheck: $(STAMP)
	$(BIN)/mypy src

pytest: $(STAMP)
	$(BIN)/pytest -q $(PYTEST_ARGS)

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench.run

# Re-resolve every dependency to the newest versions pyproject.toml allows, for every
# supported Python and platform, with hashes. Needs uv (the venv brings it).
lock: | $(BIN)/python
	UV=$$(command -v $(BIN)/uv || command -v uv) || { echo "make lock needs uv" >&2; exit 1; }; \
	$$UV pip compile pyproject.toml --extra dev --universal --generate-hashes \
		--python-version 3.11 --upgrade -q -o $(LOCK) && \
	$$UV pip compile pyproject.toml --universal --generate-hashes \
		--python-version 3.11 -c $(LOCK) -q -o $(RUNTIME_LOCK)

# Extract every text the templates and the code mark (Babel's own tooling) and bring both
# languages' catalogs up to date; new texts arrive untranslated and the translation test
# names them until they are written.
messages: $(STAMP)
	mkdir -p var
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output -o var/scf.pot .
	$(BIN)/pybabel -q update -i var/scf.pot -d src/scf/locale -D scf --ignore-obsolete \
		--no-fuzzy-matching --width 100

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
