#!/usr/bin/env python3
"""Coverage decision of after_sales_warranty for 10,000 service lines in one batch.

    python3 bench/bench_warranty_coverage.py [--keep] [--lines N]

Creates a throwaway database (a copy of ``as_base`` when it exists on the server,
else an empty one), installs after_sales_warranty, builds 1,000 units with warranty
terms (24 months parts, 12 months labour, 2,000 hours, an excluded wear-part
category), a service contract with a labour quota for a fifth of the customers,
1,000 requests (ORM) and N service lines (bulk SQL, default 10,000), then measures
``after_sales.request.line._decide_coverage()`` on cold caches for 1,000 and N lines
(time and query count; the count must not grow per line) and the write of the
decisions; next to Odoo's own batch price computation
``product.pricelist._get_products_price`` for 1,000 and N products with a
three-rule price list, in the same run.

PostgreSQL: ``PGHOST``/``PGPORT``/``PGUSER``/``PGPASSWORD``, default the private
server of the dev loop (127.0.0.1:54320, user odoo). The database is dropped at
the end unless ``--keep`` is given. Not imported by the tests.
"""

import argparse
import shutil
import statistics
import tempfile
import time
from collections import Counter

from benchlib import PG, BenchDatabase, say

from odoo import Command
from odoo.modules.registry import Registry

QUIET = {
    "tracking_disable": True,
    "mail_notrack": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
}

BENCH = BenchDatabase("as_bench_warranty_coverage", "after_sales_warranty", context=QUIET)
DB = BENCH.name
TEMPLATE = BENCH.template
create_database = BENCH.create
drop_database = BENCH.drop
install = BENCH.install
open_env = BENCH.open_env
CUSTOMERS = 200
UNITS = 1000
REQUESTS = 1000
RUNS = 3


# -------------------------------------------------------------------- data


def prepare(env, line_count):
    Category = env["product.category"]
    wear = Category.create({"name": "Bench Wear Parts"})
    spares = Category.create({"name": "Bench Spare Parts"})
    machines = Category.create(
        {
            "name": "Bench Machines",
            "warranty_parts_months": 24,
            "warranty_labour_months": 12,
            "warranty_hours_limit": 2000,
            "warranty_excluded_categ_ids": [Command.set(wear.ids)],
        }
    )
    customers = env["res.partner"].create(
        [{"name": f"Bench Customer {i:03d}", "is_company": True} for i in range(CUSTOMERS)]
    )
    machine_products = env["product.product"].create(
        [{"name": f"Bench Machine {i:02d}", "type": "consu", "categ_id": machines.id} for i in range(20)]
    )
    parts = env["product.product"].create(
        [
            {"name": f"Bench Part {i:02d}", "type": "consu", "categ_id": (wear if i % 5 == 0 else spares).id}
            for i in range(50)
        ]
    )
    labour = env["product.product"].create({"name": "Bench Labour Hour", "type": "service"})
    # units delivered over four years, so a third is in warranty
    units = env["after_sales.equipment"].create(
        [
            {
                "product_id": machine_products[i % 20].id,
                "partner_id": customers[i % CUSTOMERS].id,
                "delivery_date": f"{2022 + i % 4}-{1 + i % 12:02d}-15",
            }
            for i in range(UNITS)
        ]
    )
    env.cr.execute(
        "UPDATE after_sales_equipment SET current_hours = (id %% 30) * 100 WHERE id = ANY(%s)", [units.ids]
    )
    env["after_sales.contract"].create(
        [
            {
                "partner_id": customer.id,
                "date_start": "2025-01-01",
                "date_end": "2026-12-31",
                "all_equipment": True,
                "state": "active",
                "service_ids": [
                    Command.create({"product_id": labour.id, "quantity": 20, "period": "quarter"})
                ],
            }
            for customer in customers[::5]
        ]
    )
    types = ["repair", "repair", "claim", "preventive", "consultation"]
    requests = env["after_sales.request"].create(
        [
            {
                "title": f"Bench request {i}",
                "partner_id": units[i % UNITS].partner_id.id,
                "equipment_id": units[i % UNITS].id,
                "request_type": types[i % 5],
                "date_open": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d} 10:00:00",
            }
            for i in range(REQUESTS)
        ]
    )
    env.flush_all()
    env.cr.execute(
        """
        INSERT INTO after_sales_request_line
            (request_id, company_id, partner_id, equipment_id, sequence, line_type, product_id, name,
             quantity, uom_id, date, customer_visible, done, create_uid, write_uid, create_date, write_date)
        SELECT r.id, r.company_id, r.partner_id, r.equipment_id, g,
               CASE WHEN g %% 2 = 0 THEN 'work' ELSE 'part' END,
               CASE WHEN g %% 2 = 0 THEN %(labour)s ELSE (%(parts)s::int[])[g %% 50 + 1] END,
               'Bench line ' || g, 1 + g %% 3,
               CASE WHEN g %% 2 = 0 THEN %(hour)s ELSE %(unit)s END,
               r.date_open::date, TRUE, FALSE, 1, 1, now(), now()
          FROM generate_series(0, %(count)s - 1) g
          JOIN after_sales_request r ON r.id = (%(requests)s::int[])[g %% %(nreq)s + 1]
        """,
        {
            "labour": labour.id,
            "parts": parts.ids,
            "hour": env.ref("uom.product_uom_hour").id,
            "unit": env.ref("uom.product_uom_unit").id,
            "count": line_count,
            "requests": requests.ids,
            "nreq": REQUESTS,
        },
    )
    env.invalidate_all()
    lines = env["after_sales.request.line"].search([("request_id", "in", requests.ids)], order="id")
    # Odoo's side: as many products, a price list with three rules
    bench_products = env["product.product"].create(
        [
            {
                "name": f"Bench Priced {i:05d}",
                "type": "consu",
                "list_price": 10 + i % 90,
                "categ_id": spares.id,
            }
            for i in range(line_count)
        ]
    )
    pricelist = env["product.pricelist"].create(
        {
            "name": "Bench Dealers",
            "item_ids": [
                Command.create(
                    {
                        "applied_on": "2_product_category",
                        "categ_id": spares.id,
                        "compute_price": "percentage",
                        "percent_price": 10,
                    }
                ),
                Command.create(
                    {
                        "applied_on": "3_global",
                        "compute_price": "formula",
                        "price_discount": 5,
                        "min_quantity": 10,
                    }
                ),
                Command.create(
                    {
                        "applied_on": "0_product_variant",
                        "product_id": bench_products[0].id,
                        "compute_price": "fixed",
                        "fixed_price": 1,
                    }
                ),
            ],
        }
    )
    env.flush_all()
    env.cr.commit()
    return lines, bench_products, pricelist


