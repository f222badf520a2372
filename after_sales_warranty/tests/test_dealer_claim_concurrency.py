from datetime import timedelta
from functools import partial

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.after_sales_service.tests.common import run_together


def setup_twin_claims(env):
    """A dealer, two of its units and two draft claims of the same failed part (same serial).

    Committed by the caller.
    """
    today = fields.Date.context_today(env["res.partner"])
    categ = env["product.category"].create({"name": "Twin Machines", "warranty_parts_months": 24})
    machine = env["product.product"].create({"name": "Twin Machine", "type": "consu", "categ_id": categ.id})
    spares = env["product.category"].create({"name": "Twin Spares"})
    part = env["product.product"].create(
        {"name": "Twin Board", "type": "consu", "standard_price": 10.0, "categ_id": spares.id}
    )
    dealer = env["res.partner"].create(
        {
            "name": "Twin Dealer",
            "is_company": True,
            "is_service_partner": True,
            "service_categ_ids": [Command.set(categ.ids)],
            "service_parts_categ_ids": [Command.set(spares.ids)],
        }
    )
    units = env["after_sales.equipment"].create(
        [
            {
                "product_id": machine.id,
                "partner_id": dealer.id,
                "dealer_id": dealer.id,
                "delivery_date": today - timedelta(days=30),
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
                            "failed_serial": "TWIN-1",
                        }
                    )
                ],
            }
            for unit in units
        ]
    )
    return {
        "claims": claims.ids,
        "units": units.ids,
        "products": (machine | part).ids,
        "categ": categ.id,
        "spares": spares.id,
        "dealer": dealer.id,
    }


def cleanup(env, ids):
    """Remove what ``setup_twin_claims`` and the submits committed."""
    claims = env["after_sales.dealer.claim"].browse(ids["claims"])
    claims.write({"review_state": "draft"})
    claims.unlink()
    env["after_sales.equipment"].browse(ids["units"]).unlink()
    env["res.partner"].browse(ids["dealer"]).unlink()
    env["product.product"].browse(ids["products"]).unlink()
    env["product.category"].browse([ids["categ"], ids["spares"]]).unlink()


@tagged("post_install", "-at_install")
class TestDealerClaimConcurrency(TransactionCase):
    """Two claims of the same failed serial submitted at the same moment, each in its own committed
    transaction, replayed on a serialization failure as Odoo replays a request."""

    def test_same_failed_serial_submitted_twice_at_once(self):
        registry = self.registry
        with registry.cursor() as cr:
            ids = setup_twin_claims(api.Environment(cr, SUPERUSER_ID, {}))

        def submit(env, claim_id):
            env["after_sales.dealer.claim"].browse(claim_id).action_submit()

        try:
            results = run_together(
                registry,
                *[(SUPERUSER_ID, partial(submit, claim_id=claim_id)) for claim_id in ids["claims"]],
                retries=5,
            )
            self.assertEqual(sorted(status for status, __ in results), ["ok", "refused"], results)
            refused = next(message for status, message in results if status == "refused")
            self.assertIn("with serial TWIN-1 was already claimed", refused)
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                claims = env["after_sales.dealer.claim"].browse(ids["claims"])
                self.assertEqual(sorted(claims.mapped("state")), ["draft", "submitted"])
        finally:
            with registry.cursor() as cr:
                cleanup(api.Environment(cr, SUPERUSER_ID, {}), ids)
