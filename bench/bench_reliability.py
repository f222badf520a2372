#!/usr/bin/env python3
"""Reliability analytics and the parts demand forecast at volume (issue 25).

    make bench BENCH=bench/bench_reliability.py ARGS="--units 100000 --readings 1000000 --requests 200000"
    python3 bench/bench_reliability.py [--units N] [--readings N] [--requests N] [--keep]

Creates a throwaway database (a copy of ``as_base`` when the server has it), installs
after_sales_parts (with after_sales_service), generates with bulk SQL the installed base in two
equal halves: units commissioned over four years, meter readings (about one a month per unit,
the newest first), failure requests over the last 15 months (closed, resolved, a few open or
cancelled, one in seven a question) of which three in five replaced a part, issued by a done
stock move. After each half it measures, as the After-Sales manager (the forecast as the
superuser, as the page computes it):

- the Reliability Analysis pivot as the web client opens it: ``formatted_read_grouping_sets``
  (product × quarter, its five measures, "Received This Year"); next to the same pivot of Odoo's
  ``stock.move`` (product × quarter of the done moves this year, quantity);
- the Fleet Reliability wizard's compute over this year, every product;
- a unit's health (its figures against its product's fleet: ``_compute_reliability``);
- the full parts forecast with its 12-month backtest (``_create_forecast``); next to Odoo's
  Replenishment report opening (``stock.warehouse.orderpoint._get_orderpoint_action``).

Prints time and queries at both sizes (flat queries: the same count at both) and the ratios to
Odoo's equivalents. PostgreSQL: ``PGHOST``/``PGPORT``/``PGUSER``/``PGPASSWORD``, default the
private server of ``make run``. The database is dropped at the end unless ``--keep``.
Not imported by the tests.
"""

import argparse
import datetime
import shutil
import sys
import tempfile
import time

from benchlib import PG, BenchDatabase, create_customers_and_machines, measure_cold, say

from odoo import Command, fields
from odoo.modules.registry import Registry

BENCH = BenchDatabase("as_bench_reliability", "after_sales_parts")
PRODUCTS = 50
PARTS = 20
CUSTOMERS = 1000
RUNS = 3


# -------------------------------------------------------------------- data


def create_masters(env):
    """Products, parts, customers and a manager through the ORM; the templates of the bulk rows."""
    customers, products = create_customers_and_machines(env, CUSTOMERS, PRODUCTS)
    parts = env["product.product"].create(
        [{"name": f"Bench Part P-{i:02d}", "type": "consu", "is_storable": True} for i in range(PARTS)]
    )
    manager = env["res.users"].create(
        {
            "name": "Bench Quality Engineer",
            "login": "bench_quality",
            "group_ids": [
                Command.set(
                    [
                        env.ref("base.group_user").id,
                        env.ref("after_sales_service.group_after_sales_manager").id,
                        env.ref("stock.group_stock_manager").id,
                    ]
                )
            ],
        }
    )
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    # one request with a part issued by a done move: the template of the bulk rows
    unit = env["after_sales.equipment"].create({"product_id": products[0].id, "partner_id": customers[0].id})
    request = env["after_sales.request"].create(
        {
            "title": "Bench template",
            "equipment_id": unit.id,
            "cause_id": env.ref("after_sales_service.cause_wear").id,
            "line_ids": [Command.create({"line_type": "part", "product_id": parts[0].id, "quantity": 1})],
        }
    )
    env["stock.quant"]._update_available_quantity(parts[0], warehouse.lot_stock_id, 1)
    request.action_request_parts()
    move = request.line_ids.part_move_ids
    move.quantity = 1
    move.picked = True
    move._action_done()
    env.flush_all()
    return {
        "customers": customers.ids,
        "products": products.ids,
        "parts": parts.ids,
        "manager": manager,
        "warehouse": warehouse,
        "request": request.id,
        "line": request.line_ids.id,
        "move": move.id,
        "move_line": move.move_line_ids.id,
    }


def columns(env, table):
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id'",
        [table],
    )
    return [row[0] for row in env.cr.fetchall()]


