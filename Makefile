# After-Sales suite for Odoo 19 — local developer and CI entry points.
# Every target finds an installed Odoo 19 (importable `odoo`, or ODOO_SRC); `make setup` installs it.
PYTHON ?= python3
SUITE := $(PYTHON) .ci/suite.py
MODULES := after_sales_service after_sales_warranty after_sales_parts after_sales_billing
ADDONS := $(MODULES) tests/after_sales_suite_tests
LINT_PATHS := $(MODULES) tests bench .ci/suite.py .ci/gen_readme.py .ci/test_gen_readme.py .ci/test_suite.py
TAGS ?=

.PHONY: help setup run test test-demo test-odoo race scale pytest lint format shell bench i18n readme

help:
	@echo "make setup   install what is missing (Debian packages, Odoo 19, Python deps), check"
	@echo "make run     serve the demo database on http://127.0.0.1:8069 (admin/admin)"
	@echo "make test    fresh database, install the suite, run every test (TAGS=/module to filter)"
	@echo "make test-demo  the same with demo data installed: tests count only what they make"
	@echo "make test-odoo  Odoo's own sale/stock/account/repair tests with the suite installed"
	@echo "make race    two users at the same moment, real transactions: last unit, double return,"
	@echo "             two billing runs, one phone call posted twice"
	@echo "make scale   month-end billing as production runs Odoo (2 workers, 15 s limit, job runner):"
	@echo "             Run answers in < 2 s, 3,000 requests billed once, a worker killed (ARGS=...)"
	@echo "make pytest  pytest-odoo against the 'make run' database (ARGS=... for pytest)"
	@echo "make lint    ruff (check + format), pylint-odoo's mandatory checks, README.rst up to date"
	@echo "make format  apply ruff's fixes and formatting"
	@echo "make shell   odoo shell on the 'make run' database"
	@echo "make bench   run the benchmarks in bench/ (BENCH=bench/bench_x.py for one, ARGS=... its options)"
	@echo "make readme  write each addon's README.rst from its manifest and readme/*.md"
	@echo "make i18n    export the .pot files, merge ru.po, fail while anything is untranslated"

setup:
	$(SUITE) setup

run:
	$(SUITE) run

test:
	$(SUITE) test $(if $(TAGS),--tags "$(TAGS)")

test-demo:
	$(SUITE) test --demo $(if $(TAGS),--tags "$(TAGS)")

test-odoo:
	$(SUITE) test-odoo $(ARGS)

race:
	$(SUITE) bench tests/race.py

scale:
	$(SUITE) scale $(ARGS)

pytest:
	$(SUITE) pytest $(ARGS)

shell:
	$(SUITE) shell

lint:
	$(PYTHON) -m ruff check $(LINT_PATHS)
	$(PYTHON) -m ruff format --check $(LINT_PATHS)
	$(PYTHON) -m pylint --rcfile=.pylintrc $(ADDONS)
	# through this Python, not its console script: a fresh pyenv or venv may not have it on PATH yet
	$(PYTHON) -c 'import sys; from oca_pre_commit_hooks.cli import main; sys.exit(main())' --no-verbose $(ADDONS)
	$(PYTHON) -m unittest discover -s .ci -p 'test_*.py'
	$(PYTHON) .ci/gen_readme.py --check $(ADDONS)

format:
	$(PYTHON) -m ruff check --fix $(LINT_PATHS)
	$(PYTHON) -m ruff format $(LINT_PATHS)

bench:
	$(SUITE) bench $(BENCH) $(ARGS)

i18n:
	$(SUITE) i18n

readme:
	$(PYTHON) .ci/gen_readme.py $(ADDONS)
