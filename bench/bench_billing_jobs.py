#!/usr/bin/env python3
"""Billing runs as queue jobs: invoices per second with 1 and 2 job workers, next to Odoo's own.

    make bench BENCH=bench/bench_billing_jobs.py
    python3 bench/bench_billing_jobs.py [--requests 600] [--orders 200] [--pg-cores 8] [--keep]

Creates a throwaway database (a copy of ``as_base`` when the server has it) with
after_sales_billing and sale, then in the same run:

- Odoo's reference, in this process: ``sale.order._create_invoices(grouped=True)`` on
  ``--orders`` confirmed sale orders of the same 3 products, in committed chunks of 50 orders
  (as ``bench_billing.py`` measures it, whose data and timing this reuses), after a warm-up.
- The billing run over HTTP as production runs it: Odoo with ``--workers=2 --load=base,web,queue_job``
  and the job runner's channels ``root:1`` (one job at a time), then ``root:2`` (two at once),
  each on ``--requests`` new resolved requests of the same shape (3 done, paid lines, 10 per
  customer, one invoice per request): an invoicing user presses Run and the run is timed from
  the press to "done".

Printed: time, invoices per second and seconds per request with each capacity, the scaling
efficiency (2 workers' rate / twice 1 worker's), the ratio of the run's seconds per request to
Odoo's seconds per order (goal <= 0.35 with 2 workers at 20,000 requests, <= 0.5 with one),
queries per request and the share of the jobs' time spent in SQL (both from Odoo's access log
of the ``/queue_job/runjob`` requests: queries and SQL time per request), and an estimate of
what N hosts of 2 job workers each would give over one PostgreSQL of ``--pg-cores`` cores.

PostgreSQL: as ``bench_billing.py`` (``PGHOST``..., ``BENCH_DB``); the database is dropped at
the end unless ``--keep``. Not imported by the tests.
"""

import argparse
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

from odoo import fields
from odoo.modules.registry import Registry

BENCH = BillingBenchDatabase("as_bench_billing_jobs", MODULES, context=QUIET)
BILLER = ("bench_biller", "bench-biller-password")


def bench_jobs(env, products, data_dir, workdir, options, capacity):
    """Bill ``--requests`` new requests by one run on a server of ``root:<capacity>``."""
    requests = create_requests(env, products, options.requests, f"jobs{capacity}")
    env.cr.commit()
    server = OdooServer(
        BENCH.name,
        data_dir,
        workdir,
        workers=options.workers,
        limit_time_real=options.limit_time_real,
        channels=f"root:{capacity}",
    )
    sql = open_sql(BENCH.name)
    try:
        server.start()
        client = WebClient(server)
        client.login(*BILLER)
        today = fields.Date.to_string(fields.Date.context_today(env["res.users"]))
        run_id = client.create(
            "after_sales.billing.run",
            {"date_from": today, "date_to": today, "grouping": "request", "include_fees": False},
        )
        job_id = last_job_id(sql)
        started = time.perf_counter()
        client.call_button("after_sales.billing.run", "action_run", run_id, timeout=600)
        answer = time.perf_counter() - started
        __, state, invoices = wait_done(sql, run_id, job_id, options.stall, True)
        seconds = time.perf_counter() - started
        jobs = jobs_since(sql, job_id)
        failures = run_state(sql, run_id)[2]
        served = server.job_requests()
    finally:
        server.stop()
        sql.close()
    if state != "done" or invoices != len(requests) or failures or jobs.get("failed"):
        raise SystemExit(
            f"root:{capacity}: run {state}, {invoices} invoices of {len(requests)}, "
            f"{failures} failures, jobs {jobs}\n{server.log_tail()}"
        )
    busy = sum(job[2] + job[3] for job in served)
    return {
        "capacity": capacity,
        "answer": answer,
        "seconds": seconds,
        "invoices": invoices,
        "jobs": sum(jobs.values()),
        "queries": sum(job[1] for job in served),
        "sql": sum(job[2] for job in served),
        "busy": busy,
    }


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


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=600, help="requests billed per capacity")
    parser.add_argument("--orders", type=int, default=200, help="sale orders invoiced by Odoo")
    parser.add_argument("--workers", type=int, default=2, help="Odoo HTTP workers of the server")
    parser.add_argument("--limit-time-real", type=int, default=120, help="Odoo's limit per request (s)")
    parser.add_argument("--pg-cores", type=int, default=8, help="PostgreSQL cores of the N-hosts estimate")
    parser.add_argument("--stall", type=int, default=300, help="seconds without a new invoice: failed")
    parser.add_argument("--keep", action="store_true", help="keep the database for a look afterwards")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench_billing_jobs_"))
    data_dir = workdir / "data"
    env = None
    started = time.perf_counter()
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
        orders = create_orders(env, products, options.orders, "ref")
        odoo_seconds, odoo_queries, __, __, __ = bench_sale(env, orders, True, clock, CHUNK)
        env.cr.commit()
        per_order = odoo_seconds / options.orders
        say(
            f"Odoo _create_invoices, {options.orders:,} orders, one invoice per order, chunks of {CHUNK}: "
            f"{odoo_seconds:.2f} s, {per_order * 1000:.1f} ms/order, "
            f"{odoo_queries / options.orders:.1f} queries/order"
        )
        rows = [bench_jobs(env, products, data_dir, workdir, options, capacity) for capacity in (1, 2)]
        say(
            f"\nbilling run of {options.requests:,} requests as jobs (one invoice per request), "
            "from the press to done:"
        )
        for row in rows:
            per_request = row["seconds"] / row["invoices"]
            say(
                f"  root:{row['capacity']}: {row['seconds']:.1f} s, "
                f"{row['invoices'] / row['seconds']:.2f} invoices/s, "
                f"{per_request * 1000:.1f} ms/request, ratio to Odoo {per_request / per_order:.2f} "
                f"(goal <= {0.5 if row['capacity'] == 1 else 0.35}), {row['queries'] / row['invoices']:.1f} "
                f"queries/request, {row['sql'] / row['busy']:.0%} of the jobs' time in SQL, "
                f"{row['jobs']} jobs, Run answered in {row['answer']:.2f} s"
            )
        one, two = rows
        efficiency = (two["invoices"] / two["seconds"]) / (2 * one["invoices"] / one["seconds"])
        say(
            f"  scaling efficiency 1 -> 2 job workers: {efficiency:.0%} (here Odoo's 2 workers and "
            "PostgreSQL share the machine's cores)"
        )
        estimate_hosts(one, options)
        say(f"\ndone in {time.perf_counter() - started:.0f} s")
    finally:
        if env is not None:
            env.cr.rollback()
            env.cr.close()
            Registry.delete(BENCH.name)
        if not options.keep:
            BENCH.drop()
            say(f"database {BENCH.name} dropped")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
