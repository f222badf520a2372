#!/usr/bin/env python3
"""Races of two users at the same moment, with real committed transactions.

    make race                      (python3 .ci/suite.py bench tests/race.py)
    python3 tests/race.py [--rounds N] [--keep] [--race WORDS]

Installs after_sales_billing (with the parts and the generic chart of accounts) in a throwaway
database, then for N rounds (default 10) of each race runs two threads, each with its own cursor
and transaction, released together by a barrier:

- last unit: two requests ask for the only unit of a part on hand (Request Parts);
  clean when at most one unit is reserved in all;
- double return: two returns of the one issued unit of a line; clean when one return transfer
  exists and nothing negative is left to return;
- two billing runs: two invoicing users have each made a billing run of the same period and
  press Run at the same moment, over new customers' resolved requests of done, paid lines (every
  other round in chunks of 2 invoices, so that the runs take turns as long runs do); clean when
  each line is on one invoice line of one invoice, its invoiced quantity and the quantity of the
  customer invoices (not cancelled) linked to it are its quantity, both runs are done without a
  failure and no error escaped either run (not replayed: the run handles the other itself);
- two dealer settlements: two After-Sales managers have each made a settlement of the approved
  dealer claims of the same period and press Run at the same moment (every other round in
  chunks of 2 documents); clean when each claim line is on one bill line of one bill, settled,
  both settlements are done without a failure and no error escaped either;
- one failed part claimed twice: a dealer's two draft claims of the same failed part (same
  serial) submitted at the same moment; clean when one is submitted and the other refused as
  a duplicate;
- replayed phone call: the telephony system posts the same call twice at the same moment: the
  model method the endpoint calls, with the endpoint's savepoint and answers around it (201
  registered, 200 already registered, 409 when the database refuses a second one: retry);
  clean when one call, one request and one work line exist for it, the answers are 201 and
  200 or 409, and the retry that follows answers 200 without writing anything. Every other
  round the customer has an open request the call joins; otherwise the call opens one.
- two failures of one unit: two of the customer's people each report a failure of the same
  cause on the same unit (received an hour apart) at the same moment; clean when each
  request's stored reliability facts (an earlier one open, the latest earlier resolution, the
  next one received) are what the committed requests of the unit and cause say.
- two readings of one unit: an engineer on a visit and the customer each record an operating
  hours reading of the same unit at the same moment; clean when both are kept and the unit's
  readings series (what the fleet figures and the forecast read) holds both, as its readings say.

Each thread retries on serialization failures as Odoo's request dispatcher does (a request that
meets a concurrent update is replayed in a fresh transaction), except the billing runs. The two
threads are the tests' race helper (``run_together`` in after_sales_service/tests/common.py).
``--race WORDS`` runs only the races whose label contains WORDS.
Prints "N/M rounds clean" per race and exits non-zero unless every round is clean. Not imported
by the tests.
"""

import argparse
import datetime
import logging
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from benchlib import BenchDatabase, say
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.modules.registry import Registry
from odoo.tools import float_compare

BENCH = BenchDatabase("as_race", "after_sales_billing")
RETRIES = 5
PERIOD = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
CUSTOMERS_PER_RUN = 4
REQUESTS_PER_CUSTOMER = 2


def run_as(registry, uid, func, retries=RETRIES):
    """Run ``func(env)`` in its own transaction, committed, replayed on serialization failures
    (``retries`` attempts in all: 1 for none): the tests' ``in_transaction``."""
    # imported once the configuration is parsed: odoo.addons then finds the suite's addons
    from odoo.addons.after_sales_service.tests.common import in_transaction

    return in_transaction(registry, uid, func, retries=retries)


def together(registry, first, second, retries=RETRIES):
    """Run ``first`` and ``second``, each ``(uid, func)``, in two transactions released at the same
    moment once each has its snapshot: the tests' ``run_together``."""
    from odoo.addons.after_sales_service.tests.common import run_together

    return run_together(registry, first, second, retries=retries)


