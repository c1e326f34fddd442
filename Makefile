# Baucu — the two commands: `make demo` runs the system with demo data, `make test` runs the tests.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-embedded test-stack lint setup messages bench clean

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	touch $(STAMP)

setup: $(STAMP)

## Run Baucu at http://127.0.0.1:8000 on the embedded default (SQLite, in-memory layer, eager Celery)
demo: $(STAMP)
	$(BIN)/python manage.py compilemessages -v 0 --ignore=.venv 2>/dev/null || true
	$(BIN)/python manage.py demo

## Run every check and the whole suite (embedded default, then PostgreSQL + Redis when reachable)
test: $(STAMP)
	bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

messages: $(STAMP)
	bash scripts/messages.sh

clean:
	rm -rf var
