#!/usr/bin/env python3
"""Billing runs of after_sales_billing at volume, next to Odoo's own sale invoicing.

    python3 bench/bench_billing.py [--keep] [--sizes 200,2000] [--orders 200] [--no-customer]
                                   [--as-users] [--profile FILE.prof]

Creates a throwaway database (a copy of ``as_base`` when it exists on the server,
else an empty one) and installs after_sales_billing. Measured, each on data made for it:

- Odoo's ``sale.order._create_invoices()`` on ``--orders`` confirmed sale orders of the
  same 3 products (10 orders per customer): one invoice per order (``grouped=True``) in
  committed chunks of 50 orders, like the run works (the reference of the ratio); the
  same in one call and one transaction; Odoo's own grouping (one invoice per customer)
  in committed chunks of 50 orders.
- For each size N, N resolved service requests of 3 done, paid lines (10 requests per
  customer) billed by one ``after_sales.billing.run`` grouped per request (N invoices,
  committed chunks of the run's size: up to 100 invoices and 1,000 lines); unless
  ``--no-customer``, 200 more grouped per customer (20 invoices of 30 lines), next to
  Odoo's per-customer row.

Both sides run as a user would (mail tracking on), after an untimed warm-up of 10 of
each (a live server has its caches warm). Printed: time, invoices, SQL queries, the
time spent in ``account.move.create`` (Odoo's, on both sides), the ratio of the run's
time per request to Odoo's time per order (goal <= 0.5) and the queries per request
at each size (must stay flat). Generating the data (ORM, batches of 500 committed,
mail tracking and the creation mail off, as an import) is timed apart.

PostgreSQL: ``PGHOST``/``PGPORT``/``PGUSER``/``PGPASSWORD``, default the private
server of the dev loop (127.0.0.1:54320, user odoo); ``BENCH_DB`` names the database;
``BENCH_ADDONS_PATH`` (addons paths put first) and ``BENCH_EXTRA_MODULES`` try it
against other versions of the suite. The database is dropped at the end unless
``--keep`` is given. Not imported by the tests.

``--as-users``: both sides run as the users who press the buttons in production, not as the
superuser: the billing run as an invoicing user without After-Sales groups (as the job worker
runs it, for the user who pressed Run), Odoo's invoicing as a salesman with invoicing rights.
Their access rights and record rules are checked as for them.

``--profile FILE.prof``: cProfile the billing runs of the largest size (the run's part only:
not the data, not Odoo's side) into ``FILE.prof`` and print their top 40 functions by
cumulative and by own time. The profiler slows Python down: read the ratios of a run
without it.
"""

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time

from benchlib import PG, BenchDatabase, say
from serverlib import create_biller

from odoo import Command, fields
from odoo.modules.registry import Registry

PLAIN = {"lang": "en_US", "tz": "UTC"}
QUIET = {
    "tracking_disable": True,
    "mail_notrack": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_auto_subscribe_no_notify": True,
}
REQUESTS_PER_CUSTOMER = 10
LINES_PER_REQUEST = 3
BATCH = 500
CHUNK = 50
PROFILED = {}  # {request count: cProfile.Profile} of the billing runs profiled (--profile)
USERS = {}  # {"run": uid, "sale": uid}: the users both sides run as (--as-users), else the superuser


class BillingBenchDatabase(BenchDatabase):
    """``BENCH_ADDONS_PATH`` first in the addons path, to bench another copy of the suite."""

    def odoo_args(self, data_dir):
        args = super().odoo_args(data_dir)
        extra = [path for path in os.environ.get("BENCH_ADDONS_PATH", "").split(",") if path]
        if extra:
            args = [
                f"--addons-path={','.join(extra)},{arg.split('=', 1)[1]}"
                if arg.startswith("--addons-path=")
                else arg
                for arg in args
            ]
        return args


MODULES = ",".join(filter(None, [os.environ.get("BENCH_EXTRA_MODULES"), "after_sales_billing", "sale"]))
BENCH = BillingBenchDatabase("as_bench_billing", MODULES, context=QUIET)
DB = BENCH.name
TEMPLATE = BENCH.template


# -------------------------------------------------------------------- data


def create_masters(env):
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
    # an import sends no "request received" mail: without this template the service module sends none
    env.ref("after_sales_service.mail_template_request_created").unlink()
    env.flush_all()
    env.cr.commit()
    return products


def create_customers(env, count, tag):
    return env["res.partner"].create(
        [{"name": f"Bench {tag} Customer {i:04d}", "is_company": True} for i in range(count)]
    )


