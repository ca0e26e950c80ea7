# Two commands for a newcomer: `make run` and `make test`. Everything else is for maintainers.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint extract update compile catalogs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Install, create the SQLite database, add demo data on first run, serve on :8000.
run: $(STAMP)
	$(BIN)/chorus demo --if-empty
	$(BIN)/chorus serve --host 127.0.0.1 --port 8000

## Install and run every test on SQLite, then on PostgreSQL, then lint and types.
test: $(STAMP)
	$(MAKE) test-sqlite test-postgres lint

test-sqlite: $(STAMP)
	CHORUS_TEST_DATABASE=sqlite $(BIN)/pytest

test-postgres: $(STAMP)
	CHORUS_TEST_DATABASE=postgres $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy chorus surveys feedback reports locales

## Catalogs: extract the .pot, merge it into each .po, compile the .mo files.
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --sort-by-file --no-location --omit-header \
		-k NP_:1c,2 -o locales/messages.pot chorus surveys feedback reports

update: extract
	for lang in ro bg hu pl pt_BR es th zh_Hans ar; do \
		if [ -f locales/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update -i locales/messages.pot -d locales -l $$lang --no-fuzzy-matching --ignore-obsolete; \
		else \
			$(BIN)/pybabel init -i locales/messages.pot -d locales -l $$lang; \
		fi; \
	done

compile: $(STAMP)
	$(BIN)/pybabel compile -d locales --statistics

clean:
	rm -rf $(VENV) var build *.egg-info
