# Gonghui's two commands: `make demo` and `make test`. Everything else here serves them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgresql://root@127.0.0.1:5432/test

.PHONY: demo test test-sqlite test-postgres lint browser-deps clean bench-review bench-pages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $(BENCH_STAMP)

## make bench-review: time a half-year review at 100,000 and 1,000,000 members (SQLite and
## PostgreSQL) against hand-written SQL; BENCH_ARGS passes options (bench/README.md)
bench-review: $(BENCH_STAMP)
	$(BIN)/python bench/review.py $(BENCH_ARGS)

## make bench-pages: the member pages under 20 and 50 concurrent cadres on 1,000,000 members,
## against the Django admin's changelist; BENCH_ARGS passes options (bench/README.md)
bench-pages: $(BENCH_STAMP)
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

## make demo: set up, build the demo federation on SQLite, serve it at http://127.0.0.1:8000
demo: $(STAMP)
	GONGHUI_ENV=demo $(BIN)/gonghui demo
	GONGHUI_ENV=demo $(BIN)/gonghui serve --host 127.0.0.1 --port 8000

## make test: the whole suite on SQLite, then on PostgreSQL
test: $(STAMP) browser-deps lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(STAMP)
	@echo "=== tests on SQLite ==="
	env -u DATABASE_URL GONGHUI_ENV=test $(BIN)/pytest

test-postgres: $(STAMP)
	@echo "=== tests on PostgreSQL ($(TEST_DATABASE_URL)) ==="
	@if $(BIN)/python scripts/db_reachable.py "$(TEST_DATABASE_URL)"; then \
		DATABASE_URL="$(TEST_DATABASE_URL)" GONGHUI_ENV=test $(BIN)/pytest; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL at $(TEST_DATABASE_URL) is unreachable, and CI must test on it." >&2; exit 1; \
	else \
		echo ""; echo "!!! WARNING: PostgreSQL at $(TEST_DATABASE_URL) is unreachable:"; \
		echo "!!! the PostgreSQL lane was SKIPPED. Start PostgreSQL or set TEST_DATABASE_URL."; echo ""; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check gonghui tests scripts bench
	GONGHUI_ENV=test $(BIN)/mypy gonghui

## Debian's chromium for the browser tests (never a downloaded browser build), and a Chinese
## font so their screenshots show characters rather than boxes.
browser-deps:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei"; } || { \
		if [ "$$(id -u)" = "0" ]; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei) >/dev/null; \
		else \
			echo "!!! chromium is not installed and this user cannot apt-get it: browser tests will be skipped." >&2; \
		fi; }

clean:
	rm -rf $(VENV) var/*.sqlite3* var/static
