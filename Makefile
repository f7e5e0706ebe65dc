# Oceanis Service Desk — two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PORT ?= 8000

.PHONY: run test install lint format migrate seed messages clean

$(BIN)/python:
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info < (3, 11))" || { echo "Python 3.11+ is required (found: $(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

# In this order: seed_demo writes people, clients and their history (paging nobody);
# seed_oncall_demo builds the rotation, then replays the demo pages with the people on call.
seed: migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_oncall_demo
	$(BIN)/python manage.py seed_projects_demo
	$(BIN)/python manage.py seed_extranet_demo
	$(BIN)/python manage.py seed_knowledge_demo
	$(BIN)/python manage.py seed_portfolios_demo

# The periodic jobs (digest, GTI warnings, sweepers) run beside the server and stop with it. Both
# are started in the background so that the shell's trap runs at once on Ctrl+C or `kill` (a trap
# waits for a foreground child); the server keeps the terminal as stdin (fd 3) for breakpoint().
run: seed
	@echo ""
	@echo "Oceanis Service Desk on http://127.0.0.1:$(PORT)/ (Ctrl+C to stop)"
	@echo "Demo logins, password oceanis-demo for all:"
	@echo "  manager (centre manager), deputy, tech1 ... tech7 (technicians), projet1, projet2, cdp,"
	@echo "  sm1 (service manager: portfolio /portefeuilles/, steering committees)"
	@echo "  back-office http://127.0.0.1:$(PORT)/  admin /admin/  projects /projects/  on-call /oncall/"
	@echo "  client extranet http://127.0.0.1:$(PORT)/extranet/: pierre.martin@vendee-logistique.example,"
	@echo "  jean.moreau@brioche-vendeenne.example (one organisation each)"
	@echo "Outgoing mail is written to var/mail/."
	@trap 'kill $$server $$schedule 2>/dev/null' INT TERM; exec 3<&0; \
	$(BIN)/python manage.py run_schedule & schedule=$$!; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT) <&3 & server=$$!; \
	wait $$server; status=$$?; kill $$schedule 2>/dev/null; wait; exit $$status

# One process per core (pytest-xdist), one test database each, copied from a template migrated
# once and kept until a migration changes (tests/support/template_db.py); the browser and outage
# tests are grouped on one worker each (tests/conftest.py). TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= auto
test: $(TEST_STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(STAMP)
	PYTHON=$(BIN)/python scripts/update_translations.sh

clean:
	rm -rf $(VENV) var/*.sqlite3*
