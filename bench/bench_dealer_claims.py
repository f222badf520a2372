#!/usr/bin/env python3
"""Deciding and settling dealer warranty claims at volume, next to Odoo's own vendor bills.

    python3 bench/bench_dealer_claims.py [--keep] [--sizes 500,5000] [--grouping dealer,claim]

Creates a throwaway database (a copy of ``as_base`` when it exists on the server, else an
empty one) and installs after_sales_billing. For each size N (claim lines) and each
settlement grouping, on data made for that case:

- N / 10 claims of 10 lines (6 labour lines, some above the norm of their operation; 4 parts,
  one in a category the warranty excludes, half with a vendor warranty), of N / 100 authorized
  dealers (10 claims each), one unit per claim, all in warranty; entered by the ORM as a
  dealer would (the coverage engine decides each line at creation), committed, not measured;
- **decide**: a warranty officer submits all the claims in one call (checks, duplicates,
  meter readings, followers and the chatter note) and approves them in one call (the
  engine's suggestions become decisions, vendor recourse of the approved parts, the
  decision note to the dealer); the coverage engine alone is also timed
  (``action_recheck_coverage``: every line judged again);
- **settle**: an After-Sales manager runs one settlement (per dealer: one bill per dealer;
  per claim: one bill per claim), in its committed chunks of up to 100 bills / 1,000 lines;
- **Odoo**: the same vendor bills (partner, journal, lines with product, quantity, price and
  taxes, read from the settlement's bills) created by ``account.move.create`` in the same
  chunks, committed (the reference of the settlement's ratio: both make the same draft bills),
  then posted by ``action_post`` in the same chunks (the reference of deciding: Odoo's own
  check-and-validate step of a document's lines, with its chatter).

- **analysis**: the Dealer Claims Analysis of the case's lines as its pivot asks it (per dealer
  and repair month, the default measures and the days to payment), and the XLSX registry of the
  same lines (reading the rows, building the workbook), as the manager.

Both sides run as a user would (mail tracking on), after an untimed warm-up case of 100 lines.
Printed: time, queries, queries per claim line at each size (must stay flat), the time in
``account.move.create`` (Odoo's, on both sides) and the ratios. Generating the data (ORM,
tracking and the creation mail off, as an import) is timed apart.

PostgreSQL: ``PGHOST``/``PGPORT``/``PGUSER``/``PGPASSWORD``, default the private server of the
dev loop (127.0.0.1:54320, user odoo); ``BENCH_DB`` names the database. The database is
dropped at the end unless ``--keep`` is given. Not imported by the tests.
"""

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta

from benchlib import PG, BenchDatabase, say

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
LINES_PER_CLAIM = 10
CLAIMS_PER_DEALER = 10
CLAIM_BATCH = 100
BENCH = BenchDatabase("as_bench_dealer_claims", "after_sales_billing", context=QUIET)
DB = BENCH.name


# -------------------------------------------------------------------- data