def setup(env):
    """A service user, a unit and the warehouse; committed."""
    user = env["res.users"].create(
        {
            "name": "Race Clerk",
            "login": "race_clerk",
            "group_ids": [
                Command.link(env.ref("after_sales_service.group_after_sales_user").id),
                Command.link(env.ref("stock.group_stock_user").id),
            ],
        }
    )
    customer = env["res.partner"].create({"name": "Race Customer", "is_company": True})
    product = env["product.product"].create(
        {"name": "Race Machine", "type": "consu", "is_storable": True, "tracking": "serial"}
    )
    unit = env["after_sales.equipment"].create({"product_id": product.id, "partner_id": customer.id})
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    env.company.after_sales_parts_approval_threshold = 0
    env.cr.commit()
    return user, unit, warehouse


def setup_billing(env):
    """The chart of accounts, two invoicing users and the products billed; committed."""
    if not env.company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", env.company, install_demo=False)
    groups = [
        Command.link(env.ref("account.group_account_invoice").id),
        Command.link(env.ref("after_sales_service.group_after_sales_user").id),
    ]
    billers = env["res.users"].create(
        [{"name": f"Race Biller {i}", "login": f"race_biller_{i}", "group_ids": groups} for i in (1, 2)]
    )
    products = env["product.product"].create(
        [
            {"name": "Race Repair Work", "type": "service", "list_price": 80.0},
            {"name": "Race Gasket", "type": "consu", "list_price": 25.0},
        ]
    )
    env.cr.commit()
    return billers, products


def new_part(env, warehouse, name, on_hand):
    part = env["product.product"].create({"name": name, "type": "consu", "is_storable": True})
    if on_hand:
        env["stock.quant"]._update_available_quantity(part, warehouse.lot_stock_id, on_hand)
    return part


def new_request(env, user, unit, part, quantity=1):
    return (
        env["after_sales.request"]
        .with_user(user)
        .create(
            {
                "title": "Race",
                "equipment_id": unit.id,
                "line_ids": [
                    Command.create({"line_type": "part", "product_id": part.id, "quantity": quantity})
                ],
            }
        )
    )


def new_billable_requests(env, products, tag):
    """Resolved requests of new customers, each with a done, paid line of each product."""
    customers = env["res.partner"].create(
        [{"name": f"Race Billed {tag}-{i}", "is_company": True} for i in range(CUSTOMERS_PER_RUN)]
    )
    requests = env["after_sales.request"].create(
        [
            {"title": f"Race billing {tag}", "partner_id": customer.id}
            for customer in customers
            for __ in range(REQUESTS_PER_CUSTOMER)
        ]
    )
    lines = env["after_sales.request.line"].create(
        [
            {
                "request_id": request.id,
                "line_type": "work" if product.type == "service" else "part",
                "product_id": product.id,
                "quantity": quantity,
                "done": True,
                "date": "2026-03-10",
            }
            for request in requests
            for product, quantity in zip(products, (1.5, 2.0), strict=True)
        ]
    )
    lines.write({"coverage": "paid"})
    requests.stage_id = env.ref("after_sales_service.stage_resolved")
    return requests


def race_last_unit(env, registry, ctx, rounds):
    user, unit, warehouse = ctx["user"], ctx["unit"], ctx["warehouse"]
    clean = 0
    for i in range(rounds):
        part = new_part(env, warehouse, f"Race Filter {i}", 1)
        first, second = new_request(env, user, unit, part), new_request(env, user, unit, part)
        env.cr.commit()
        results = together(
            registry,
            (
                user.id,
                lambda e, r=first: e["after_sales.request"].browse(r.id).action_request_parts() and True,
            ),
            (
                user.id,
                lambda e, r=second: e["after_sales.request"].browse(r.id).action_request_parts() and True,
            ),
        )
        env.cr.rollback()  # a new snapshot: what the threads committed
        moves = env["stock.move"].search([("product_id", "=", part.id)])
        reserved = sum(moves.mapped("quantity"))
        ok = reserved <= 1 and all(status in ("ok", "refused") for status, _ in results)
        clean += ok
        if not ok:
            say(f"    last unit, round {i + 1}: {reserved} reserved, {results}")
    return clean


