# netspo: the README's two commands (make run, make test) and their helpers.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DB := data/netspo.sqlite
HOST ?= 127.0.0.1
PORT ?= 8866
DEMO_STUDENTS ?= 1200
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint demo bench clean-db help system-deps

help:
	@echo "make run   — установить, построить демо-базу и открыть рабочее место на http://$(HOST):$(PORT)"
	@echo "make test  — установить с тестовыми зависимостями и прогнать все тесты"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps record that the install matches the current pyproject.toml.
$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[pg]'
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[pg,test]'
	touch $@ $(VENV)/.run-installed

$(DB): | $(VENV)/.run-installed
	$(BIN)/netspo demo --students $(DEMO_STUDENTS) --db sqlite:///$(abspath $(DB))

demo: $(DB)

run: $(VENV)/.run-installed $(DB)
	@$(BIN)/netspo demo-logins
	@echo
	$(BIN)/netspo serve --host $(HOST) --port $(PORT) --db sqlite:///$(abspath $(DB))

# Debian's Chromium drives the browser tests (Playwright cannot download browsers here).
system-deps:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Устанавливаю Chromium для браузерных тестов…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Для браузерных тестов нужен Chromium: sudo apt-get install chromium"; \
	  fi; \
	fi

test: $(VENV)/.test-installed system-deps
	$(BIN)/ruff check .
	$(BIN)/pytest -p no:cacheprovider -n 2 --dist loadfile tests --nbval-lax notebooks dashboards

# The benchmark suite of issue 8 (not part of `make test`): builds the workloads once
# (benchmarks/.cache), then writes benchmarks/results/latest.json. BENCH_ARGS, e.g.
# `make bench BENCH_ARGS="--no-region --runs 7"`; `python -m benchmarks --help` lists them.
BENCH_ARGS ?=
$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[pg,test,bench]'
	touch $@ $(VENV)/.test-installed $(VENV)/.run-installed

bench: $(VENV)/.bench-installed system-deps
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean-db:
	rm -f $(DB) $(DB)-wal $(DB)-shm
