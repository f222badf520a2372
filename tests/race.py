#!/usr/bin/env python3
"""Races of two users at the same moment, with real committed transactions.

    make race                      (python3 .ci/suite.py bench tests/race.py)
    python3 tests/race.py [--rounds N] [--keep]

Installs after_sales_parts in a throwaway database, then for N rounds (default 10) runs two
threads, each with its own cursor and transaction, released together by a barrier:

- last unit: two requests ask for the only unit of a part on hand (Request Parts);
  clean when at most one unit is reserved in all;
- double return: two returns of the one issued unit of a line; clean when one return transfer
  exists and nothing negative is left to return.

Each thread retries on serialization failures as Odoo's request dispatcher does (a request that
meets a concurrent update is replayed in a fresh transaction). Prints "N/M rounds clean" per race
and exits non-zero unless every round is clean. Not imported by the tests.
"""

import argparse
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from benchlib import BenchDatabase, say
from psycopg2 import errorcodes
from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import Command, api
from odoo.exceptions import UserError, ValidationError
from odoo.modules.registry import Registry

BENCH = BenchDatabase("as_race", "after_sales_parts")
RETRIES = 5


def run_as(registry, uid, func):
    """Run ``func(env)`` in its own transaction, committed, replayed on serialization failures."""
    for attempt in range(RETRIES):
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, uid, {"lang": "en_US", "tz": "UTC"})
                return ("ok", func(env))
        except (SerializationFailure, LockNotAvailable) as error:
            if attempt == RETRIES - 1:
                return ("error", error)
            time.sleep(0.01 * (attempt + 1))
        except (UserError, ValidationError) as error:
            return ("refused", str(error))
        except Exception as error:  # noqa: BLE001 - reported, counts as unclean
            if getattr(error, "pgcode", None) in (
                errorcodes.SERIALIZATION_FAILURE,
                errorcodes.DEADLOCK_DETECTED,
            ):
                continue
            return ("error", error)
    return ("error", "retries exhausted")


def together(registry, uid, first, second):
    """Run ``first`` and ``second`` in two threads released at the same moment."""
    barrier = threading.Barrier(2)
    results = [None, None]

    def worker(index, func):
        barrier.wait()
        results[index] = run_as(registry, uid, func)

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


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


def race_last_unit(env, registry, user, unit, warehouse, rounds):
    clean = 0
    for i in range(rounds):
        part = new_part(env, warehouse, f"Race Filter {i}", 1)
        first, second = new_request(env, user, unit, part), new_request(env, user, unit, part)
        env.cr.commit()
        results = together(
            registry,
            user.id,
            lambda e, r=first: e["after_sales.request"].browse(r.id).action_request_parts() and True,
            lambda e, r=second: e["after_sales.request"].browse(r.id).action_request_parts() and True,
        )
        env.invalidate_all()
        moves = env["stock.move"].search([("product_id", "=", part.id)])
        reserved = sum(moves.mapped("quantity"))
        ok = reserved <= 1 and all(status in ("ok", "refused") for status, _ in results)
        clean += ok
        if not ok:
            say(f"    last unit, round {i + 1}: {reserved} reserved, {results}")
    return clean


def race_double_return(env, registry, user, unit, warehouse, rounds):
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
            user.id,
            lambda e, ln=line: e["after_sales.request.line"].browse(ln.id)._return_unused(1) and True,
            lambda e, ln=line: e["after_sales.request.line"].browse(ln.id)._return_unused(1) and True,
        )
        env.invalidate_all()
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()
    # the serialization failures the threads meet are expected (and retried): not errors here
    logging.getLogger("odoo.sql_db").setLevel(logging.CRITICAL)
    data_dir = tempfile.mkdtemp(prefix="as-race-")
    BENCH.create()
    try:
        BENCH.install(data_dir)
        env = BENCH.open_env(data_dir)
        registry = Registry(BENCH.name)
        user, unit, warehouse = setup(env)
        failed = 0
        for label, race in (
            ("last-unit reservation", race_last_unit),
            ("double return of one issued unit", race_double_return),
        ):
            clean = race(env, registry, user, unit, warehouse, options.rounds)
            say(f"{label}: {clean}/{options.rounds} rounds clean")
            failed += clean != options.rounds
        env.cr.close()
    finally:
        if not options.keep:
            Registry.delete(BENCH.name)
            BENCH.drop()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