def race_double_return(env, registry, ctx, rounds):
    user, unit, warehouse = ctx["user"], ctx["unit"], ctx["warehouse"]
    clean = 0
    for i in range(rounds):
        part = new_part(env, warehouse, f"Race Belt {i}", 1)
        request = new_request(env, user, unit, part)
        picking = request.action_request_parts()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking._action_done()
        line = request.line_ids
        env.cr.commit()
        results = together(
            registry,
            (
                user.id,
                lambda e, ln=line: e["after_sales.request.line"].browse(ln.id)._return_unused(1) and True,
            ),
            (
                user.id,
                lambda e, ln=line: e["after_sales.request.line"].browse(ln.id)._return_unused(1) and True,
            ),
        )
        env.cr.rollback()  # a new snapshot: what the threads committed
        returns = env["stock.picking"].search(
            [("after_sales_request_id", "=", request.id), ("id", "!=", picking.id)]
        )
        returnable = line._part_qty_returnable()
        statuses = sorted(status for status, _ in results)
        ok = len(returns) == 1 and returnable >= 0 and statuses == ["ok", "refused"]
        clean += ok
        if not ok:
            say(f"    double return, round {i + 1}: {len(returns)} returns, {returnable} left, {results}")
    return clean


def billing_problems(lines):
    """What is wrong with the invoicing of ``lines``, each meant to be invoiced once, in full."""
    problems = []
    for line in lines:
        amls = line.invoice_line_ids  # whatever their state: a line is on one invoice line in all
        billed = amls.filtered(lambda aml: aml.parent_state != "cancel" and aml.move_type == "out_invoice")
        invoiced = sum(billed.mapped("quantity"))
        rounding = line.uom_id.rounding or 0.01
        if (
            len(amls) != 1
            or len(amls.move_id) != 1
            or float_compare(invoiced, line.quantity, precision_rounding=rounding)
            or float_compare(line.qty_invoiced, line.quantity, precision_rounding=rounding)
        ):
            problems.append(
                f"line {line.id} ({line.quantity}): on {len(amls)} invoice lines of "
                f"{amls.move_id.mapped('display_name')}, {invoiced} invoiced, "
                f"qty_invoiced {line.qty_invoiced}"
            )
    return problems


def race_billing_runs(env, registry, ctx, rounds):
    billers, products = ctx["billers"], ctx["products"]
    Run = env["after_sales.billing.run"]
    clean = 0
    for i in range(rounds):
        lines = new_billable_requests(env, products, f"r{i}").line_ids
        runs = Run.browse([Run.with_user(biller).create(dict(PERIOD)).id for biller in billers])
        env.cr.commit()
        # every other round in chunks of 2 invoices, so that the runs take turns as long runs do
        context = {"after_sales_billing_chunk_size": 2} if i % 2 else {}

        def press_run(e, run_id, context=context):
            # the run's synchronous path: the jobs of the pressed button do the same, chunk by chunk
            run = e["after_sales.billing.run"].with_context(**context).browse(run_id)
            run._check_can_run()
            return run._run() and True

        results = together(
            registry,
            *[
                (biller.id, partial(press_run, run_id=run.id))
                for biller, run in zip(billers, runs, strict=True)
            ],
            retries=1,  # the run handles what it meets of the other itself: nothing escapes
        )
        env.cr.rollback()  # a new snapshot: what the threads committed
        problems = billing_problems(lines)
        ok = (
            not problems
            and runs.mapped("state") == ["done", "done"]
            and not runs.failure_ids
            and all(status == "ok" for status, _ in results)
        )
        clean += ok
        if not ok:
            say(
                f"    billing runs, round {i + 1}: runs {runs.mapped('state')}, "
                f"failures {runs.failure_ids.mapped('reason')}, {results}"
            )
            for problem in problems[:5]:
                say(f"      {problem}")
    return clean