class Masters:
    """What every case shares: the unit product and its warranty, operations, parts, users."""

    def __init__(self, env):
        company = env.company
        if not company.chart_template:
            env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
        Category = env["product.category"]
        wear = Category.create({"name": "Bench Wear Parts"})
        spares = Category.create({"name": "Bench Spare Parts"})
        self.parts_categs = wear | spares
        self.machines = Category.create(
            {
                "name": "Bench Generators",
                "warranty_parts_months": 24,
                "warranty_labour_months": 12,
                "warranty_hours_limit": 2000,
                "warranty_start_basis": "delivery",
                "warranty_excluded_categ_ids": [Command.set(wear.ids)],
            }
        )
        self.unit_products = env["product.product"].create(
            [
                {"name": f"Bench Generator G{i}", "type": "consu", "categ_id": self.machines.id}
                for i in range(5)
            ]
        )
        tax = env["account.tax"].create(
            {"name": "Bench input VAT 20%", "amount": 20.0, "type_tax_use": "purchase"}
        )
        vendor = env["res.partner"].create({"name": "Bench Motor Works", "is_company": True})
        self.parts = env["product.product"].create(
            [
                {
                    "name": f"Bench Part {i:02d}",
                    "type": "consu",
                    "categ_id": (wear if i % 4 == 3 else spares).id,
                    "standard_price": 20.0 + 10 * i,
                    "supplier_taxes_id": [Command.set(tax.ids)],
                    # half the parts carry the vendor's warranty: approved lines are claimed back
                    "seller_ids": [Command.create({"partner_id": vendor.id, "warranty_months": 36})]
                    if i % 2 == 0
                    else [],
                }
                for i in range(20)
            ]
        )
        company._get_dealer_labour_product().supplier_taxes_id = tax
        self.operations = env["after_sales.labour.operation"].create(
            [
                {
                    "code": f"BOP-{i:02d}",
                    "name": f"Bench operation {i}",
                    "categ_id": self.machines.id,
                    "norm_hours": 0.5 + i % 4,
                }
                for i in range(20)
            ]
        )
        Users = env["res.users"].with_context(no_reset_password=True)
        self.officer = Users.create(
            {
                "name": "Bench Warranty Officer",
                "login": "bench_officer",
                "group_ids": [Command.set([env.ref("after_sales_warranty.group_warranty_officer").id])],
            }
        )
        self.manager = Users.create(
            {
                "name": "Bench After-Sales Manager",
                "login": "bench_manager",
                "group_ids": [Command.set([env.ref("after_sales_service.group_after_sales_manager").id])],
            }
        )
        # a claim sends no mail in an import; the decision note is still posted (measured)
        env.flush_all()
        env.cr.commit()


