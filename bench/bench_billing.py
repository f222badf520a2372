#!/usr/bin/env python3
"""Billing runs of after_sales_billing at volume, next to Odoo's own sale invoicing.

    python3 bench/bench_billing.py [--keep] [--sizes 200,2000] [--orders 200]

Creates a throwaway database (a copy of ``as_base`` when it exists on the server,
else an empty one), installs after_sales_billing, then for each size N creates N
resolved service requests of 3 paid lines (10 requests per customer) and bills
them with one ``after_sales.billing.run`` grouped per request (N invoices), in
committed chunks. Then it invoices ``--orders`` confirmed sale orders of 3 lines
with ``sale.order._create_invoices()`` (one invoice per order) in the same
database and prints the times, the per-request ratio to Odoo (goal <= 0.5) and
the queries per request (which must stay flat from 200 to 2,000).

PostgreSQL: ``PGHOST``/``PGPORT``/``PGUSER``/``PGPASSWORD``, default the private
server of the dev loop (127.0.0.1:54320, user odoo); ``BENCH_ADDONS_PATH`` (prepended
addons paths) and ``BENCH_EXTRA_MODULES`` try it against other versions of the suite.
The database is dropped at the end unless ``--keep`` is given. Not imported by the tests.
"""

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

import odoo
from odoo import Command, api
from odoo.modules.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
DB = os.environ.get("BENCH_DB", "as_bench_billing")
TEMPLATE = os.environ.get("BENCH_TEMPLATE", "as_base")
PG = {
    "host": os.environ.get("PGHOST", "127.0.0.1"),
    "port": int(os.environ.get("PGPORT", "54320")),
    "user": os.environ.get("PGUSER", "odoo"),
    "password": os.environ.get("PGPASSWORD", ""),
}
REQUESTS_PER_CUSTOMER = 10


def say(message):
    print(message, flush=True)


def admin_connection():
    conn = psycopg2.connect(dbname="postgres", **PG)
    conn.autocommit = True
    return conn


def create_database():
    with contextlib.closing(admin_connection()) as conn, conn.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [TEMPLATE])
        copied = bool(cr.fetchone())
        cr.execute(f'CREATE DATABASE "{DB}"' + (f' TEMPLATE "{TEMPLATE}"' if copied else ""))
    return copied


def drop_database():
    with contextlib.closing(admin_connection()) as conn, conn.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


def odoo_args(data_dir):
    addons = [path for path in os.environ.get("BENCH_ADDONS_PATH", "").split(",") if path] + [str(ROOT)]
    odoo_addons = Path(next(iter(odoo.__path__))).resolve().parent / "addons"
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
        DB,
    ]
    if PG["password"]:
        args.append(f"--db_password={PG['password']}")
    return args


def install(data_dir):
    cmd = [sys.executable, "-m", "odoo", *odoo_args(data_dir)]
    modules = ",".join(filter(None, [os.environ.get("BENCH_EXTRA_MODULES"), "after_sales_billing", "sale"]))
    cmd += ["-i", modules, "--stop-after-init", "--no-http", "--without-demo"]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode:
        sys.exit(f"installing after_sales_billing failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")


def open_env(data_dir):
    odoo.tools.config.parse_config(odoo_args(data_dir), setup_logging=True)
    registry = Registry(DB)
    cr = registry.cursor()
    return api.Environment(cr, api.SUPERUSER_ID, {"lang": "en_US", "tz": "UTC"})


def masters(env):
    tax = env["account.tax"].create({"name": "Bench VAT 20%", "amount": 20.0, "type_tax_use": "sale"})
    products = env["product.product"].create(
        [
            {
                "name": name,
                "type": kind,
                "list_price": price,
                "invoice_policy": "order",
                "taxes_id": [Command.set(tax.ids)],
            }
            for name, kind, price in (
                ("Bench Diagnostics", "service", 100.0),
                ("Bench Repair Work", "service", 80.0),
                ("Bench Filter", "consu", 25.0),
            )
        ]
    )
    env.flush_all()
    env.cr.commit()
    return products