def setup_dealers(env):
    """Two After-Sales managers, two authorized dealers and a labour operation; committed."""
    managers = env["res.users"].create(
        [
            {
                "name": f"Race Manager {i}",
                "login": f"race_manager_{i}",
                "group_ids": [Command.link(env.ref("after_sales_service.group_after_sales_manager").id)],
            }
            for i in (1, 2)
        ]
    )
    categ = env["product.category"].create(
        {"name": "Race Generators", "warranty_parts_months": 24, "warranty_labour_months": 24}
    )
    machine = env["product.product"].create({"name": "Race Generator", "type": "consu", "categ_id": categ.id})
    parts_categ = env["product.category"].create({"name": "Race Boards"})
    dealers = env["res.partner"].create(
        [
            {
                "name": f"Race Dealer {i}",
                "is_company": True,
                "is_service_partner": True,
                "service_categ_ids": [Command.set(categ.ids)],
                "service_parts_categ_ids": [Command.set(parts_categ.ids)],
                "service_labour_rate": 45.0,
                "service_settle_as": "credit_note" if i else "bill",
            }
            for i in range(2)
        ]
    )
    operation = env["after_sales.labour.operation"].create(
        {"code": "RACE-1", "name": "Race repair", "norm_hours": 2.0}
    )
    env.cr.commit()
    return {"managers": managers, "machine": machine, "dealers": dealers, "operation": operation}


def new_approved_claims(env, dealer_ctx, tag, count=6):
    """``count`` approved claims of both dealers, each on a unit of its own with a new part."""
    today = datetime.date.today()
    dealers, operation = dealer_ctx["dealers"], dealer_ctx["operation"]
    part = env["product.product"].create(
        {
            "name": f"Race Board {tag}",
            "type": "consu",
            "standard_price": 30.0,
            "categ_id": dealers.service_parts_categ_ids[:1].id,
        }
    )
    units = env["after_sales.equipment"].create(
        [
            {
                "product_id": dealer_ctx["machine"].id,
                "partner_id": dealers[i % 2].id,
                "dealer_id": dealers[i % 2].id,
                "delivery_date": today - datetime.timedelta(days=60),
            }
            for i in range(count)
        ]
    )
    claims = env["after_sales.dealer.claim"].create(
        [
            {
                "dealer_id": unit.dealer_id.id,
                "equipment_id": unit.id,
                "repair_date": today,
                "line_ids": [
                    Command.create({"line_type": "labour", "operation_id": operation.id, "hours": 1.5}),
                    Command.create({"line_type": "part", "product_id": part.id, "quantity": 1.0}),
                ],
            }
            for unit in units
        ]
    )
    claims.action_submit()
    claims.action_approve()
    return claims


def settlement_problems(lines):
    """What is wrong with the settlement of ``lines``, each meant to be settled once, in full."""
    problems = []
    for line in lines:
        amls = line.settle_line_ids
        if (
            len(amls) != 1
            or amls.parent_state == "cancel"
            or float_compare(amls.quantity, line.approved_qty, precision_digits=2)
            or line.settlement_status != "settled"
        ):
            problems.append(
                f"claim line {line.id}: on {len(amls)} bill lines of {amls.move_id.mapped('display_name')}, "
                f"status {line.settlement_status}"
            )
    return problems


