# Parity: `make run` serves the app (gunicorn, gunicorn.conf.py) on the embedded sample data;
# `make dev` is the development server (python app.py); `make test` runs every test.
# Both set up everything on a fresh Debian machine: a virtualenv, the Python packages, and (for
# tests) chromium, chromium-driver, redis-server and postgresql from apt when they are missing
# (the store tests start their own PostgreSQL server on a free loopback port).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SCRATCH := $(CURDIR)/var/tmp

.PHONY: run dev test test-fast bench warm system-deps clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

system-deps:
	@missing=""; \
	for p in chromium:chromium chromedriver:chromium-driver redis-server:redis-server pdftotext:poppler-utils; do \
	  command -v $${p%%:*} >/dev/null 2>&1 || missing="$$missing $${p##*:}"; \
	done; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "installing with apt:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

warm: $(VENV)/.runtime
	$(PY) -m core.warmup

run: $(VENV)/.runtime warm
	@echo "Parity on http://$${PARITY_HOST:-127.0.0.1}:$${PARITY_PORT:-8050} (gunicorn; make dev for the development server)"
	$(VENV)/bin/gunicorn -c gunicorn.conf.py

dev: $(VENV)/.runtime
	$(PY) app.py

test: $(VENV)/.dev system-deps
	mkdir -p $(SCRATCH)
	TMPDIR=$(SCRATCH) XDG_CONFIG_HOME=$(SCRATCH) XDG_CACHE_HOME=$(SCRATCH) \
	  $(PY) -m pytest -p no:cacheprovider

test-fast: $(VENV)/.dev
	$(PY) -m pytest -m "not browser" -q

bench: $(VENV)/.dev
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache
