#!/usr/bin/env python3
"""Billing runs as queue jobs: invoices per second with 1 and 2 job workers, next to Odoo's own.

    make bench BENCH=bench/bench_billing_jobs.py ARGS="--requests 600"
    python3 bench/bench_billing_jobs.py [--requests 600] [--small 120] [--orders 200] [--pg-cores 8] [--keep]

Creates a throwaway database (a copy of ``as_base`` when the server has it) with
after_sales_billing and sale, generates ``--requests`` resolved requests once (3 done, paid
lines, 10 per customer, one invoice per request) and copies the database, so that both
capacities bill the same data; then in the same run:

- Odoo's reference, in this process: ``sale.order._create_invoices(grouped=True)`` on
  ``--orders`` confirmed sale orders of the same 3 products, in committed chunks of 50 orders
  (as ``bench_billing.py`` measures it, whose data and timing this reuses), after a warm-up;
  once before the runs and once after them, their mean the reference of the ratios (the load
  of a shared machine touches both sides alike).
- The billing run over HTTP as production runs it: Odoo with ``--workers=2 --load=base,web,queue_job``
  and the job runner's channels ``root:1`` (one job at a time) on the database, then ``root:2``
  (two at once) on its copy: an invoicing user presses Run and the run is timed from the press
  to "done". Then, on the ``root:1`` server, ``--small`` new requests billed the same way: the
  queries per request at a second size.

Printed: time, invoices per second and milliseconds per request with each capacity, the scaling
efficiency (2 workers' rate / twice 1 worker's), the ratio of the run's time per request to
Odoo's time per order (goals at 20,000 requests: <= 0.5 with one job worker, <= 0.35 with two),
queries per request at both sizes and the share of the jobs' time spent in SQL (both from Odoo's
access log of the ``/queue_job/runjob`` requests: queries and SQL time per request), the load
average of the machine during each measure, and what N hosts of 2 job workers each would give
over one PostgreSQL of ``--pg-cores`` cores, from the measured per-job cost and its SQL share.

PostgreSQL: as ``bench_billing.py`` (``PGHOST``..., ``BENCH_DB``); the databases are dropped at
the end unless ``--keep``. Not imported by the tests.
"""

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench_billing import (
    CHUNK,
    MODULES,
    QUIET,
    BillingBenchDatabase,
    MoveCreateClock,
    bench_sale,
    create_masters,
    create_orders,
    create_requests,
    warm_up,
)
from benchlib import PG, say
from serverlib import (
    OdooServer,
    WebClient,
    create_biller,
    jobs_since,
    last_job_id,
    open_sql,
    run_state,
    wait_done,
)

from odoo import fields, sql_db
from odoo.modules.registry import Registry

BENCH = BillingBenchDatabase("as_bench_billing_jobs", MODULES, context=QUIET)
BILLER = ("bench_biller", "bench-biller-password")


def load():
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def bill_once(server, database, today, count, options, label):
    """Press Run as the invoicing user on ``server`` and wait for done: the run's figures."""
    sql = open_sql(database)
    try:
        client = WebClient(server)
        client.login(*BILLER)
        run_id = client.create(
            "after_sales.billing.run",
            {"date_from": today, "date_to": today, "grouping": "request", "include_fees": False},
        )
        job_id = last_job_id(sql)
        served_before = len(server.job_requests())
        load_before = load()
        started = time.perf_counter()
        client.call_button("after_sales.billing.run", "action_run", run_id, timeout=600)
        answer = time.perf_counter() - started
        __, state, invoices = wait_done(sql, run_id, job_id, options.stall, True)
        seconds = time.perf_counter() - started
        jobs = jobs_since(sql, job_id)
        failures = run_state(sql, run_id)[2]
    finally:
        sql.close()
    served = server.job_requests()[served_before:]
    if state != "done" or invoices != count or failures or jobs.get("failed"):
        raise SystemExit(
            f"{label}: run {state}, {invoices} invoices of {count}, "
            f"{failures} failures, jobs {jobs}\n{server.log_tail()}"
        )
    return {
        "label": label,
        "count": count,
        "answer": answer,
        "seconds": seconds,
        "invoices": invoices,
        "jobs": sum(jobs.values()),
        "queries": sum(job[1] for job in served),
        "sql": sum(job[2] for job in served),
        "busy": sum(job[2] + job[3] for job in served),
        "load": f"{load_before} -> {load()}",
    }


def bench_jobs(database, data_dir, workdir, options, capacity, small=None):
    """Bill the ``--requests`` requests of ``database`` by one run on a server of ``root:<capacity>``;
    then, when ``small`` (a function making that many new requests, returning their count), a
    second run of those on the same server."""
    server = OdooServer(
        database,
        data_dir,
        workdir,
        workers=options.workers,
        limit_time_real=options.limit_time_real,
        channels=f"root:{capacity}",
    )
    today = fields.Date.to_string(fields.Date.today())
    rows = []
    try:
        server.start()
        rows.append(bill_once(server, database, today, options.requests, options, f"root:{capacity}"))
        if small:
            rows.append(bill_once(server, database, today, small(), options, f"root:{capacity}, small"))
    finally:
        server.stop()
    for row in rows:
        row["capacity"] = capacity
    return rows


def bench_odoo(env, orders, clock, label):
    """Odoo's _create_invoices on ``orders`` in committed chunks: (ms per order, queries per order)."""
    load_before = load()
    seconds, queries, __, __, __ = bench_sale(env, orders, True, clock, CHUNK)
    env.cr.commit()
    per_order = seconds / len(orders)
    say(
        f"Odoo _create_invoices ({label}), {len(orders):,} orders, one invoice per order, chunks of "
        f"{CHUNK}: {seconds:.2f} s, {per_order * 1000:.1f} ms/order, {queries / len(orders):.1f} "
        f"queries/order, load {load_before} -> {load()}"
    )
    return per_order


def estimate_hosts(one, options):
    """What N hosts of 2 job workers would bill, from the per-invoice cost of one uncontended job
    worker (the ``root:1`` run) and the part of it spent waiting on PostgreSQL."""
    per_invoice = one["busy"] / one["invoices"]  # seconds of one job worker per invoice
    sql_per_invoice = one["sql"] / one["invoices"]  # of which in SQL, as Odoo times it
    pg_limit = options.pg_cores / sql_per_invoice if sql_per_invoice else float("inf")
    say(
        f"\nN hosts of 2 job workers (a host: 2 cores of its own), one PostgreSQL of {options.pg_cores} "
        f"cores: a job worker spends {per_invoice * 1000:.0f} ms per invoice, "
        f"{sql_per_invoice * 1000:.0f} ms "
        f"({sql_per_invoice / per_invoice:.0%}) of it in SQL, so PostgreSQL saturates near "
        f"{pg_limit:,.0f} invoices/s (its cores / SQL seconds per invoice: a bound, the SQL time Odoo "
        "sees includes the network); the chunks lock disjoint rows, so the hosts add up until then:"
    )
    for hosts in (1, 2, 4, 8, 16):
        rate = min(2 * hosts / per_invoice, pg_limit)
        bound = " (PostgreSQL-bound)" if rate == pg_limit else ""
        say(
            f"  {hosts:>2} host(s): ~{rate:,.1f} invoices/s, "
            f"20,000 requests in ~{20000 / rate / 60:,.1f} min{bound}"
        )


def report(rows, per_order, options):
    say(
        f"\nbilling run as jobs (one invoice per request), from the press to done; Odoo's reference "
        f"{per_order * 1000:.1f} ms/order (mean of before and after):"
    )
    for row in rows:
        per_request = row["seconds"] / row["invoices"]
        goal = ""
        if row["label"] == f"root:{row['capacity']}":
            goal = f" (goal <= {0.5 if row['capacity'] == 1 else 0.35} at 20,000)"
        say(
            f"  {row['label']}, {row['invoices']:,} requests: {row['seconds']:.1f} s, "
            f"{row['invoices'] / row['seconds']:.2f} invoices/s, "
            f"{per_request * 1000:.1f} ms/request, ratio to Odoo {per_request / per_order:.2f}{goal}, "
            f"{row['queries'] / row['invoices']:.2f} queries/request, "
            f"{row['sql'] / row['busy']:.0%} of the jobs' time in SQL, "
            f"{row['busy'] / row['invoices'] * 1000:.0f} ms of job per request, {row['jobs']} jobs, "
            f"Run answered in {row['answer']:.2f} s, load {row['load']}"
        )
    one, small, two = rows
    efficiency = (two["invoices"] / two["seconds"]) / (2 * one["invoices"] / one["seconds"])
    say(
        f"  scaling efficiency 1 -> 2 job workers: {efficiency:.0%} (on {os.cpu_count()} cores that "
        "Odoo's workers, the job runner and PostgreSQL share)"
    )
    before, after = small["queries"] / small["invoices"], one["queries"] / one["invoices"]
    say(
        f"  queries/request {small['invoices']:,} -> {one['invoices']:,} requests: "
        f"{before:.2f} -> {after:.2f} "
        f"({'flat' if after <= before * 1.05 else 'GROWS'})"
    )
    estimate_hosts(one, options)


def generate(env, products, count, tag):
    step = time.perf_counter()
    requests = create_requests(env, products, count, tag)
    env.cr.commit()
    say(f"{count:,} requests generated in {time.perf_counter() - step:.0f} s (not measured)")
    return len(requests)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--requests", type=int, default=600, help="requests billed with each capacity (the size)"
    )
    parser.add_argument(
        "--small", type=int, help="requests of the second size (queries per request), default a fifth"
    )
    parser.add_argument("--orders", type=int, default=200, help="sale orders invoiced by Odoo, each time")
    parser.add_argument("--workers", type=int, default=2, help="Odoo HTTP workers of the server")
    parser.add_argument("--limit-time-real", type=int, default=120, help="Odoo's limit per request (s)")
    parser.add_argument("--pg-cores", type=int, default=8, help="PostgreSQL cores of the N-hosts estimate")
    parser.add_argument("--stall", type=int, default=300, help="seconds without a new invoice: failed")
    parser.add_argument("--keep", action="store_true", help="keep the databases for a look afterwards")
    options = parser.parse_args()
    small_count = options.small or max(50, options.requests // 5)
    workdir = Path(tempfile.mkdtemp(prefix="bench_billing_jobs_"))
    data_dir = workdir / "data"
    twin = f"{BENCH.name}_twin"
    env = None
    started = time.perf_counter()
    say(f"{os.cpu_count()} cores, load {load()} at the start")
    try:
        copied = BENCH.create()
        say(
            f"database {BENCH.name} ({'copy of ' + BENCH.template if copied else 'empty'}) "
            f"on {PG['host']}:{PG['port']}"
        )
        BENCH.install(data_dir)
        env = BENCH.open_env(data_dir)
        if not env.company.chart_template:
            env["account.chart.template"].try_loading("generic_coa", env.company, install_demo=False)
        clock = MoveCreateClock(env)
        products = create_masters(env)
        create_biller(env, "Bench Biller", *BILLER)
        env.cr.commit()
        warm_up(env, products, clock)
        orders = [create_orders(env, products, options.orders, tag) for tag in ("ref1", "ref2")]
        generate(env, products, options.requests, "jobs")
        # the same data for both capacities: a copy of the database (and its filestore)
        env.cr.close()
        env = None
        Registry.delete(BENCH.name)
        sql_db.close_db(BENCH.name)
        BENCH.clone(twin)
        filestore = data_dir / "filestore" / BENCH.name
        if filestore.is_dir():
            shutil.copytree(filestore, data_dir / "filestore" / twin)
        env = BENCH.open_env(data_dir)
        clock = MoveCreateClock(env)
        products = products.with_env(env)
        per_orders = [bench_odoo(env, orders[0].with_env(env), clock, "before the runs")]

        def small():
            return generate(env, products, small_count, "small")

        rows = bench_jobs(BENCH.name, data_dir, workdir, options, 1, small)
        rows += bench_jobs(twin, data_dir, workdir, options, 2)
        env.invalidate_all()
        per_orders.append(bench_odoo(env, orders[1].with_env(env), clock, "after the runs"))
        report(rows, sum(per_orders) / len(per_orders), options)
        say(f"\ndone in {time.perf_counter() - started:.0f} s, load {load()} at the end")
    finally:
        if env is not None:
            env.cr.rollback()
            env.cr.close()
            Registry.delete(BENCH.name)
        if not options.keep:
            BENCH.drop()
            BENCH.drop_clone(twin)
            say(f"databases {BENCH.name} and {twin} dropped")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