def race_dealer_settlements(env, registry, ctx, rounds):
    managers = ctx["dealers"]["managers"]
    Settlement = env["after_sales.dealer.settlement"]
    today = datetime.date.today()
    period = {"date_from": today - datetime.timedelta(days=31), "date_to": today}
    clean = 0
    for i in range(rounds):
        lines = new_approved_claims(env, ctx["dealers"], f"s{i}").line_ids
        settlements = Settlement.browse(
            [Settlement.with_user(manager).create(dict(period)).id for manager in managers]
        )
        env.cr.commit()
        context = {"after_sales_settlement_chunk_size": 2} if i % 2 else {}

        def press_run(e, settlement_id, context=context):
            settlement = e["after_sales.dealer.settlement"].with_context(**context).browse(settlement_id)
            settlement._check_can_run()
            return settlement._run() and True

        results = together(
            registry,
            *[
                (manager.id, partial(press_run, settlement_id=settlement.id))
                for manager, settlement in zip(managers, settlements, strict=True)
            ],
            retries=1,  # the settlement handles what it meets of the other itself
        )
        env.cr.rollback()  # a new snapshot: what the threads committed
        problems = settlement_problems(lines)
        ok = (
            not problems
            and settlements.mapped("state") == ["done", "done"]
            and not settlements.failure_ids
            and all(status == "ok" for status, _ in results)
        )
        clean += ok
        if not ok:
            say(
                f"    dealer settlements, round {i + 1}: {settlements.mapped('state')}, "
                f"failures {settlements.failure_ids.mapped('reason')}, {results}"
            )
            for problem in problems[:5]:
                say(f"      {problem}")
    return clean


def race_duplicate_failed_part(env, registry, ctx, rounds):
    dealer_ctx = ctx["dealers"]
    manager, dealer = dealer_ctx["managers"][0], dealer_ctx["dealers"][0]
    today = datetime.date.today()
    clean = 0
    for i in range(rounds):
        part = env["product.product"].create(
            {
                "name": f"Race Control Board {i}",
                "type": "consu",
                "standard_price": 80.0,
                "categ_id": dealer.service_parts_categ_ids[:1].id,
            }
        )
        units = env["after_sales.equipment"].create(
            [
                {
                    "product_id": dealer_ctx["machine"].id,
                    "partner_id": dealer.id,
                    "dealer_id": dealer.id,
                    "delivery_date": today - datetime.timedelta(days=60),
                }
                for __ in range(2)
            ]
        )
        claims = env["after_sales.dealer.claim"].create(
            [
                {
                    "dealer_id": dealer.id,
                    "equipment_id": unit.id,
                    "repair_date": today,
                    "line_ids": [
                        Command.create(
                            {
                                "line_type": "part",
                                "product_id": part.id,
                                "quantity": 1.0,
                                "failed_serial": f"RACE-FAILED-{i}",
                            }
                        )
                    ],
                }
                for unit in units
            ]
        )
        env.cr.commit()

        def submit(e, claim_id):
            return e["after_sales.dealer.claim"].browse(claim_id).action_submit()

        results = together(registry, *[(manager.id, partial(submit, claim_id=claim.id)) for claim in claims])
        env.cr.rollback()  # a new snapshot: what the threads committed
        states = sorted(claims.mapped("state"))
        statuses = sorted(status for status, _ in results)
        ok = states == ["draft", "submitted"] and statuses == ["ok", "refused"]
        clean += ok
        if not ok:
            say(f"    duplicate failed part, round {i + 1}: {states}, {results}")
    return clean


def post_call(env, payload):
    """(status, answer) of the phone endpoint to ``payload``: its controller's steps around the
    model method it calls (one savepoint; 409 when the database refuses a second call id, the
    refusal's own status for a refused call)."""
    try:
        with env.cr.savepoint():
            call, duplicate = env["after_sales.phone.call"]._register_call(payload)
            return (200 if duplicate else 201), call._get_api_result(duplicate)
    except IntegrityError:
        return 409, "conflict"
    except AccessError as error:
        return 403, error.args[0]
    except UserError as error:
        return getattr(error, "http_status", 422), error.args[0]