def create_requests(env, products, count, tag):
    """``count`` resolved requests of 3 done, paid lines, 10 per customer; committed per batch."""
    customers = create_customers(env, max(1, count // REQUESTS_PER_CUSTOMER), tag)
    resolved = env.ref("after_sales_service.stage_resolved")
    Request = env["after_sales.request"]
    Line = env["after_sales.request.line"]
    ids = []
    for start in range(0, count, BATCH):
        numbers = range(start, min(count, start + BATCH))
        requests = Request.create(
            [
                {
                    "title": f"Bench {tag} request {i}",
                    "partner_id": customers[i // REQUESTS_PER_CUSTOMER % len(customers)].id,
                    "user_id": False,
                }
                for i in numbers
            ]
        )
        Line.create(
            [
                {
                    "request_id": request.id,
                    "line_type": "part" if product.type == "consu" else "work",
                    "product_id": product.id,
                    "quantity": 1.0,
                    "done": True,
                }
                for request in requests
                for product in products
            ]
        )
        requests.write({"stage_id": resolved.id})
        env.flush_all()
        env.cr.commit()
        env.invalidate_all()
        ids += requests.ids
    requests = Request.browse(ids)
    lines = requests.line_ids
    if len(lines) != count * LINES_PER_REQUEST or set(lines.mapped("coverage")) != {"paid"}:
        sys.exit(f"generated {len(lines)} lines, coverage {set(lines.mapped('coverage'))}")
    if not all(requests.mapped("is_resolved")):
        sys.exit("generated requests are not all resolved")
    env.invalidate_all()
    return requests


def create_orders(env, products, count, tag):
    """``count`` confirmed sale orders of the 3 products, 10 per customer; committed."""
    customers = create_customers(env, max(1, count // REQUESTS_PER_CUSTOMER), tag)
    orders = env["sale.order"].create(
        [
            {
                "partner_id": customers[i // REQUESTS_PER_CUSTOMER % len(customers)].id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 1.0}) for product in products
                ],
            }
            for i in range(count)
        ]
    )
    orders.action_confirm()
    env.flush_all()
    if set(orders.mapped("invoice_status")) != {"to invoice"}:
        sys.exit(f"sale orders not invoiceable: {set(orders.mapped('invoice_status'))}")
    env.cr.commit()
    env.invalidate_all()
    return orders


# ----------------------------------------------------------------- measure


class MoveCreateClock:
    """Time spent in ``account.move.create``, the part of both sides that is Odoo's own."""

    def __init__(self, env):
        self.seconds = 0.0
        cls = type(env["account.move"])
        create = cls.create
        clock = self

        def timed_create(self, vals_list):
            started = time.perf_counter()
            try:
                return create(self, vals_list)
            finally:
                clock.seconds += time.perf_counter() - started

        cls.create = timed_create


def measure(env, func, clock):
    """(seconds, queries, seconds in account.move.create, CPU seconds of this process) of ``func()``.

    From a committed state, on a cold record cache. The CPU time leaves out PostgreSQL's
    and is hardly touched by other work on the machine: a check on the wall-clock ratio.
    """
    env.cr.commit()
    env.invalidate_all()
    before = env.cr.sql_log_count
    clock.seconds = 0.0
    cpu = time.process_time()
    started = time.perf_counter()
    func()
    env.flush_all()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    queries = env.cr.sql_log_count - before
    env.cr.commit()
    return elapsed, queries, clock.seconds, cpu


def create_users(env):
    """The users of ``--as-users``: the invoicing user who presses Run (``serverlib.create_biller``)
    and a salesman who may invoice."""
    USERS["run"] = create_biller(env, "bench_run_biller", "bench_run_biller").id
    salesman = env["res.users"].create(
        {
            "name": "bench_sale_biller",
            "login": "bench_sale_biller",
            "group_ids": [
                Command.link(env.ref("sales_team.group_sale_salesman_all_leads").id),
                Command.link(env.ref("account.group_account_invoice").id),
            ],
        }
    )
    USERS["sale"] = salesman.id
    env.cr.commit()


def bench_run(env, requests, grouping, clock):
    """(seconds, queries, create seconds, CPU seconds, invoices) of one run invoicing ``requests``."""
    superuser_env = env  # reads what the invoicing user may not
    env = env(user=USERS.get("run", env.uid), context=PLAIN)
    today = fields.Date.context_today(env["res.users"])
    run = env["after_sales.billing.run"].create(
        {"date_from": today, "date_to": today, "grouping": grouping, "include_fees": False}
    )
    profiler = PROFILED.get(len(requests))
    if profiler:
        profiler.enable()
    try:
        elapsed, queries, create, cpu = measure(env, lambda: run._run(commit=True), clock)
    finally:
        if profiler:
            profiler.disable()
    invoiced = superuser_env["after_sales.request.line"].search_count(
        [("request_id", "in", requests.ids), ("invoice_status", "=", "invoiced")]
    )
    expected = len(requests) if grouping == "request" else len(requests) // REQUESTS_PER_CUSTOMER
    if invoiced != len(requests) * LINES_PER_REQUEST or run.invoice_count != expected or run.failure_ids:
        sys.exit(
            f"billing run incomplete: {invoiced} lines, {run.invoice_count} invoices, "
            f"{run.failure_count} failures"
        )
    return elapsed, queries, create, cpu, run.invoice_count


def bench_sale(env, orders, grouped, clock, chunk=None):
    """(seconds, queries, create seconds, CPU seconds, invoices) of ``_create_invoices(grouped)``.

    ``grouped``: one invoice per order, else Odoo's grouping (one per customer here);
    ``chunk``: so many orders per call, each call committed, else one call.
    """
    env = env(user=USERS.get("sale", env.uid), context=PLAIN)
    orders = orders.with_env(env)
    step = chunk or len(orders)

    def invoice():
        for start in range(0, len(orders), step):
            orders[start : start + step]._create_invoices(grouped=grouped)
            if chunk:
                env.cr.commit()
                env.invalidate_all()

    elapsed, queries, create, cpu = measure(env, invoice, clock)
    invoices = orders.invoice_ids
    expected = len(orders) if grouped else len(orders.partner_id)
    if len(invoices) != expected or len(invoices.invoice_line_ids) != len(orders) * LINES_PER_REQUEST:
        sys.exit(f"sale invoicing made {len(invoices)} invoices for {len(orders)} orders")
    return elapsed, queries, create, cpu, len(invoices)


def warm_up(env, products, clock):
    """Bill 10 requests and invoice 10 orders, untimed: a live server has its caches warm."""
    bench_run(env, create_requests(env, products, 10, "warm"), "request", clock)
    bench_sale(env, create_orders(env, products, 10, "warm"), True, clock)


def report(rows):
    """rows: dicts of label, count, seconds, queries, create, cpu, invoices, samples, ref (Odoo's row)."""
    by_label = {row["label"]: row for row in rows}

    def ratio(row, key="seconds"):
        ref = by_label[row["ref"]]
        return (row[key] / row["count"]) / (ref[key] / ref["count"])

    say("")
    say(
        f"    {'case (median of n samples)':<60} {'n':>2} {'time':>9} {'invoices':>8} {'ms/each':>8} "
        f"{'ratio':>6} {'queries':>7} {'q/each':>6} {'in account.move.create':>22} {'CPU':>8} {'ratio':>6}"
    )
    for row in rows:
        count, seconds = row["count"], row["seconds"]
        ratios = (f"{ratio(row):>6.2f}", f"{ratio(row, 'cpu'):>6.2f}") if row["ref"] else ("", "")
        say(
            f"    {row['label']:<60} {row['samples']:>2} {seconds:>7.2f} s {row['invoices']:>8,} "
            f"{seconds / count * 1000:>8.1f} {ratios[0]:>6} {row['queries']:>7,} "
            f"{row['queries'] / count:>6.1f} "
            f"{row['create']:>10.2f} s ({row['create'] / seconds:>4.0%}) {row['cpu']:>6.2f} s {ratios[1]:>6}"
        )
    say("")
    say(
        "    ratio = run time per request / Odoo's time per sale order with the same grouping, Odoo in "
        f"committed chunks of {CHUNK} orders (the second: the same on this process's CPU time)"
    )
    per_request = [
        row
        for row in rows
        if row["label"].startswith("billing run") and row["ref"] and row["label"].endswith("per request")
    ]
    for row in per_request:
        value = ratio(row)
        say(
            f"    {row['count']:>6,} requests per request: ratio {value:.2f} "
            f"({'meets' if value <= 0.5 else 'MISSES'} the goal <= 0.5; CPU {ratio(row, 'cpu'):.2f}), "
            f"{row['queries'] / row['count']:.1f} queries/request"
        )
    if len(per_request) > 1:
        first, last = per_request[0], per_request[-1]
        before, after = first["queries"] / first["count"], last["queries"] / last["count"]
        say(
            f"    queries/request {first['count']:,} -> {last['count']:,}: {before:.1f} -> {after:.1f} "
            f"({'flat' if after <= before * 1.05 else 'GROWS'})"
        )


def print_profile(path):
    """Write the profile of the billing runs to ``path`` and print its top 40 twice."""
    ((count, profiler),) = PROFILED.items()
    profiler.dump_stats(path)
    for sort in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort).print_stats(40)
        say(f"\nprofile of the billing run of {count:,} requests, top 40 by {sort} ({path}):")
        say(out.getvalue())


def cases(env, products, clock, options):
    """[(label, count, label of Odoo's reference row or None, generate(tag), measure(data))]."""
    sizes = [int(size) for size in options.sizes.split(",")]
    result = []
    for grouped, chunk in ((True, CHUNK), (True, None), (False, CHUNK)):
        how = f"chunks of {chunk}" if chunk else "one call"
        per = "order" if grouped else "customer"
        result.append(
            (
                f"Odoo _create_invoices, {options.orders:,} orders, per {per}, {how}",
                options.orders,
                None,
                lambda tag: create_orders(env, products, options.orders, tag),
                lambda orders, grouped=grouped, chunk=chunk: bench_sale(env, orders, grouped, clock, chunk),
            )
        )
    reference = {"request": result[0][0], "customer": result[2][0]}
    runs = [(size, "request") for size in sizes]
    if not options.no_customer:
        runs.append((options.orders, "customer"))
    for size, grouping in runs:
        result.append(
            (
                f"billing run, {size:,} requests, per {grouping}",
                size,
                reference[grouping],
                lambda tag, size=size: create_requests(env, products, size, tag),
                lambda requests, grouping=grouping: bench_run(env, requests, grouping, clock),
            )
        )
    return result


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="200,2000", help="request counts billed by one run each")
    parser.add_argument("--orders", type=int, default=200, help="sale orders invoiced by Odoo")
    parser.add_argument("--no-customer", action="store_true", help="skip the run grouped per customer")
    parser.add_argument(
        "--repeat", type=int, default=3, help="samples of the cases up to --orders in size (median kept)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database for a look afterwards")
    parser.add_argument(
        "--as-users", action="store_true", help="both sides as their users in production, not the superuser"
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="cProfile the billing runs of the largest size into FILE (.prof)"
    )
    options = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="bench_billing_")
    env = None
    started = time.perf_counter()
    try:
        copied = BENCH.create()
        say(f"database {DB} ({'copy of ' + TEMPLATE if copied else 'empty'}) on {PG['host']}:{PG['port']}")
        step = time.perf_counter()
        BENCH.install(data_dir)
        say(f"{MODULES} installed in {time.perf_counter() - step:.0f} s")
        env = BENCH.open_env(data_dir)
        if options.profile:
            PROFILED[max(int(size) for size in options.sizes.split(","))] = cProfile.Profile()
        clock = MoveCreateClock(env)
        products = create_masters(env)
        if options.as_users:
            create_users(env)
        warm_up(env, products, clock)
        todo = cases(env, products, clock, options)
        samples = {label: [] for label, *__ in todo}
        # the small cases in turns, so that the load of the machine touches each alike
        small = [(index, case) for index, case in enumerate(todo) if case[1] <= options.orders]
        plan = [(rep, index, case) for rep in range(options.repeat) for index, case in small]
        plan += [(0, index, case) for index, case in enumerate(todo) if case[1] > options.orders]
        for rep, index, (label, _count, _ref, generate, run) in plan:
            step = time.perf_counter()
            data = generate(f"c{index}s{rep}")
            generated = time.perf_counter() - step
            seconds, queries, create, cpu, invoices = run(data)
            samples[label].append((seconds, queries, create, cpu, invoices))
            say(
                f"{label} [{rep + 1}]: data generated in {generated:.1f} s (not measured); "
                f"{seconds:.2f} s, {queries:,} queries"
            )
        rows = []
        for label, count, ref, _generate, _run in todo:
            taken = sorted(samples[label])
            seconds, queries, create, __, invoices = taken[len(taken) // 2]
            cpu = sorted(sample[3] for sample in taken)[len(taken) // 2]
            rows.append(
                {
                    "label": label,
                    "count": count,
                    "seconds": seconds,
                    "queries": queries,
                    "create": create,
                    "cpu": cpu,
                    "invoices": invoices,
                    "ref": ref,
                    "samples": len(taken),
                }
            )
        report([row for row in rows if row["ref"]] + [row for row in rows if not row["ref"]])
        if options.profile:
            print_profile(options.profile)
        say(f"\ndone in {time.perf_counter() - started:.0f} s")
    finally:
        if env is not None:
            env.cr.rollback()
            env.cr.close()
            Registry.delete(DB)
        if not options.keep:
            BENCH.drop()
            say(f"database {DB} dropped")
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