# ------------------------------------------------------------------ measure


def measure(env, func):
    """Median time (ms) and query count of ``func()`` over RUNS cold-cache runs."""
    times, queries = [], []
    for _run in range(RUNS):
        env.invalidate_all()
        env.registry.clear_cache()
        before = env.cr.sql_log_count
        start = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - start) * 1000)
        queries.append(env.cr.sql_log_count - before)
    return statistics.median(times), max(queries), result


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the database for a look afterwards")
    options = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="bench_warranty_")
    started = time.perf_counter()
    env = None
    try:
        copied = create_database()
        say(f"database {DB} ({'copy of ' + TEMPLATE if copied else 'empty'}) on {PG['host']}:{PG['port']}")
        step = time.perf_counter()
        install(data_dir)
        say(f"after_sales_warranty installed in {time.perf_counter() - step:.0f} s")
        env = open_env(data_dir)
        step = time.perf_counter()
        lines, products, pricelist = prepare(env, options.lines)
        say(
            f"generated {UNITS:,} units, {REQUESTS:,} requests, {len(lines):,} lines and "
            f"{len(products):,} priced products in {time.perf_counter() - step:.0f} s\n"
        )
        small = 1000
        rows = []
        for label, records in ((f"{small:,}", lines[:small]), (f"{len(lines):,}", lines)):
            ms, queries, decisions = measure(env, records._decide_coverage)
            rows.append(("_decide_coverage()", label, ms, queries))
        spread = Counter(coverage for coverage, _reason in decisions.values())
        for label, records in ((f"{small:,}", products[:small]), (f"{len(products):,}", products)):
            ms, queries, _prices = measure(env, lambda r=records: pricelist._get_products_price(r, 1.0))
            rows.append(("pricelist._get_products_price", label, ms, queries))

        def decide_and_write():
            lines._redecide_coverage()
            env.flush_all()

        ms, queries, _res = measure(env, decide_and_write)
        env.cr.rollback()
        rows.append(("decide + write (action path)", f"{len(lines):,}", ms, queries))

        say(f"{'operation':<34} {'records':>8} {'ms':>9} {'ms/1k':>8} {'queries':>8}")
        for name, label, ms, queries in rows:
            count = int(label.replace(",", ""))
            say(f"{name:<34} {label:>8} {ms:9.0f} {ms / count * 1000:8.1f} {queries:8d}")
        decide_big, price_big = rows[1], rows[3]
        say(
            f"\ndecisions on {len(lines):,} lines: "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(spread.items()))
        )
        say(
            f"queries for {small:,} vs {len(lines):,} lines: {rows[0][3]} vs {rows[1][3]} "
            f"(prefetch batches of 1,000 records; nothing per line)"
        )
        say(
            f"ratio to Odoo's pricelist on as many records: time x{decide_big[2] / price_big[2]:.2f}, "
            f"queries x{decide_big[3] / max(price_big[3], 1):.2f}"
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