def copy_rows(env, table, template_id, source, overrides, params):
    """INSERT into ``table`` a copy of row ``template_id`` per row of ``source`` (SQL selecting
    ``g`` and named columns as ``s``), with ``overrides`` {column: SQL expression}."""
    names = columns(env, table)
    select = ", ".join(overrides.get(column, f't."{column}"') for column in names)
    quoted = ", ".join(f'"{column}"' for column in names)
    # table and column names come from the catalogue and this script
    env.cr.execute(
        f'INSERT INTO "{table}" ({quoted}) SELECT {select} '
        f'FROM "{table}" t, ({source}) s WHERE t.id = %(template)s',
        {**params, "template": template_id},
    )
    return env.cr.rowcount


def generate(env, refs, first_unit, units, readings, requests):
    """Units numbered from ``first_unit``, their readings and failure requests with parts."""
    params = {
        "first": first_unit,
        "last": first_unit + units - 1,
        "customers": refs["customers"],
        "products": refs["products"],
        "parts": refs["parts"],
        "per_unit": max(readings // units, 1),
        "requests": requests,
        "units": units,
        "company": env.company.id,
    }
    copy_rows(
        env,
        "after_sales_equipment",
        env["after_sales.request"].browse(refs["request"]).equipment_id.id,
        """SELECT g, (now() - ((g::bigint * 7919) %% 1460 + 20) * interval '1 day')::date AS start
             FROM generate_series(%(first)s, %(last)s) g""",
        {
            "name": "'Bench unit ' || s.g",
            "product_id": "(%(products)s::int[])[s.g %% cardinality(%(products)s::int[]) + 1]",
            "partner_id": "(%(customers)s::int[])[s.g %% cardinality(%(customers)s::int[]) + 1]",
            "lot_id": "NULL",
            "delivery_date": "s.start - 14",
            "commissioning_date": "s.start",
            "decommissioning_date": "CASE WHEN s.g %% 97 = 0 THEN s.start + 400 END",
            "state": "CASE WHEN s.g %% 97 = 0 THEN 'decommissioned' ELSE 'in_service' END",
            "current_hours": "0",
            # the QR page's token is unique: one per unit (the template's token would repeat)
            "public_token": "'bench-' || md5(random()::text || s.g::text)",
        },
        params,
    )
    # readings every 30 days back from two days ago, at 4 to 20 h a day since the start
    env.cr.execute(
        """
        INSERT INTO after_sales_meter_reading
            (equipment_id, company_id, date, hours, source, create_uid, write_uid, create_date, write_date)
        SELECT u.id, u.company_id, d.day, (4 + u.id %% 17) * (d.day - u.commissioning_date), 'telemetry',
               1, 1, now(), now()
          FROM after_sales_equipment u
          CROSS JOIN LATERAL (
              SELECT (now()::date - 2 - 30 * k) AS day FROM generate_series(0, %(per_unit)s - 1) k
          ) d
         WHERE u.name LIKE 'Bench unit %%' AND u.id >= (SELECT min(id) FROM after_sales_equipment
                                                        WHERE name = 'Bench unit ' || %(first)s)
           AND d.day > u.commissioning_date
        """,
        params,
    )
    env.cr.execute(
        "SELECT min(id), max(id) FROM after_sales_equipment WHERE name IN (%s, %s)",
        [f"Bench unit {first_unit}", f"Bench unit {first_unit + units - 1}"],
    )
    unit_lo, unit_hi = env.cr.fetchone()
    params.update(unit_lo=unit_lo, unit_hi=unit_hi)
    # the readings inserted in SQL: each unit's series, as the readings' create writes it
    env["after_sales.meter.reading"]._refresh_series(range(unit_lo, unit_hi + 1))
    stages = {
        name: env.ref(f"after_sales_service.stage_{name}").id
        for name in ("closed", "resolved", "cancelled", "in_progress")
    }
    causes = [env.ref(f"after_sales_service.cause_{name}").id for name in ("defect", "wear", "misuse")]
    params.update(
        stage_closed=stages["closed"],
        stage_resolved=stages["resolved"],
        stage_cancelled=stages["cancelled"],
        stage_progress=stages["in_progress"],
        causes=causes,
        question=env.ref("after_sales_service.cause_question").id,
    )
    first_request = env["after_sales.request"].search_count([])
    params["req_first"] = first_request
    copy_rows(
        env,
        "after_sales_request",
        refs["request"],
        """SELECT g, u.id AS unit_id, u.partner_id, u.product_id,
                  GREATEST(u.commissioning_date + interval '1 day',
                           now() - ((g::bigint * 104729) %% 455 + 1) * interval '1 day')
                      + (g %% 9) * interval '1 hour' AS opened
             FROM generate_series(%(req_first)s, %(req_first)s + %(requests)s - 1) g
             JOIN after_sales_equipment u
               ON u.id = %(unit_lo)s + (g::bigint * 31) %% (%(unit_hi)s - %(unit_lo)s + 1)""",
        {
            "name": "'BR' || lpad(s.g::text, 8, '0')",
            "title": "'Bench failure ' || s.g",
            "equipment_id": "s.unit_id",
            "partner_id": "s.partner_id",
            "product_id": "s.product_id",
            "cause_id": "CASE WHEN s.g %% 7 = 0 THEN %(question)s ELSE (%(causes)s::int[])[s.g %% 3 + 1] END",
            "stage_id": "CASE WHEN s.g %% 20 = 0 THEN %(stage_cancelled)s "
            "WHEN s.g %% 25 = 1 THEN %(stage_progress)s "
            "WHEN s.g %% 6 = 0 THEN %(stage_resolved)s ELSE %(stage_closed)s END",
            "is_closed": "s.g %% 25 <> 1 AND s.g %% 6 <> 0",
            "is_resolved": "s.g %% 20 <> 0 AND s.g %% 25 <> 1",
            "date_open": "s.opened",
            "date_closed": "CASE WHEN s.g %% 25 <> 1 AND s.g %% 6 <> 0 "
            "THEN s.opened + interval '30 hours' END",
            "sla_response_date": "s.opened + interval '2 hours'",
            "sla_resolution_date": "CASE WHEN s.g %% 20 <> 0 AND s.g %% 25 <> 1 "
            "THEN s.opened + ((s.g %% 50) + 4) * interval '1 hour' END",
            "resolution_time": "CASE WHEN s.g %% 20 <> 0 AND s.g %% 25 <> 1 THEN (s.g %% 50) + 4 ELSE 0 END",
            "create_date": "s.opened",
            "write_date": "s.opened",
        },
        params,
    )
    env.cr.execute("SELECT min(id), max(id) FROM after_sales_request WHERE title LIKE 'Bench failure %%'")
    req_lo, _req_hi = env.cr.fetchone()
    params.update(req_lo=req_lo)
    # three failures in five replaced a part: a done part line and its done issue move
    copy_rows(
        env,
        "after_sales_request_line",
        refs["line"],
        """SELECT r.id AS request_id, r.id AS g, r.equipment_id FROM after_sales_request r
            WHERE r.id >= %(req_lo)s AND r.title LIKE 'Bench failure %%'
              AND r.id %% 5 < 3 AND r.id %% 7 <> 0
              AND NOT EXISTS (SELECT 1 FROM after_sales_request_line l WHERE l.request_id = r.id)""",
        {
            "request_id": "s.request_id",
            "product_id": "(%(parts)s::int[])[s.g %% cardinality(%(parts)s::int[]) + 1]",
        },
        params,
    )
    copy_rows(
        env,
        "stock_move",
        refs["move"],
        """SELECT l.id AS line_id, l.product_id, r.id AS request_id,
                  r.date_open + interval '1 day' AS moved, l.id AS g
             FROM after_sales_request_line l JOIN after_sales_request r ON r.id = l.request_id
            WHERE r.id >= %(req_lo)s AND r.title LIKE 'Bench failure %%'
              AND NOT EXISTS (SELECT 1 FROM stock_move m WHERE m.after_sales_line_id = l.id)""",
        {
            "after_sales_line_id": "s.line_id",
            "after_sales_request_id": "s.request_id",
            "product_id": "s.product_id",
            "date": "s.moved",
            "picking_id": "NULL",
            "reference": "'BR' || s.request_id",
        },
        params,
    )
    # what the requests store for the reliability figures (their unit's hours, their place among
    # the unit's requests), computed by the ORM as on a module update: copied rows hold the template's
    # (after their lines: the parts replaced)
    env.cr.execute(
        "SELECT id FROM after_sales_request WHERE id >= %s AND title LIKE 'Bench failure %%'", [req_lo]
    )
    Request = env["after_sales.request"]
    copied = Request.browse([row[0] for row in env.cr.fetchall()])
    for name in ("equipment_hours", "reliability_earlier_open", "reliability_parts_qty"):
        env.add_to_compute(Request._fields[name], copied)
    env.flush_all()
    env.invalidate_all()
    return count_rows(env)


def count_rows(env):
    """[units, readings, requests, done moves] of the bench's fleet."""
    env.cr.execute(
        """SELECT (SELECT count(*) FROM after_sales_equipment WHERE name LIKE 'Bench unit %%'),
                  (SELECT count(*) FROM after_sales_meter_reading),
                  (SELECT count(*) FROM after_sales_request WHERE title LIKE 'Bench failure %%'),
                  (SELECT count(*) FROM stock_move WHERE state = 'done')"""
    )
    return list(env.cr.fetchone())


# ----------------------------------------------------------------- measure


def cases(env, refs):
    """{name: callable}: what the pages run, ours and Odoo's equivalents."""
    manager_env = env(user=refs["manager"].id)
    year_start = fields.Date.context_today(env["res.users"]).replace(month=1, day=1)
    year_domain = [("date_open", ">=", fields.Datetime.to_datetime(year_start))]
    grouping = [[], ["product_id"], ["date_open:quarter"], ["product_id", "date_open:quarter"]]
    measures = [
        "nbr:sum",
        "parts_qty:sum",
        "repair_time:avg",
        "repeat_rate_30:avg",
        "first_time_fix_rate:avg",
    ]
    Report = manager_env["after_sales.reliability.report"]
    Move = manager_env["stock.move"]
    unit = manager_env["after_sales.equipment"].search(
        [("name", "like", "Bench unit %")], limit=1, order="id"
    )

    def pivot():
        return Report.formatted_read_grouping_sets(year_domain, grouping, measures)

    def move_pivot():
        return Move.formatted_read_grouping_sets(
            [("state", "=", "done"), ("date", ">=", fields.Datetime.to_datetime(year_start))],
            [[], ["product_id"], ["date:quarter"], ["product_id", "date:quarter"]],
            ["product_uom_qty:sum"],
        )

    def fleet():
        wizard = manager_env["after_sales.reliability.fleet.wizard"].create({"date_from": year_start})
        wizard.action_compute()
        return wizard.line_ids

    def health():
        unit.invalidate_recordset()
        return unit.reliability_attention, unit.reliability_mtbf_hours

    def forecast():
        return env["after_sales.parts.forecast.line"]._create_forecast()

    def replenishment():
        return env["stock.warehouse.orderpoint"].with_context(active_test=False)._get_orderpoint_action()

    return {
        "Reliability Analysis pivot (this year)": pivot,
        "  Odoo: stock.move pivot (this year)": move_pivot,
        "Fleet Reliability compute (this year)": fleet,
        "a unit's health": health,
        "parts forecast + backtest": forecast,
        "  Odoo: Replenishment report opening": replenishment,
    }


def run_cases(env, refs, forecast_runs):
    results = {}
    for name, func in cases(env, refs).items():
        runs = forecast_runs if "forecast" in name else RUNS
        seconds, queries, _result = measure_cold(env, func, runs)
        say(f"  {name}: {seconds * 1000:,.0f} ms, {queries} queries")
        results[name] = (seconds, queries)
    return results


def report(sizes, rounds):
    names = list(rounds[0])
    say(
        "\n| case | "
        + " | ".join(f"{s[0]:,} units / {s[1]:,} readings / {s[2]:,} requests" for s in sizes)
        + " |"
    )
    say("| --- | " + " | ".join("---:" for _s in sizes) + " |")
    for name in names:
        cells = [f"{r[name][0] * 1000:,.0f} ms, {r[name][1]} q" for r in rounds]
        say(f"| {name.strip()} | " + " | ".join(cells) + " |")
    pairs = [
        ("Reliability Analysis pivot (this year)", "  Odoo: stock.move pivot (this year)"),
        ("parts forecast + backtest", "  Odoo: Replenishment report opening"),
    ]
    for ours, odoo_name in pairs:
        ratios = ", ".join(f"{r[ours][0] / r[odoo_name][0]:.1f}" for r in rounds)
        say(f"ratio {ours.strip()} / {odoo_name.strip()}: {ratios}")


def reuse(options):
    """Update the modules in an existing bench database, then measure its fleet once."""
    BENCH.name = options.reuse
    data_dir = tempfile.mkdtemp(prefix="bench_reliability_")
    env = None
    try:
        step = time.perf_counter()
        BENCH.update(data_dir, ["after_sales_service", "after_sales_parts"])
        say(f"database {BENCH.name}: modules updated in {time.perf_counter() - step:.0f} s")
        BENCH.vacuum(
            "after_sales_equipment",
            "after_sales_meter_reading",
            "after_sales_meter_reading_series",
            "after_sales_request",
            "after_sales_request_line",
            "stock_move",
        )
        env = BENCH.open_env(data_dir)
        counts = count_rows(env)
        refs = {"manager": env["res.users"].search([("login", "=", "bench_quality")], limit=1)}
        if not refs["manager"]:
            sys.exit(f"{BENCH.name} has no bench fleet (made by this script with --keep)")
        say(f"\n{counts[0]:,} units, {counts[1]:,} readings, {counts[2]:,} requests, {counts[3]:,} moves")
        report([counts], [run_cases(env, refs, options.forecast_runs)])
    finally:
        if env is not None:
            env.cr.rollback()
            env.cr.close()
            Registry.delete(BENCH.name)
        shutil.rmtree(data_dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--forecast-runs", type=int, default=1, help="timed runs of the forecast (median)")
    parser.add_argument("--keep", action="store_true", help="keep the database for a look afterwards")
    parser.add_argument(
        "--generate-only", action="store_true", help="generate the fleet and keep it, measure nothing"
    )
    parser.add_argument(
        "--reuse",
        metavar="DB",
        help="measure only, once, on DB kept by an earlier run (--keep), after updating the suite's "
        "modules in it (-u after_sales_service,after_sales_parts); DB is neither changed otherwise "
        "nor dropped: give it a copy (createdb -T)",
    )
    options = parser.parse_args()
    if options.reuse:
        return reuse(options)
    data_dir = tempfile.mkdtemp(prefix="bench_reliability_")
    started = time.perf_counter()
    env = None
    try:
        copied = BENCH.create()
        say(
            f"database {BENCH.name} ({'copy of ' + BENCH.template if copied else 'empty'}) "
            f"on {PG['host']}:{PG['port']}"
        )
        step = time.perf_counter()
        BENCH.install(data_dir)
        say(f"after_sales_parts installed in {time.perf_counter() - step:.0f} s")
        env = BENCH.open_env(data_dir)
        refs = create_masters(env)
        sizes, rounds = [], []
        half = [options.units // 2, options.readings // 2, options.requests // 2]
        for index in range(2):
            step = time.perf_counter()
            counts = generate(env, refs, index * half[0], *half)
            env.cr.commit()
            BENCH.vacuum(
                "after_sales_equipment",
                "after_sales_meter_reading",
                "after_sales_meter_reading_series",
                "after_sales_request",
                "after_sales_request_line",
                "stock_move",
            )
            say(
                f"\n{counts[0]:,} units, {counts[1]:,} readings, {counts[2]:,} requests, "
                f"{counts[3]:,} done moves"
                f" (generated in {time.perf_counter() - step:.0f} s)"
            )
            sizes.append(counts)
            if not options.generate_only:
                rounds.append(run_cases(env, refs, options.forecast_runs))
        if rounds:
            report(sizes, rounds)
        say(f"\ndone in {time.perf_counter() - started:.0f} s ({datetime.datetime.now():%Y-%m-%d %H:%M})")
    finally:
        if env is not None:
            env.cr.rollback()
            env.cr.close()
            Registry.delete(BENCH.name)
        if not (options.keep or options.generate_only):
            BENCH.drop()
            say(f"database {BENCH.name} dropped")
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
