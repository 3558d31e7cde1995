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

# Tests marked own_process run in a second pytest process: the event relay waits at a hole in
# the audit ids until every transaction open on the PostgreSQL cluster has ended, and the
# first process's other tests keep connections of their own open.
# pytest-xdist spreads the tests over one process per core (each process has its own databases);
# a module's tests stay in one process, so its module-scoped fixtures are built once.
PYTEST_WORKERS ?= auto
pytest: $(STAMP)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadscope -m "not own_process" $(PYTEST_ARGS)
	$(BIN)/pytest -q -m own_process $(PYTEST_ARGS) || [ $$? -eq 5 ]

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

# A city on one machine (README, "A city"): pgbouncer, three API instances, the relay, two event
# workers and the scheduler, run by honcho from city/Procfile; `make city-stop` ends them by the
# process manager's id (honcho ends its children). Needs PostgreSQL on 5432, NATS with
# JetStream on 4222 and Redis on 6379; installs Debian's pgbouncer when it is missing.
CITY := var/city
CITY_DIRECT := postgresql+psycopg://postgres@127.0.0.1:5432/scf_city
.PHONY: city city-stop

city: $(STAMP)
	@if [ -f $(CITY)/honcho.pid ] && kill -0 $$(cat $(CITY)/honcho.pid) 2>/dev/null; then \
		echo "the city runs already (honcho $$(cat $(CITY)/honcho.pid))"; exit 1; fi
	@command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || \
		apt-get install -y pgbouncer || (apt-get update && apt-get install -y pgbouncer)
	mkdir -p $(CITY)
	@[ -f $(CITY)/secret.env ] || echo "SCF_SECRET_KEY=$$(head -c 48 /dev/urandom | base64 | tr -d '/+=')" > $(CITY)/secret.env
	psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'scf_city'" | grep -q 1 || \
		psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE scf_city"
	SCF_DATABASE_URL=$(CITY_DIRECT) $(BIN)/scf db upgrade
	PATH=$(CURDIR)/$(BIN):$$PATH nohup $(BIN)/honcho -f city/Procfile -d . -e city/city.env,$(CITY)/secret.env \
		start > $(CITY)/city.log 2>&1 & echo $$! > $(CITY)/honcho.pid
	@for port in 8101 8102 8103; do \
		for i in $$(seq 1 60); do curl -sf http://127.0.0.1:$$port/healthz >/dev/null && break; sleep 1; done; \
		curl -sf http://127.0.0.1:$$port/healthz >/dev/null || { echo "api on $$port did not start; see $(CITY)/city.log"; exit 1; }; \
	done
	@echo "the city runs: APIs on 8101-8103, pgbouncer on 6442, honcho $$(cat $(CITY)/honcho.pid) (log $(CITY)/city.log)"

city-stop:
	@if [ -f $(CITY)/honcho.pid ]; then \
		pid=$$(cat $(CITY)/honcho.pid); kill -TERM $$pid 2>/dev/null || true; \
		for i in $$(seq 1 30); do kill -0 $$pid 2>/dev/null || break; sleep 1; done; \
		rm -f $(CITY)/honcho.pid; echo "the city stopped (honcho $$pid)"; \
	else echo "no city runs"; fi
