"""What every bench script needs: a throwaway database with a suite module, and an env on it.

PostgreSQL: ``PGHOST``/``PGPORT``/``PGUSER``/``PGPASSWORD`` (``make bench`` sets them), default the
private server of ``make run`` (127.0.0.1:54320, user odoo). The database is a copy of
``BENCH_TEMPLATE`` (default ``as_base``: Odoo's dependencies installed) when the server has it.
Not imported by the tests.
"""

import contextlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

import odoo
from odoo import api
from odoo.modules.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
PG = {
    "host": os.environ.get("PGHOST", "127.0.0.1"),
    "port": int(os.environ.get("PGPORT", "54320")),
    "user": os.environ.get("PGUSER", "odoo"),
    "password": os.environ.get("PGPASSWORD", ""),
}


def say(message):
    print(message, flush=True)


def measure_cold(env, func, runs):
    """(median seconds, queries of one run, result) of ``func()`` on a cold record cache."""
    func()  # warm the ormcache and PostgreSQL's buffers
    times, queries, result = [], 0, None
    for _ in range(runs):
        env.invalidate_all()
        before = env.cr.sql_log_count
        start = time.perf_counter()
        result = func()
        env.flush_all()
        times.append(time.perf_counter() - start)
        queries = env.cr.sql_log_count - before
    return statistics.median(times), queries, result


def create_customers_and_machines(env, customers, products):
    """``customers`` companies and ``products`` serial-tracked machines through the ORM."""
    partners = env["res.partner"].create(
        [{"name": f"Bench Customer {i:04d}", "is_company": True} for i in range(customers)]
    )
    machines = env["product.product"].create(
        [
            {"name": f"Bench Machine M-{i:02d}", "type": "consu", "is_storable": True, "tracking": "serial"}
            for i in range(products)
        ]
    )
    return partners, machines


class BenchDatabase:
    """A database named ``name`` with ``module`` installed, made and dropped by one bench script."""

    def __init__(self, name, module, context=None):
        self.name = os.environ.get("BENCH_DB", name)
        self.template = os.environ.get("BENCH_TEMPLATE", "as_base")
        self.module = module
        self.context = {"lang": "en_US", "tz": "UTC", **(context or {})}

    def _admin(self):
        conn = psycopg2.connect(dbname="postgres", **PG)
        conn.autocommit = True
        return contextlib.closing(conn)

    def vacuum(self, *tables):
        """VACUUM ANALYZE ``tables`` of the bench database: the steady state autovacuum keeps
        (statistics, visibility map) after bulk-generated rows, for ours and Odoo's alike."""
        conn = psycopg2.connect(dbname=self.name, **PG)
        conn.autocommit = True
        with contextlib.closing(conn), conn.cursor() as cr:
            for table in tables:
                cr.execute(f'VACUUM ANALYZE "{table}"')

    def create(self):
        """A fresh database, a copy of the template when there is one. Returns whether it was copied."""
        with self._admin() as conn, conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.template])
            copied = bool(cr.fetchone())
            if copied:
                cr.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"')
            else:
                cr.execute(f'CREATE DATABASE "{self.name}"')
        return copied

    def clone(self, name):
        """A copy of this database named ``name`` (no session may be open on this one), dropped
        by ``drop_clone``: the same data for a second measure."""
        with self._admin() as conn, conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cr.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')

    def drop_clone(self, name):
        with self._admin() as conn, conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop(self):
        with self._admin() as conn, conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def odoo_args(self, data_dir):
        addons = [str(ROOT)]
        src = os.environ.get("ODOO_SRC")
        odoo_addons = (
            Path(src) / "addons" if src else Path(next(iter(odoo.__path__))).resolve().parent / "addons"
        )
        if odoo_addons.is_dir():
            addons.append(str(odoo_addons))
        args = [
            f"--addons-path={','.join(addons)}",
            f"--db_host={PG['host']}",
            f"--db_port={PG['port']}",
            f"--db_user={PG['user']}",
            f"--data-dir={data_dir}",
            "--log-level=warn",
            "--http-interface=127.0.0.1",
            "-d",
            self.name,
        ]
        if PG["password"]:
            args.append(f"--db_password={PG['password']}")
        return args

    def install(self, data_dir):
        cmd = [sys.executable, "-m", "odoo", *self.odoo_args(data_dir)]
        cmd += ["-i", self.module, "--stop-after-init", "--no-http", "--without-demo"]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode:
            sys.exit(f"installing {self.module} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")

    def update(self, data_dir, modules):
        """Update ``modules`` (and what depends on them) in the existing database."""
        cmd = [sys.executable, "-m", "odoo", *self.odoo_args(data_dir)]
        cmd += ["-u", ",".join(modules), "--stop-after-init", "--no-http"]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode:
            sys.exit(f"updating {', '.join(modules)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")

    def open_env(self, data_dir):
        odoo.tools.config.parse_config(self.odoo_args(data_dir), setup_logging=True)
        cr = Registry(self.name).cursor()
        return api.Environment(cr, api.SUPERUSER_ID, dict(self.context))
