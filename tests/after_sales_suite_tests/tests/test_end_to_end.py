from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.after_sales_billing.tests.common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestEndToEnd(AfterSalesBillingCommon):
    """A unit under warranty is repaired with parts from stock and the request is billed.

    service (unit, request) → parts (picking, issue) → warranty (coverage per
    line) → billing (draft invoice charging only what is not covered).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        consumables = cls.env["product.category"].create({"name": "Consumables (suite test)"})
        cls.part.categ_id = consumables
        cls.product_unit.product_tmpl_id.write(
            {
                "warranty_custom": True,
                "warranty_parts_months": 24,
                "warranty_labour_months": 12,
                "warranty_start_basis": "delivery",
                "warranty_excluded_categ_ids": [Command.set(consumables.ids)],
            }
        )
        cls.seal_kit = cls.env["product.product"].create(
            {
                "name": "Seal Kit",
                "type": "consu",
                "is_storable": True,
                "list_price": 70.0,
                "standard_price": 30.0,
            }
        )
        warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.env["stock.quant"]._update_available_quantity(cls.seal_kit, warehouse.lot_stock_id, 5)
        cls.unit = cls._create_unit(
            lot=cls._create_lot(cls.product_unit, "E2E-0001"), delivery_date="2026-01-15"
        )

    @freeze_time("2026-03-10 10:00:00")
    def test_warranty_repair_with_parts_is_billed_for_the_excluded_consumable_only(self):
        self.assertEqual(str(self.unit.warranty_parts_end_date), "2028-01-15")
        request = (
            self.env["after_sales.request"]
            .with_user(self.as_user)
            .create(
                {
                    "title": "Oil leak",
                    "equipment_id": self.unit.id,
                    "request_type": "repair",
                    "line_ids": [
                        Command.create({"line_type": "part", "product_id": self.seal_kit.id, "quantity": 2}),
                        Command.create(
                            {"line_type": "work", "product_id": self.work.id, "quantity": 1.5, "done": True}
                        ),
                        Command.create(
                            {"line_type": "part", "product_id": self.part.id, "quantity": 1, "done": True}
                        ),
                    ],
                }
            )
        )
        seal, work, oil_filter = request.line_ids
        self.assertEqual(
            (seal.coverage, work.coverage, oil_filter.coverage),
            ("warranty", "warranty", "paid"),
            oil_filter.coverage_reason,
        )
        request.write({"resolution": "<p>Seals replaced.</p>", "stage_id": self.stage_resolved.id})
        run = self._run(grouping="customer")
        invoice = run.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertRecordValues(
            invoice, [{"move_type": "out_invoice", "state": "draft", "partner_id": self.customer.id}]
        )
        self.assertEqual(seal.amount_charged + work.amount_charged, 0.0)
        self.assertGreater(oil_filter.amount_charged, 0.0)
        self.assertAlmostEqual(invoice.amount_untaxed, oil_filter.amount_charged)
        self.assertEqual(oil_filter.invoice_id, invoice)
        # A second run finds nothing left to bill.
        self.assertFalse(self._run(grouping="customer").invoice_ids)
