# The portal's two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-embedded lint format bench backup restore icons clean help

help:
	@echo "make run            the whole portal: web, worker, beat and a Redis of its own (unless REDIS_URL)"
	@echo "make test           every test (PostgreSQL and Redis when reachable, else SQLite and an embedded Redis)"
	@echo "make test-embedded  every test on SQLite and an embedded Redis, whatever runs here"
	@echo "make lint           ruff check and format check, migrations check"
	@echo "make format         ruff format and ruff's automatic fixes"
	@echo "make bench          the figures beside their references, in one table (PostgreSQL; test-artifacts/bench.json)"
	@echo "make backup         back up the database (DATABASE_URL) to a new file: FILE=backups/portal.dump"
	@echo "make restore        restore a backup into an empty database: FILE=backups/portal.dump INTO=postgres://…"
	@echo "make icons          draw the app's icons again into static/portal/icons/ (portal/icons.py)"
	@echo "make clean          remove .venv, .run, caches, collected static files and test artifacts"
	@echo "make help           this list"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "The portal needs Python 3.11 or newer; set PYTHON=python3.11 (or newer).")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

run: $(STAMP)
	$(BIN)/python -m portal.run $(if $(PORT),--port $(PORT))

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-embedded: $(STAMP)
	PORTAL_TEST_SERVICES=embedded $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m tests.benchmarks

lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

icons: $(STAMP)
	$(BIN)/python -m portal.icons

format: $(STAMP)
	$(BIN)/python -m ruff format .
	$(BIN)/python -m ruff check --fix .

# The database is the whole record (docs/operations.md). No installation step: on a production
# machine the portal is installed by pip, not by this Makefile.
backup:
	$(if $(FILE),,$(error Name the new backup file: make backup FILE=backups/portal-$$(date +%F).dump))
	@$(BIN)/python -m portal.backup dump "$(FILE)"

restore:
	$(if $(and $(FILE),$(INTO)),,$(error Name the backup and the empty database: make restore FILE=backups/portal.dump INTO=postgres://…/portal_restored))
	@$(BIN)/python -m portal.backup restore "$(FILE)" --into "$(INTO)"

clean:
	rm -rf $(VENV) .run .pytest_cache .ruff_cache staticfiles test-artifacts
