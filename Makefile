# Shelter — the two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
TEST_STAMP := $(VENV)/.installed-test-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
CATALOGS := $(wildcard shelter/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test install install-test translations extract-messages db-upgrade demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

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
