from odoo import fields
from odoo.tests import tagged

from .common import WarrantyCommon


@tagged("post_install", "-at_install")
class TestWarrantyExtension(WarrantyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.extension_product = cls.env["product.product"].create(
            {
                "name": "Extended Warranty +12 months",
                "type": "service",
                "list_price": 500.0,
                "invoice_policy": "order",
                "is_warranty_extension": True,
                "warranty_extension_months": 12,
                "warranty_extension_scope": "both",
            }
        )
        cls.unit = cls._create_unit(delivery_date="2025-01-10")

    def _sell_extension(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    fields.Command.create(
                        {"product_id": self.extension_product.id, "after_sales_equipment_id": self.unit.id}
                    )
                ],
            }
        )
        order.action_confirm()
        return order

    def _invoice(self, order):
        invoice = order._create_invoices()
        invoice.action_post()
        return invoice

    def test_extension_on_invoice_and_removed_on_cancel(self):
        order = self._sell_extension()
        self.assertFalse(self.unit.warranty_extension_ids, "confirmed only: not yet")
        self._invoice(order)
        self.assertRecordValues(
            self.unit.warranty_extension_ids,
            [{"months": 12, "scope": "both", "sale_line_id": order.order_line.id}],
        )
        self.assertEqual(self.unit.warranty_parts_end_date, fields.Date.to_date("2028-01-10"))
        self.assertEqual(self.unit.warranty_labour_end_date, fields.Date.to_date("2027-01-10"))
        request = self._create_request(self.unit, date_open="2026-06-01 09:00:00")
        self.assertEqual(self._add_lines(request, ("work", self.labour, 1)).coverage, "warranty")
        order._action_cancel()
        self.assertFalse(self.unit.warranty_extension_ids)
        self.assertEqual(self.unit.warranty_labour_end_date, fields.Date.to_date("2026-01-10"))

    def test_extension_removed_when_invoice_reset(self):
        order = self._sell_extension()
        invoice = self._invoice(order)
        self.assertTrue(self.unit.warranty_extension_ids)
        invoice.button_draft()
        self.assertFalse(self.unit.warranty_extension_ids)
        invoice.action_post()
        self.assertEqual(len(self.unit.warranty_extension_ids), 1)

    def test_labour_only_extension(self):
        self.extension_product.warranty_extension_scope = "labour"
        self._invoice(self._sell_extension())
        self.assertEqual(self.unit.warranty_parts_end_date, fields.Date.to_date("2027-01-10"))
        self.assertEqual(self.unit.warranty_labour_end_date, fields.Date.to_date("2027-01-10"))

    def test_user_reads_extensions_of_own_company_only(self):
        self._invoice(self._sell_extension())
        extension = self.unit.warranty_extension_ids
        Extension = self.env["after_sales.warranty.extension"].with_user(self.as_user)
        self.assertEqual(Extension.search([("id", "=", extension.id)]), extension)
        company_b = self.env["res.company"].create({"name": "Service Company B"})
        self.as_user.company_ids = [fields.Command.link(company_b.id)]
        self.assertFalse(
            Extension.with_context(allowed_company_ids=company_b.ids).search([("id", "=", extension.id)])
        )
