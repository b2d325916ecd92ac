# PMC Tracker — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
# PostgreSQL used by the second pytest pass (and by CI); trust auth on loopback.
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/pmc_tracker
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test install install-dev web worker beat lint typecheck security pytest pytest-sqlite \
        pytest-postgres messages bench bench-api bench-notifications bench-history bench-report bench-load scale-data clean

$(VENV)/.runtime: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## make run: everything on one machine, SQLite + file-system broker + email files in var/mail.
## `make run PORT=8001` serves on another port (SITE_URL follows unless it is set).
run: install
	PMC_ENV=development $(if $(PORT),PORT=$(PORT)) $(PY) -m config.devserver

## make test: ruff, mypy, bandit, then pytest on SQLite and on PostgreSQL.
test: install-dev lint typecheck security pytest

lint: install-dev
	$(VENV)/bin/ruff check .

typecheck: install-dev
	PMC_ENV=test $(VENV)/bin/mypy .

security: install-dev
	$(VENV)/bin/bandit --quiet --recursive --severity-level medium -c pyproject.toml config plans projects notifications

pytest: pytest-sqlite pytest-postgres

pytest-sqlite: install-dev
	@echo "== pytest on SQLite =="
	PMC_ENV=test DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 REDIS_URL=$(TEST_REDIS_URL) \
		$(VENV)/bin/pytest $(PYTEST_ARGS)

pytest-postgres: install-dev
	@echo "== pytest on PostgreSQL =="
	@if PMC_ENV=test $(PY) -m tests.services postgres "$(TEST_POSTGRES_URL)"; then \
		PMC_ENV=test DATABASE_URL=$(TEST_POSTGRES_URL) REDIS_URL=$(TEST_REDIS_URL) \
			$(VENV)/bin/pytest $(PYTEST_ARGS); \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "PostgreSQL is required in CI and is not answering at $(TEST_POSTGRES_URL)"; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL not answering at $(TEST_POSTGRES_URL); the suite ran on SQLite only."; \
	fi

## Parts run separately (production style): set DATABASE_URL, REDIS_URL or CELERY_BROKER_URL.
web: install
	$(VENV)/bin/gunicorn config.wsgi --bind $${BIND:-127.0.0.1:8000} --workers $${WEB_CONCURRENCY:-2} --access-logfile -

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency $${WORKER_CONCURRENCY:-2}

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO --schedule $${BEAT_SCHEDULE_FILE:-var/celerybeat-schedule}

messages: install-dev
	PMC_ENV=development $(PY) manage.py makemessages -l es -l en --ignore=.venv --ignore=var
	PMC_ENV=development $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var/broker var/mail var/test.sqlite3
bench-api: install-dev ; $(PY) -m bench.api  # 200 projects x 25 milestones on PostgreSQL (BENCH_DATABASE_URL), table in docs/benchmarks.md
bench-notifications: install-dev ; $(PY) -m bench.notifications  # reminder sweep at 100k/1M milestones, 10k fan-out, SMTP rate (PostgreSQL pmc_bench_notif, Redis DB 14); figures in docs/benchmarks.md
bench-report: install-dev ; $(PY) -m bench.report  # the assembly report (HTML and PDF) of the bench-api plan (PostgreSQL pmc_bench); figures in docs/benchmarks.md
bench-load: install-dev ; $(PY) -m bench.load $(ARGS)  # locust mix of one programme (50 clusters, 1,020 people) on gunicorn + PostgreSQL (pmc_bench_load) + Redis DB 13 + Celery + SMTP; ARGS="--scale 10" for growth; docs/benchmarks.md "## Load"
bench-history: install-dev ; $(PY) -m bench.history  # 200k and 1M events over 50 plans on PostgreSQL (pmc_bench_history); figures in docs/benchmarks.md
scale-data: install-dev ; PMC_ENV=$${PMC_ENV:-development} $(PY) -m bench.scale_data $(ARGS)  # synthetic plans in the configured database, e.g. ARGS="--plans 10 --projects 100 --milestones 10"
.PHONY: bench-web chaos
chaos: install-dev ; $(PY) -m bench.chaos  # >=500 deliveries under SMTP 4xx/hang, worker kill, Redis/PostgreSQL restarts, two beats, on its own PostgreSQL and Redis; table in docs/reliability.md
bench-web: install-dev ; $(PY) -m bench.web  # plan page vs GET /plans/{id}/dashboard/ on the bench-api data (PostgreSQL pmc_bench); figures in docs/benchmarks.md
