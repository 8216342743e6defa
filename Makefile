# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: `make run` installs what running needs, `make test` adds the test tools.
CHECKSUM := $(shell cksum < pyproject.toml | cut -d' ' -f1)
RUN_STAMP := $(VENV)/.run-$(CHECKSUM)
STAMP := $(VENV)/.test-$(CHECKSUM)
# When this make started: `make run` prints how long until the first page answers.
STARTED := $(shell date +%s)
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in e-mails follow HOST and PORT (the server trusts that host and the loopback names).
FLASK := IDEABOARD_ENV=development IDEABOARD_ALLOWED_EMAIL_DOMAINS=$${IDEABOARD_ALLOWED_EMAIL_DOMAINS:-acme.example} IDEABOARD_BASE_URL=http://$(HOST):$(PORT) $(BIN)/flask --app ideaboard

.PHONY: run test install clean wheel bench screenshots translations

# Each language's catalogue, compiled from its .po (the .mo files are built, never kept).
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard ideaboard/translations/*/LC_MESSAGES/messages.po))

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	rm -f $(VENV)/.installed-* $(VENV)/.run-* $(VENV)/.test-*
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,redis]'
	touch $(STAMP)

install: $(STAMP) $(CATALOGUES)

%.mo: %.po $(RUN_STAMP)
	$(BIN)/pybabel compile -i $< -o $@

## make translations: extract every marked text into ideaboard/translations/messages.pot
## and merge it into each language's catalogue (then translate the new entries)
translations: $(RUN_STAMP)
	$(BIN)/python -m tools.translations

## make run: migrate, seed demo data into an empty database and serve on 127.0.0.1:5000
## (HOST=... PORT=... to change; e-mailed links follow them). A worker runs beside the
## server and stops with it: e-mail delivered into instance/mail/ (and logged), escalations
## and digests (`flask --app ideaboard worker`).
run: $(RUN_STAMP) $(CATALOGUES)
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@$(FLASK) worker & worker=$$!; \
	$(BIN)/python tools/first_page.py http://$(HOST):$(PORT)/login $(STARTED) & waiter=$$!; \
	trap 'kill $$worker $$waiter 2>/dev/null; wait' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

## make test: the whole test suite (SQLite; PostgreSQL and browser tests skip if absent)
test: $(STAMP) $(CATALOGUES)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make bench: a 100,000-idea company on SQLite and PostgreSQL, measured with gunicorn and wrk
## (docs/PERFORMANCE.md); e.g. BENCH_ARGS="--db sqlite --scale 0.1 --duration 3"
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## make screenshots: the main pages at desktop and phone sizes, into docs/screenshots/
screenshots: $(STAMP)
	$(BIN)/python tools/screenshots.py

wheel: $(STAMP)
	$(BIN)/python -m build --wheel --outdir dist .

clean:
	rm -rf $(VENV) dist build .pytest_cache instance $(CATALOGUES)
