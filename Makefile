# Shelter — the two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# The versions every install uses (pip -c): what the tests ran with, so an audit elsewhere sees the same.
CONSTRAINTS := constraints.txt
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(CONSTRAINTS) | cksum | cut -d' ' -f1)
TEST_STAMP := $(VENV)/.installed-test-$(shell cat pyproject.toml $(CONSTRAINTS) | cksum | cut -d' ' -f1)
CATALOGS := $(wildcard shelter/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: screenshots run test install install-test translations extract-messages db-upgrade demo clean constraints

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[test]'
	touch $@

# Re-resolve every dependency from pyproject.toml in a throw-away venv and pin what it installed.
REFRESH_VENV := .venv-constraints
constraints:
	rm -rf $(REFRESH_VENV)
	$(PYTHON) -m venv $(REFRESH_VENV)
	$(REFRESH_VENV)/bin/pip install --quiet --upgrade pip
	$(REFRESH_VENV)/bin/pip install --quiet -e '.[test]'
	{ echo "# Every distribution 'pip install -e .[test]' installs, at the versions tested (make passes -c constraints.txt)."; \
	  echo "# Refresh with 'make constraints' (see the README, Dependencies); tests/test_constraints.py checks the venv against it."; \
	  $(REFRESH_VENV)/bin/pip freeze --exclude-editable; } > $(CONSTRAINTS)
	rm -rf $(REFRESH_VENV)

install: $(STAMP)
install-test: $(TEST_STAMP)

%.mo: %.po | $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy=false -i $< -o $@ 2>/dev/null || $(BIN)/pybabel compile -i $< -o $@

translations: $(COMPILED)

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o shelter/translations/messages.pot .
	$(BIN)/pybabel update -i shelter/translations/messages.pot -d shelter/translations --no-fuzzy-matching

run: export SHELTER_ENV ?= development
run: export SCHEDULER_IN_PROCESS ?= true
run: $(STAMP) translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty
	@test -f instance/demo-credentials.txt && echo "Demo logins (role email password) are in instance/demo-credentials.txt" || true
	@echo "Shelter is at http://127.0.0.1:$(PORT)/ — stop with Ctrl-C."
	$(BIN)/flask scheduler dev-server --host 127.0.0.1 --port $(PORT)

# Two workers (pytest-xdist): the suite runs on both databases within the 15-minute budget on 2 cores.
PYTEST_WORKERS ?= 2
test: $(STAMP) $(TEST_STAMP) translations
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# PNGs of the main pages per role at 390 and 1280 px, on the demo data, into screenshots/ (gitignored).
screenshots: $(STAMP) $(TEST_STAMP) translations
	$(BIN)/python scripts/screenshots.py
