from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.after_sales_billing.tests.batch_jobs import perform_stored_jobs


@tagged("post_install", "-at_install")
class TestTours(HttpCase):
    """The main flows of each role, clicked through in a real browser (headless Chromium).

    Data is made here (no demo data): a customer with a unit under warranty, a work and a
    consumable part in stock, and one user per role with only the rights of that role.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        company = env.company
        if not company.chart_template:
            env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
        cls.clerk = new_test_user(
            env, login="tour_clerk", name="Tour Clerk", groups="after_sales_service.group_after_sales_user"
        )
        cls.storekeeper = new_test_user(
            env,
            login="tour_storekeeper",
            name="Tour Storekeeper",
            groups="stock.group_stock_user,after_sales_service.group_after_sales_user",
        )
        cls.manager = new_test_user(
            env,
            login="tour_manager",
            name="Tour Manager",
            groups="after_sales_service.group_after_sales_manager",
        )
        cls.finance = new_test_user(
            env,
            login="tour_finance",
            name="Tour Finance",
            groups="account.group_account_invoice,after_sales_service.group_after_sales_user",
        )
        cls.customer = env["res.partner"].create(
            {"name": "Tour Mining", "is_company": True, "email": "service@tour-mining.example.com"}
        )
        consumables = env["product.category"].create({"name": "Tour Consumables"})
        cls.generator = env["product.product"].create(
            {
                "name": "Tour Generator",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "warranty_custom": True,
                "warranty_parts_months": 24,
                "warranty_labour_months": 12,
                "warranty_excluded_categ_ids": [Command.set(consumables.ids)],
            }
        )
        lot = env["stock.lot"].create({"name": "TOUR-0001", "product_id": cls.generator.id})
        cls.unit = env["after_sales.equipment"].create(
            {
                "product_id": cls.generator.id,
                "lot_id": lot.id,
                "partner_id": cls.customer.id,
                "delivery_date": fields.Date.subtract(fields.Date.today(), months=2),
            }
        )
        cls.work = env["product.product"].create(
            {"name": "Tour Diagnostics", "type": "service", "list_price": 1500.0}
        )
        cls.part = env["product.product"].create(
            {
                "name": "Tour Oil Filter",
                "type": "consu",
                "is_storable": True,
                "list_price": 800.0,
                "standard_price": 300.0,
                "categ_id": consumables.id,
            }
        )
        warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        env["stock.quant"]._update_available_quantity(cls.part, warehouse.lot_stock_id, 5)

    def test_clerk_registers_resolves_and_closes_a_request(self):
        self.start_tour("/odoo", "after_sales_clerk_tour", login="tour_clerk")
        request = self.env["after_sales.request"].search([("equipment_id", "=", self.unit.id)])
        self.assertEqual(len(request), 1)
        self.assertTrue(request.is_closed)
        work, part = request.line_ids.sorted("sequence")
        self.assertRecordValues(
            work | part,
            [
                {"product_id": self.work.id, "coverage": "warranty", "done": True},
                {"product_id": self.part.id, "coverage": "paid", "done": False},
            ],
        )
        self.assertTrue(request.parts_picking_count)

    def _clerk_request(self, title, lines, **vals):
        """A request of the unit entered by the clerk, with ``lines`` [(product, quantity)]."""
        return (
            self.env["after_sales.request"]
            .with_user(self.clerk)
            .create(
                {
                    "title": title,
                    "equipment_id": self.unit.id,
                    "line_ids": [
                        Command.create(
                            {
                                "line_type": "part" if product == self.part else "work",
                                "product_id": product.id,
                                "quantity": quantity,
                            }
                        )
                        for product, quantity in lines
                    ],
                    **vals,
                }
            )
        )

    def test_warehouse_issues_and_takes_back_parts(self):
        request = self._clerk_request("Oil change", [(self.part, 2)])
        request.action_request_parts()
        self.start_tour(
            "/odoo/action-stock.action_picking_tree_all",
            "after_sales_warehouse_tour",
            login="tour_storekeeper",
        )
        line = request.line_ids
        self.assertRecordValues(line, [{"part_qty_issued": 2, "part_qty_returned": 1}])
        self.assertEqual(request.parts_picking_ids.mapped("state"), ["done", "done"])

    def test_manager_opens_every_page_and_decides_a_claim(self):
        env = self.env
        contract = env["after_sales.contract"].create(
            {
                "partner_id": self.customer.id,
                "all_equipment": True,
                "service_ids": [Command.create({"product_id": self.work.id, "quantity": 10})],
            }
        )
        contract.action_activate()
        env["after_sales.sla.policy"].create({"name": "Tour SLA"})
        team = env["after_sales.team"].create({"name": "Tour Team"})
        env["after_sales.maintenance.plan"].create(
            {"name": "Tour Plan", "equipment_id": self.unit.id, "interval_months": 6}
        )
        claim = self._clerk_request("Tour claim: bearing failed", [], request_type="claim")
        self.start_tour("/odoo", "after_sales_manager_tour", login="tour_manager")
        self.assertRecordValues(
            claim, [{"review_justified": "yes", "review_root_cause": "Supplier machining defect"}]
        )
        self.assertEqual(team.alias_name, "tour-team")
        self.assertIn("machined out of tolerance", claim.review_findings)

    def test_finance_bills_last_month_and_posts(self):
        last_month = fields.Date.today().replace(day=1) - relativedelta(days=5)
        out_of_warranty = self.env["after_sales.equipment"].create(
            {
                "product_id": self.generator.id,
                "lot_id": self.env["stock.lot"]
                .create({"name": "TOUR-OLD", "product_id": self.generator.id})
                .id,
                "partner_id": self.customer.id,
                "delivery_date": "2015-01-10",
            }
        )
        request = self._clerk_request(
            "Paid visit",
            [(self.work, 2)],
            equipment_id=out_of_warranty.id,
            date_open=fields.Datetime.to_datetime(last_month),
        )
        request.line_ids.date = last_month
        request._action_resolve("<p>Adjusted.</p>")
        self.assertEqual(request.line_ids.coverage, "paid")
        self.start_tour("/odoo", "after_sales_finance_tour", login="tour_finance")
        run = self.env["after_sales.billing.run"].search([("user_id", "=", self.finance.id)])
        self.assertRecordValues(run, [{"state": "running"}])
        self.assertFalse(request.sudo().line_ids.invoice_line_ids, "Run only enqueued the work")
        perform_stored_jobs(run)  # what the job runner does
        self.start_tour("/odoo", "after_sales_finance_done_tour", login="tour_finance")
        invoice = request.sudo().line_ids.invoice_id
        self.assertRecordValues(invoice, [{"state": "posted", "amount_untaxed": 3000.0}])
