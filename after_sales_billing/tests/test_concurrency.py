from functools import partial

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged

from odoo.addons.after_sales_service.tests.common import run_together


@tagged("post_install", "-at_install")
class TestBillingConcurrency(TransactionCase):
    """Two runs on the same period at the same time, each in its own committed transaction."""

    def _setup_committed_data(self, env, requests=12):
        stage = env.ref("after_sales_service.stage_resolved")
        product = env["product.product"].create(
            {"name": "Concurrency Work", "type": "service", "list_price": 10.0}
        )
        partners = env["res.partner"].create(
            [{"name": f"Concurrent Customer {i}", "is_company": True} for i in range(4)]
        )
        requests = env["after_sales.request"].create(
            [
                {
                    "title": f"Concurrent {i}",
                    "partner_id": partners[i % 4].id,
                    "line_ids": [
                        Command.create(
                            {
                                "line_type": "work",
                                "product_id": product.id,
                                "quantity": 1.0,
                                "done": True,
                                "date": "2026-03-10",
                            }
                        )
                        for __ in range(3)
                    ],
                }
                for i in range(requests)
            ]
        )
        requests.line_ids.write({"coverage": "paid"})
        requests.stage_id = stage
        return product, partners, requests

    def test_two_runs_invoice_each_line_once(self):
        registry = self.registry
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            product, partners, requests = self._setup_committed_data(env)
            ids = {
                "product": product.id,
                "partners": partners.ids,
                "requests": requests.ids,
                "lines": requests.line_ids.ids,
            }
            run_ids = (
                env["after_sales.billing.run"]
                .create(
                    [
                        {
                            "date_from": "2026-03-01",
                            "date_to": "2026-03-31",
                            "grouping": "request",
                            "include_fees": False,
                            "request_ids": [Command.set(requests.ids)],
                        }
                        for __ in range(2)
                    ]
                )
                .ids
            )

        def bill(env, run_id):
            env["after_sales.billing.run"].browse(run_id).with_context(after_sales_billing_chunk_size=2)._run(
                commit=True
            )

        try:
            results = run_together(
                registry, *[(SUPERUSER_ID, partial(bill, run_id=run_id)) for run_id in run_ids]
            )
            self.assertEqual(results, [("ok", None), ("ok", None)])
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                lines = env["after_sales.request.line"].browse(ids["lines"])
                self.assertTrue(all(lines.mapped("invoice_line_ids")), "every line invoiced")
                amls = env["account.move.line"].search(
                    [("move_id.after_sales_billing_run_id", "in", run_ids), ("display_type", "=", "product")]
                )
                self.assertEqual(len(amls), len(lines), "no line invoiced twice")
                self.assertEqual(set(amls.ids), set(lines.invoice_line_ids.ids))
                runs = env["after_sales.billing.run"].browse(run_ids)
                self.assertEqual(runs.mapped("state"), ["done", "done"])
                self.assertEqual(sum(runs.mapped("invoice_count")), len(ids["requests"]))
        finally:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                runs = env["after_sales.billing.run"].browse(run_ids).exists()
                runs.invoice_ids.unlink()
                runs.unlink()
                requests = env["after_sales.request"].browse(ids["requests"])
                requests.line_ids.unlink()
                requests.unlink()
                env["res.partner"].browse(ids["partners"]).unlink()
                env["product.product"].browse(ids["product"]).unlink()
