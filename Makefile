# DPMS: `make run` starts the portal, `make test` runs the whole suite. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < requirements.lock | cut -d' ' -f1)
# PORT=8001 make run listens there (refused when taken); unset, the first free port from 8000. SITE_URL follows
# the port unless it is set (environment or .env).
PORT   ?=
# The suite runs in parallel, one process per core (at most 4), each with its own database and broker folder,
# a test file per process at a time. PYTEST_XDIST= (empty) runs it in one process.
PYTEST_XDIST ?= -n auto --maxprocesses=4 --dist loadfile

.PHONY: messages run test test-fast lint format hooks bench bench-scale check-deploy migrate seed clean help

help:
	@echo "make run     start web, Celery worker and beat on SQLite with demo data, port 8000 or the next free (PORT=…)"
	@echo "make test    run the whole test suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)"
	@echo "make lint    ruff and mypy"; echo "make messages  update and compile the translation catalogues (German)";  echo "make bench   benchmarks"

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "DPMS needs Python 3.11 or newer")'
	test -x $(BIN)/pip || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); } || { rm -rf $(VENV); echo "python3 -m venv failed: on Debian/Ubuntu install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# Development settings: DEBUG on and a random local secret, in the git-ignored .env (never committed).
.env:
	@printf 'DEBUG=true\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "wrote .env with development settings (DEBUG=true, a random SECRET_KEY)"

migrate: $(STAMP) .env
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# dpms/management/commands/run_portal.py: the demo data, then web, worker and beat (honcho) on the port it prints.
run: migrate
	$(BIN)/python manage.py run_portal $(if $(PORT),--port $(PORT))

test: $(STAMP) .env
	$(BIN)/python -m pytest $(PYTEST_XDIST) --durations=15 $(PYTEST_ARGS)

# mypy's Django plugin loads the settings, which need the development .env on a fresh machine.
# The translation catalogues (<app>/locale/de/): new marked strings added, compiled to .mo. Needs GNU
# gettext (Debian: gettext). CI checks they are complete: manage.py messages --check.
messages: $(STAMP) .env
	$(BIN)/python manage.py messages

lint: $(STAMP) .env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The same checks before every commit (.pre-commit-config.yaml).
hooks: $(STAMP) .env
	$(BIN)/pre-commit install

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP) .env
	$(BIN)/python -m pytest benchmarks --benchmark-only -p no:cacheprovider

# The design's scale on PostgreSQL (DATABASE_URL, a database of its own): benchmarks/results/scale.md.
bench-scale: $(STAMP) .env
	$(BIN)/python -m benchmarks.scale

check-deploy: $(STAMP)
	DEBUG=false SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-secret-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	AUDIT_CHECKPOINT_KEY=check-deploy-not-a-real-key-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	ALLOWED_HOSTS=dpms.example.com $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache staticfiles