def race_phone_call(env, registry, ctx, rounds):
    user = ctx["user"]
    clean = 0
    for i in range(rounds):
        phone = f"+7 900 555 {i:02d} {i:02d}"
        customer = env["res.partner"].create({"name": f"Race Caller {i}", "is_company": True, "phone": phone})
        if i % 2:
            env["after_sales.request"].create({"title": f"Race open {i}", "partner_id": customer.id})
        payload = {
            "call_id": f"RACE-CALL-{i}",
            "phone": phone,
            "start": "2026-03-10T09:30:00Z",
            "duration": 7 * 60,
            "agent": user.login,
        }
        env.cr.commit()
        results = together(
            registry,
            (user.id, lambda e, p=payload: post_call(e, p)),
            (user.id, lambda e, p=payload: post_call(e, p)),
        )
        retry = run_as(registry, user.id, lambda e, p=payload: post_call(e, p))
        env.cr.rollback()  # a new snapshot: what the threads committed
        calls = env["after_sales.phone.call"].search([("call_id", "=", payload["call_id"])])
        requests = env["after_sales.request"].search([("partner_id", "=", customer.id)])
        lines = requests.line_ids
        answers = sorted(answer[0] for status, answer in results if status == "ok")
        ok = (
            len(calls) == 1
            and len(requests) == 1
            and len(lines) == 1
            and calls.request_line_id == lines
            and all(status == "ok" for status, _ in results)
            and answers in ([200, 201], [201, 409])
            and retry[0] == "ok"
            and retry[1][0] == 200
        )
        clean += ok
        if not ok:
            say(
                f"    phone call, round {i + 1}: {len(calls)} calls, {len(requests)} requests, "
                f"{len(lines)} lines, {results}, retry {retry}"
            )
    return clean


def expected_facts(rows):
    """What a request's reliability facts are, from ``rows`` (id, received, resolved, cancelled)
    of the requests of one unit and cause in the order received: {id: (earlier open, earlier
    resolved, next received)}."""
    counted = [row for row in rows if not row[3]]
    facts = {row[0]: (False, False, False) for row in rows}
    for position, (request_id, __, ___, ____) in enumerate(counted):
        earlier = counted[:position]
        facts[request_id] = (
            any(row[2] is None for row in earlier),
            max((row[2] for row in earlier if row[2]), default=False),
            counted[position + 1][1] if position + 1 < len(counted) else False,
        )
    return facts


def race_repeat_failures(env, registry, ctx, rounds):
    user, unit = ctx["user"], ctx["unit"]
    received = datetime.datetime(2026, 3, 10, 9, 0)
    clean = 0
    for i in range(rounds):
        unit = env["after_sales.equipment"].create(
            {"product_id": unit.product_id.id, "partner_id": unit.partner_id.id}
        )
        cause = env["after_sales.cause"].create({"name": f"Race Overheating {i}", "is_failure": True})
        # two of the customer's people, each reporting (each acknowledged: no row shared but the unit)
        contacts = env["res.partner"].create(
            [{"name": f"Race Operator {i}-{n}", "parent_id": unit.partner_id.id} for n in (1, 2)]
        )
        env.cr.commit()

        def report(e, contact_id, hour, unit_id=unit.id, cause_id=cause.id):
            return (
                e["after_sales.request"]
                .create(
                    {
                        "title": "Race failure",
                        "partner_id": contact_id,
                        "equipment_id": unit_id,
                        "cause_id": cause_id,
                        "date_open": received + datetime.timedelta(hours=hour),
                    }
                )
                .id
            )

        results = together(
            registry,
            (user.id, partial(report, contact_id=contacts[0].id, hour=0)),
            (user.id, partial(report, contact_id=contacts[1].id, hour=1)),
        )
        env.cr.rollback()  # a new snapshot: what the threads committed
        env.cr.execute(
            """
            SELECT r.id, r.date_open, r.sla_resolution_date, s.is_cancel IS TRUE,
                   r.reliability_earlier_open IS TRUE, r.reliability_earlier_resolved,
                   r.reliability_next_open
              FROM after_sales_request r
              JOIN after_sales_request_stage s ON s.id = r.stage_id
             WHERE r.equipment_id = %s AND r.cause_id = %s
             ORDER BY r.date_open, r.id
            """,
            [unit.id, cause.id],
        )
        rows = env.cr.fetchall()
        stored = {row[0]: (row[4], row[5] or False, row[6] or False) for row in rows}
        expected = expected_facts([row[:4] for row in rows])
        ok = all(status == "ok" for status, _ in results) and len(rows) == 2 and stored == expected
        clean += ok
        if not ok:
            say(f"    repeat failures, round {i + 1}: {results}, stored {stored}, expected {expected}")
    return clean