def create_requests(env, products, count, tag):
    """``count`` resolved requests of 3 done, paid lines, 10 per customer (through the ORM)."""
    customers = env["res.partner"].create(
        [
            {"name": f"Bench {tag} Customer {i:04d}", "is_company": True}
            for i in range(max(1, count // REQUESTS_PER_CUSTOMER))
        ]
    )
    stage = env.ref("after_sales_service.stage_resolved")
    requests = env["after_sales.request"]
    for start in range(0, count, 500):
        requests |= env["after_sales.request"].create(
            [
                {
                    "title": f"Bench request {i}",
                    "partner_id": customers[i // REQUESTS_PER_CUSTOMER % len(customers)].id,
                    "user_id": False,
                    "line_ids": [
                        Command.create(
                            {
                                "line_type": "part" if product.type == "consu" else "work",
                                "product_id": product.id,
                                "quantity": 1.0,
                                "done": True,
                            }
                        )
                        for product in products
                    ],
                }
                for i in range(start, min(count, start + 500))
            ]
        )
        env.flush_all()
        env.cr.commit()
    requests.line_ids.write({"coverage": "paid"})
    requests.write({"stage_id": stage.id})
    env.flush_all()
    env.cr.commit()
    env.invalidate_all()
    return requests


def bench_run(env, requests):
    today = odoo.fields.Date.context_today(env["res.users"])
    run = env["after_sales.billing.run"].create(
        {"date_from": today, "date_to": today, "grouping": "request", "include_fees": False}
    )
    env.cr.commit()
    env.invalidate_all()
    queries = env.cr.sql_log_count
    started = time.perf_counter()
    run._run(commit=True)
    elapsed = time.perf_counter() - started
    queries = env.cr.sql_log_count - queries
    invoiced = env["after_sales.request.line"].search_count(
        [("request_id", "in", requests.ids), ("invoice_line_id", "!=", False)]
    )
    if invoiced != len(requests) * 3 or run.invoice_count != len(requests) or run.failure_ids:
        sys.exit(
            f"billing run incomplete: {invoiced} lines, {run.invoice_count} invoices, "
            f"{run.failure_count} failures"
        )
    return elapsed, queries


def bench_sale(env, products, count):
    customers = env["res.partner"].create(
        [{"name": f"Bench Sale Customer {i:04d}", "is_company": True} for i in range(max(1, count // 10))]
    )
    orders = env["sale.order"].create(
        [
            {
                "partner_id": customers[i // 10 % len(customers)].id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 1.0}) for product in products
                ],
            }
            for i in range(count)
        ]
    )
    orders.action_confirm()
    env.flush_all()
    env.cr.commit()
    env.invalidate_all()
    queries = env.cr.sql_log_count
    started = time.perf_counter()
    invoices = orders._create_invoices()
    env.flush_all()
    elapsed = time.perf_counter() - started
    queries = env.cr.sql_log_count - queries
    env.cr.commit()
    if len(invoices) != count:
        sys.exit(f"sale invoicing made {len(invoices)} invoices for {count} orders")
    return elapsed, queries


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="200,2000", help="request counts billed by one run each")
    parser.add_argument("--orders", type=int, default=200, help="sale orders invoiced by Odoo")
    parser.add_argument("--keep", action="store_true", help="keep the database for a look afterwards")
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    data_dir = tempfile.mkdtemp(prefix="bench_billing_")
    env = None
    started = time.perf_counter()
    try:
        copied = create_database()
        say(f"database {DB} ({'copy of ' + TEMPLATE if copied else 'empty'}) on {PG['host']}:{PG['port']}")
        step = time.perf_counter()
        install(data_dir)
        say(f"after_sales_billing installed in {time.perf_counter() - step:.0f} s")
        env = open_env(data_dir)
        products = masters(env)
        rows = []
        for size in sizes:
            step = time.perf_counter()
            requests = create_requests(env, products, size, size)
            say(f"{size:,} resolved requests x 3 lines created in {time.perf_counter() - step:.0f} s")
            elapsed, queries = bench_run(env, requests)
            rows.append((size, elapsed, queries))
            say(f"billing run, {size:,} requests: {elapsed:.2f} s, {queries:,} queries")
        sale_time, sale_queries = bench_sale(env, products, options.orders)
        say(
            f"sale.order._create_invoices(), {options.orders} orders: "
            f"{sale_time:.2f} s, {sale_queries:,} queries"
        )
        sale_per = sale_time / options.orders
        say("")
        say(
            f"{'requests':>9} {'run (s)':>9} {'ms/request':>11} {'ratio to Odoo':>14} {'queries/request':>16}"
        )
        for size, elapsed, queries in rows:
            per = elapsed / size
            say(
                f"{size:>9,} {elapsed:>9.2f} {per * 1000:>11.1f} {per / sale_per:>14.2f} "
                f"{queries / size:>16.1f}"
            )
        say(
            f"{'Odoo':>9} {sale_time:>9.2f} {sale_per * 1000:>11.1f} {1.0:>14.2f} "
            f"{sale_queries / options.orders:>16.1f}   (sale orders, _create_invoices)"
        )
        say(f"\ndone in {time.perf_counter() - started:.0f} s")
    finally:
        if env is not None:
            env.cr.rollback()
            env.cr.close()
            Registry.delete(DB)
        if not options.keep:
            drop_database()
            say(f"database {DB} dropped")
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
