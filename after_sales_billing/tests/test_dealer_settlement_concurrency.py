from datetime import timedelta
from functools import partial

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.after_sales_service.tests.common import run_together


def setup_approved_claims(env, tag, claims=8):
    """Two dealers, a unit in warranty and ``claims`` approved claims of two lines each.

    Committed by the caller.
    """
    if not env.company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", env.company, install_demo=False)
    today = fields.Date.context_today(env["res.partner"])
    categ = env["product.category"].create(
        {"name": f"Concurrent Machines {tag}", "warranty_parts_months": 24, "warranty_labour_months": 24}
    )
    product = env["product.product"].create(
        {"name": f"Concurrent Machine {tag}", "type": "consu", "categ_id": categ.id}
    )
    part = env["product.product"].create(
        {"name": f"Concurrent Part {tag}", "type": "consu", "standard_price": 10.0, "categ_id": categ.id}
    )
    dealers = env["res.partner"].create(
        [
            {
                "name": f"Concurrent Dealer {tag}-{i}",
                "is_company": True,
                "is_service_partner": True,
                "service_categ_ids": [Command.set(categ.ids)],
                "service_parts_categ_ids": [Command.set(categ.ids)],
                "service_labour_rate": 40.0,
            }
            for i in range(2)
        ]
    )
    unit = env["after_sales.equipment"].create(
        {"product_id": product.id, "partner_id": dealers[0].id, "delivery_date": today - timedelta(days=100)}
    )
    operation = env["after_sales.labour.operation"].create(
        {"code": f"CC-{tag}", "name": "Concurrent repair", "norm_hours": 2.0}
    )
    records = env["after_sales.dealer.claim"].create(
        [
            {
                "dealer_id": dealers[i % 2].id,
                "equipment_id": unit.id,
                "repair_date": today - timedelta(days=i % 5),
                "line_ids": [
                    Command.create({"line_type": "labour", "operation_id": operation.id, "hours": 1.0}),
                    Command.create({"line_type": "part", "product_id": part.id, "quantity": 1.0}),
                ],
            }
            for i in range(claims)
        ]
    )
    # each claim has its own part: no duplicates between them
    records.write({"review_state": "submitted"})
    records.action_approve()
    return {
        "claims": records.ids,
        "lines": records.line_ids.ids,
        "unit": unit.id,
        "products": (product | part).ids,
        "categ": categ.id,
        "dealers": dealers.ids,
        "operation": operation.id,
    }


def cleanup(env, ids, settlement_ids):
    """Remove what ``setup_approved_claims`` and the settlements committed."""
    settlements = env["after_sales.dealer.settlement"].browse(settlement_ids).exists()
    settlements.move_ids.unlink()
    settlements.unlink()
    claims = env["after_sales.dealer.claim"].browse(ids["claims"])
    claims.write({"review_state": "draft"})
    claims.unlink()
    env["after_sales.equipment"].browse(ids["unit"]).unlink()
    env["after_sales.labour.operation"].browse(ids["operation"]).unlink()
    env["res.partner"].browse(ids["dealers"]).unlink()
    env["product.product"].browse(ids["products"]).unlink()
    env["product.category"].browse(ids["categ"]).unlink()


@tagged("post_install", "-at_install")
class TestDealerSettlementConcurrency(TransactionCase):
    """Two settlements of the same period at the same time, each in its own committed transaction."""

    def test_two_settlements_settle_each_line_once(self):
        registry = self.registry
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            ids = setup_approved_claims(env, "T")
            today = fields.Date.context_today(env["res.partner"])
            # the test's dealers only: whatever else the database holds is not counted
            settlement_ids = (
                env["after_sales.dealer.settlement"]
                .create(
                    [
                        {
                            "date_from": today - timedelta(days=30),
                            "date_to": today,
                            "grouping": "claim",
                            "dealer_ids": [Command.set(ids["dealers"])],
                        }
                        for __ in range(2)
                    ]
                )
                .ids
            )

        def settle(env, settlement_id):
            settlement = env["after_sales.dealer.settlement"].browse(settlement_id)
            settlement.with_context(after_sales_settlement_chunk_size=2)._run(commit=True)

        try:
            results = run_together(
                registry, *[(SUPERUSER_ID, partial(settle, settlement_id=sid)) for sid in settlement_ids]
            )
            self.assertEqual(results, [("ok", None), ("ok", None)])
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                lines = env["after_sales.dealer.claim.line"].browse(ids["lines"])
                self.assertEqual(set(lines.mapped("settlement_status")), {"settled"})
                amls = env["account.move.line"].search(
                    [
                        ("move_id.after_sales_dealer_settlement_id", "in", settlement_ids),
                        ("display_type", "=", "product"),
                    ]
                )
                self.assertEqual(len(amls), len(lines), "no line settled twice")
                self.assertEqual(set(amls.ids), set(lines.settle_line_ids.ids))
                settlements = env["after_sales.dealer.settlement"].browse(settlement_ids)
                self.assertEqual(settlements.mapped("state"), ["done", "done"])
                self.assertFalse(settlements.failure_ids)
                self.assertEqual(sum(settlements.mapped("move_count")), len(ids["claims"]))
                claims = env["after_sales.dealer.claim"].browse(ids["claims"])
                self.assertEqual(set(claims.mapped("state")), {"settled"})
        finally:
            with registry.cursor() as cr:
                cleanup(api.Environment(cr, SUPERUSER_ID, {}), ids, settlement_ids)