def create_claims(env, masters, line_count, tag):
    """``line_count`` lines in claims of 10, 10 claims per dealer, one unit each; committed."""
    claim_count = max(1, line_count // LINES_PER_CLAIM)
    today = fields.Date.context_today(env["res.users"])
    dealers = env["res.partner"].create(
        [
            {
                "name": f"Bench {tag} Dealer {i:03d}",
                "is_company": True,
                "is_service_partner": True,
                "service_categ_ids": [Command.set(masters.machines.ids)],
                "service_parts_categ_ids": [Command.set(masters.parts_categs.ids)],
                "service_labour_rate": 50.0,
                "service_parts_rule": "cost",
                "service_handling_percent": 10.0,
                "service_claim_deadline_days": 30,
                "service_return_failed_parts": False,
            }
            for i in range(max(1, claim_count // CLAIMS_PER_DEALER))
        ]
    )
    customers = env["res.partner"].create(
        [{"name": f"Bench {tag} Owner {i:04d}"} for i in range(claim_count)]
    )
    ids = []
    for start in range(0, claim_count, CLAIM_BATCH):
        numbers = range(start, min(claim_count, start + CLAIM_BATCH))
        units = env["after_sales.equipment"].create(
            [
                {
                    "product_id": masters.unit_products[i % len(masters.unit_products)].id,
                    "partner_id": customers[i].id,
                    "dealer_id": dealers[i % len(dealers)].id,
                    "delivery_date": today - timedelta(days=90 + i % 60),
                }
                for i in numbers
            ]
        )
        claims = env["after_sales.dealer.claim"].create(
            [
                {
                    "dealer_id": unit.dealer_id.id,
                    "equipment_id": unit.id,
                    "repair_date": today - timedelta(days=1 + i % 20),
                    "meter_hours": 100 + i % 900,
                    "symptom": "Does not start",
                    "line_ids": [Command.create(line_vals(masters, i, n)) for n in range(LINES_PER_CLAIM)],
                }
                for i, unit in zip(numbers, units, strict=True)
            ]
        )
        env.flush_all()
        env.cr.commit()
        env.invalidate_all()
        ids += claims.ids
    claims = env["after_sales.dealer.claim"].browse(ids)
    if len(claims.line_ids) != claim_count * LINES_PER_CLAIM:
        sys.exit(f"generated {len(claims.line_ids)} claim lines")
    return claims


def line_vals(masters, claim_index, n):
    """Lines 0-5 labour (every third above its norm), 6-9 parts (every fourth part excluded)."""
    if n < 6:
        operation = masters.operations[(claim_index + n) % len(masters.operations)]
        over = 1.5 if n % 3 == 0 else 0.0
        return {"line_type": "labour", "operation_id": operation.id, "hours": operation.norm_hours + over}
    part = masters.parts[(claim_index * 4 + n) % len(masters.parts)]
    return {"line_type": "part", "product_id": part.id, "quantity": 1 + n % 2}


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
    """{seconds, queries, create, cpu} of ``func()`` from a committed state on a cold cache."""
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
    return {"seconds": elapsed, "queries": queries, "create": clock.seconds, "cpu": cpu}


def decide(env, masters, claims, clock):
    """Submit then approve ``claims``, each in one call, as the warranty officer.

    Between the two, the coverage engine alone on the submitted lines (rolled back).
    """
    officer_claims = claims.with_user(masters.officer).with_context(PLAIN)
    submitted = measure(env, officer_claims.action_submit, clock)
    engine = recheck(env, masters, claims, clock)
    approved = measure(env, officer_claims.action_approve, clock)
    states = Counter(claims.mapped("state"))
    if set(states) - {"approved", "partly_approved", "rejected"}:
        sys.exit(f"claims not decided: {states}")
    return submitted, engine, approved, states


def recheck(env, masters, claims, clock):
    """The coverage engine on every line of ``claims`` (submitted, not decided), rolled back."""
    env.invalidate_all()
    before = env.cr.sql_log_count
    started = time.perf_counter()
    claims.with_user(masters.officer).with_context(PLAIN).action_recheck_coverage()
    env.flush_all()
    figures = {"seconds": time.perf_counter() - started, "queries": env.cr.sql_log_count - before}
    env.cr.rollback()
    env.invalidate_all()
    return figures


def settle(env, masters, claims, grouping, clock):
    """One settlement of ``claims``' dealers (grouping: per dealer or per claim); its bills."""
    today = fields.Date.context_today(env["res.users"])
    settlement = (
        env["after_sales.dealer.settlement"]
        .with_user(masters.manager)
        .with_context(PLAIN)
        .create(
            {
                "date_from": today - timedelta(days=31),
                "date_to": today,
                "grouping": grouping,
                "dealer_ids": [Command.set(claims.dealer_id.ids)],
            }
        )
    )
    figures = measure(env, lambda: settlement._run(commit=True), clock)
    settlement = settlement.sudo()
    moves = settlement.move_ids
    approved = claims.line_ids.filtered(lambda line: line.settlement_status != "no")
    if settlement.failure_ids or settlement.line_count != len(approved):
        sys.exit(
            f"settlement incomplete: {settlement.line_count} of {len(approved)} lines, "
            f"{settlement.failure_count} failures: {settlement.failure_ids.mapped('reason')[:3]}"
        )
    figures.update(bills=len(moves), lines=settlement.line_count)
    return figures, moves


def odoo_bill_vals(moves):
    """Values of the same vendor bills as ``moves``, as a user or an import gives them."""
    return [
        {
            "move_type": move.move_type,
            "partner_id": move.partner_id.id,
            "journal_id": move.journal_id.id,
            "currency_id": move.currency_id.id,
            "invoice_date": move.invoice_date,
            "ref": f"Bench {move.ref}",
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": line.product_id.id,
                        "name": line.name,
                        "quantity": line.quantity,
                        "price_unit": line.price_unit,
                        "tax_ids": [Command.set(line.tax_ids.ids)],
                    }
                )
                for line in move.invoice_line_ids
            ],
        }
        for move in moves.sorted("id")
    ]


def chunks(vals_list, size=100, max_lines=1000):
    """The settlement's chunks: up to ``size`` bills and ``max_lines`` lines each."""
    chunk, lines = [], 0
    for vals in vals_list:
        count = len(vals["invoice_line_ids"])
        if chunk and (len(chunk) >= size or lines + count > max_lines):
            yield chunk
            chunk, lines = [], 0
        chunk.append(vals)
        lines += count
    if chunk:
        yield chunk


