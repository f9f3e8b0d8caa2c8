# desk — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
# Suites run a second time on PostgreSQL: the core, and those with PostgreSQL-specific SQL
# (row locks with SKIP LOCKED, triggers, date bucketing). PG_SUITES=tests runs everything there.
PG_SUITES ?= tests/core tests/api tests/twilio tests/supervisor
# pytest-xdist workers, one per core (each gets its own database; live servers take free ports;
# the Redis tests share one worker): SQLite 13.4 -> 5.1 minutes, PostgreSQL 7.0 -> 4.4 here.
TEST_WORKERS ?= 2
PG_WORKERS ?= $(TEST_WORKERS)

.PHONY: run test test-sqlite test-postgresql bench install dev chromium translations clean

run: $(VENV)/.runtime translations
	$(BIN)/python -m desk init-db --demo
	$(BIN)/python -m desk serve

test: $(VENV)/.dev translations chromium
	$(BIN)/python -m pytest -q -rs -p no:cacheprovider -n $(TEST_WORKERS) --dist loadgroup
	@$(MAKE) --no-print-directory test-postgresql

# The core suites again on PostgreSQL, when a server is reachable.
test-postgresql: $(VENV)/.dev
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== $(PG_SUITES) on PostgreSQL ($(PG_URL))"; \
		DESK_TEST_DB=postgresql $(BIN)/python -m pytest -q -rs -p no:cacheprovider -n $(PG_WORKERS) --dist loadgroup $(PG_SUITES); \
	else \
		echo "SKIPPED: PostgreSQL run of $(PG_SUITES): no server at $(PG_URL)"; \
	fi

bench: $(VENV)/.dev
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/queue_list.py
	$(BIN)/python bench/kb_search.py
	$(BIN)/python bench/phone.py
	$(BIN)/python bench/email_ingest.py
	$(BIN)/python bench/chat_relay.py
	$(BIN)/python bench/chat_cpu.py --visitor
	$(BIN)/python bench/console.py
	$(BIN)/python bench/ticket_links.py

install: $(VENV)/.runtime
dev: $(VENV)/.dev

$(VENV)/.runtime: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	@touch $@

# Browser tests drive Debian's Chromium (Playwright's own browser download is not used).
chromium:
	@test -x /usr/bin/chromium || { \
		echo "installing Chromium and CJK fonts (apt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }

translations: $(VENV)/.runtime
	@$(BIN)/pybabel compile -q -f -d translations 2>/dev/null || true

clean:
	rm -rf $(VENV) instance .pytest_cache