def race_unit_readings(env, registry, ctx, rounds):
    user, unit = ctx["user"], ctx["unit"]
    clean = 0
    for i in range(rounds):
        unit = env["after_sales.equipment"].create(
            {"product_id": unit.product_id.id, "partner_id": unit.partner_id.id}
        )
        env["after_sales.meter.reading"].create(
            {"equipment_id": unit.id, "date": datetime.date(2026, 1, 5), "hours": 100.0}
        )
        env.cr.commit()

        def record(e, day, hours, unit_id=unit.id, source="manual"):
            return (
                e["after_sales.meter.reading"]
                .create({"equipment_id": unit_id, "date": day, "hours": hours, "source": source})
                .id
            )

        results = together(
            registry,
            (user.id, partial(record, day=datetime.date(2026, 2, 5), hours=400.0 + i)),
            (user.id, partial(record, day=datetime.date(2026, 3, 5), hours=700.0 + i, source="customer")),
        )
        env.cr.rollback()  # a new snapshot: what the threads committed
        env.cr.execute(
            """
            SELECT ARRAY_AGG(rd.date ORDER BY rd.date, rd.hours),
                   ARRAY_AGG(rd.hours ORDER BY rd.date, rd.hours)
              FROM after_sales_meter_reading rd WHERE rd.equipment_id = %s
            """,
            [unit.id],
        )
        readings = env.cr.fetchone()
        env.cr.execute(
            "SELECT dates, hours FROM after_sales_meter_reading_series WHERE equipment_id = %s", [unit.id]
        )
        series = env.cr.fetchone()
        ok = all(status == "ok" for status, _ in results) and len(readings[0]) == 3 and series == readings
        clean += ok
        if not ok:
            say(f"    unit readings, round {i + 1}: {results}, readings {readings}, series {series}")
    return clean


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--race", default="", help="only the races whose label contains these words")
    options = parser.parse_args()
    # the serialization failures the threads meet are expected (and retried): not errors here
    logging.getLogger("odoo.sql_db").setLevel(logging.CRITICAL)
    data_dir = tempfile.mkdtemp(prefix="as-race-")
    started = time.perf_counter()
    BENCH.create()
    try:
        BENCH.install(data_dir)
        env = BENCH.open_env(data_dir)
        registry = Registry(BENCH.name)
        user, unit, warehouse = setup(env)
        billers, products = setup_billing(env)
        dealers = setup_dealers(env)
        ctx = {
            "dealers": dealers,
            "user": user,
            "unit": unit,
            "warehouse": warehouse,
            "billers": billers,
            "products": products,
        }
        failed = 0
        for label, race in (
            ("last-unit reservation", race_last_unit),
            ("double return of one issued unit", race_double_return),
            ("two billing runs of one period", race_billing_runs),
            ("two dealer settlements of one period", race_dealer_settlements),
            ("one failed part claimed twice", race_duplicate_failed_part),
            ("one phone call posted twice", race_phone_call),
            ("two failures of one unit and cause", race_repeat_failures),
            ("two readings of one unit", race_unit_readings),
        ):
            if options.race not in label:
                continue
            step = time.perf_counter()
            clean = race(env, registry, ctx, options.rounds)
            say(f"{label}: {clean}/{options.rounds} rounds clean ({time.perf_counter() - step:.0f} s)")
            failed += clean != options.rounds
        env.cr.close()
    finally:
        if not options.keep:
            Registry.delete(BENCH.name)
            BENCH.drop()
    say(f"done in {time.perf_counter() - started:.0f} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