def odoo_bills(env, masters, moves, clock):
    """Odoo's create, then post, of the same bills as ``moves``, in the settlement's chunks."""
    vals_list = odoo_bill_vals(moves)
    Move = env["account.move"].with_context(PLAIN)
    created = []

    def create():
        for chunk in chunks(vals_list):
            created.append(Move.create(chunk).ids)
            env.cr.commit()
            env.invalidate_all()

    made = measure(env, create, clock)

    def post():
        for ids in created:
            Move.browse(ids).action_post()
            env.cr.commit()
            env.invalidate_all()

    posted = measure(env, post, clock)
    bills = Move.browse([i for ids in created for i in ids])
    if set(bills.mapped("state")) != {"posted"} or len(bills.invoice_line_ids) != len(moves.invoice_line_ids):
        sys.exit("Odoo's bills are not all posted")
    return made, posted


def analyse(env, masters, claims, clock):
    """The Dealer Claims Analysis as the pivot asks it, and the XLSX registry, of ``claims``."""
    Report = env["after_sales.dealer.claim.report"].with_user(masters.manager).with_context(PLAIN)
    domain = [("claim_id", "in", claims.ids)]
    measures = [
        "__count",
        "amount_claimed:sum_currency",
        "amount_approved:sum_currency",
        "currency_id:array_agg_distinct",
        "approval_rate:avg",
        "amount_approval_rate:avg",
        "days_to_claim:avg",
        "days_to_payment:avg",
        "hours_norm_ratio:avg",
    ]
    result = {}

    def pivot():
        result["groups"] = Report.formatted_read_group(domain, ["dealer_id", "repair_date:month"], measures)

    pivoted = measure(env, pivot, clock)
    # PostgreSQL compiles a query whose estimated cost passes jit_above_cost (default 100,000), and
    # optimizes it past jit_optimize_above_cost (500,000): seconds spent before the first row
    env.cr.execute(
        "EXPLAIN (FORMAT JSON) SELECT * FROM after_sales_dealer_claim_report WHERE claim_id = ANY(%s)",
        [claims.ids],
    )
    pivoted["plan_cost"] = env.cr.fetchone()[0][0]["Plan"]["Total Cost"]
    wizard = (
        env["after_sales.dealer.claim.xlsx.wizard"]
        .with_user(masters.manager)
        .with_context(PLAIN)
        .create({"date_from": "2000-01-01", "date_to": fields.Date.context_today(env["res.users"])})
    )

    def export():
        rows = wizard._get_rows(Report.search(domain, order="repair_date, name, id"))
        result["rows"] = len(rows)
        result["xlsx"] = wizard._build_workbook(rows)

    exported = measure(env, export, clock)
    if (
        result["rows"] != len(claims.line_ids)
        or sum(g["__count"] for g in result["groups"]) != result["rows"]
    ):
        sys.exit(f"analysis incomplete: {result['rows']} rows")
    return pivoted, {**exported, "kb": len(result["xlsx"]) // 1024}


# ------------------------------------------------------------------ report


def report(cases):
    say("")
    say(
        f"{'case':<46} {'lines':>6} {'claims':>6} {'bills':>5} {'time':>9} {'ms/line':>8} "
        f"{'queries':>8} {'q/line':>7} {'q/claim':>8} {'in create':>10}"
    )
    for case in cases:
        lines, claims = case["lines"], case["claims"]
        for label, row in case["rows"]:
            create = f"{row['create']:.2f} s" if row.get("create") else ""
            say(
                f"{label + ', ' + case['label']:<46} {lines:>6,} {claims:>6,} {row.get('bills', ''):>5} "
                f"{row['seconds']:>7.2f} s {row['seconds'] * 1000 / lines:>8.2f} {row['queries']:>8,} "
                f"{row['queries'] / lines:>7.2f} {row['queries'] / claims:>8.1f} {create:>10}"
            )
    say("")
    say("ratios (time per claim line, ours / Odoo's same vendor bills in the same run):")
    for case in cases:
        rows = dict(case["rows"])
        decide_s = rows["submit"]["seconds"] + rows["approve"]["seconds"]
        settle_s = rows["settle"]["seconds"]
        create_s, post_s = rows["Odoo create"]["seconds"], rows["Odoo post"]["seconds"]
        say(
            f"    {case['label']:<22} settle / Odoo create {settle_s / create_s:5.2f}   "
            f"decide / Odoo post {decide_s / post_s:5.2f}   "
            f"decide + settle / Odoo create + post {(decide_s + settle_s) / (create_s + post_s):5.2f}"
        )
    say("")
    say("queries per claim line (flat = no query per line or per claim beyond a constant):")
    by_grouping = {}
    for case in cases:
        by_grouping.setdefault(case["grouping"], []).append(case)
    for grouping, group in by_grouping.items():
        for step in (
            "submit",
            "approve",
            "coverage engine",
            "settle",
            "Odoo create",
            "Odoo post",
            "analysis (pivot)",
            "registry (XLSX)",
        ):
            values = [dict(case["rows"])[step]["queries"] / case["lines"] for case in group]
            trend = "flat" if values[-1] <= values[0] * 1.05 + 0.01 else "GROWS"
            sizes = " -> ".join(f"{case['lines']:,}" for case in group)
            say(
                f"    per {grouping:<7} {step:<16} "
                + " -> ".join(f"{value:.3f}" for value in values)
                + f"  ({sizes} lines: {trend})"
            )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="500,5000", help="claim lines per case")
    parser.add_argument("--grouping", default="dealer,claim", help="settlement groupings to run")
    parser.add_argument("--keep", action="store_true", help="keep the database for a look afterwards")
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    groupings = options.grouping.split(",")
    data_dir = tempfile.mkdtemp(prefix="bench_dealer_claims_")
    env = None
    started = time.perf_counter()
    try:
        copied = BENCH.create()
        source = "copy of " + BENCH.template if copied else "empty"
        say(f"database {DB} ({source}) on {PG['host']}:{PG['port']}")
        step = time.perf_counter()
        BENCH.install(data_dir)
        say(f"after_sales_billing installed in {time.perf_counter() - step:.0f} s")
        env = BENCH.open_env(data_dir)
        clock = MoveCreateClock(env)
        masters = Masters(env)
        todo = [("warm", 100, "dealer")] + [
            (f"c{index}", size, grouping)
            for index, (grouping, size) in enumerate((g, s) for g in groupings for s in sizes)
        ]
        cases = []
        for tag, size, grouping in todo:
            step = time.perf_counter()
            claims = create_claims(env, masters, size, tag)
            generated = time.perf_counter() - step
            submitted, engine, approved, states = decide(env, masters, claims, clock)
            settled, moves = settle(env, masters, claims, grouping, clock)
            made, posted = odoo_bills(env, masters, moves, clock)
            pivoted, exported = analyse(env, masters, claims, clock)
            label = f"{size:,} lines, per {grouping}"
            say(f"{label} [{tag}]: planner cost of the analysis' rows {pivoted['plan_cost']:,.0f}")
            say(
                f"{label} [{tag}]: data in {generated:.0f} s (not measured); "
                f"submit {submitted['seconds']:.1f} s, approve {approved['seconds']:.1f} s, "
                f"settle {settled['seconds']:.1f} s ({settled['bills']} bills), "
                f"Odoo create {made['seconds']:.1f} s, post {posted['seconds']:.1f} s; claims {dict(states)}"
            )
            if tag == "warm":
                continue
            cases.append(
                {
                    "label": label,
                    "grouping": grouping,
                    "lines": len(claims.line_ids),
                    "claims": len(claims),
                    "rows": [
                        ("submit", submitted),
                        ("approve", approved),
                        ("coverage engine", engine),
                        ("settle", settled),
                        ("Odoo create", {**made, "bills": settled["bills"]}),
                        ("Odoo post", {**posted, "bills": settled["bills"]}),
                        ("analysis (pivot)", pivoted),
                        ("registry (XLSX)", exported),
                    ],
                }
            )
        report(cases)
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
