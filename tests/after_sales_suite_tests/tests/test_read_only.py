from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.after_sales_service.tests.common import ReadOnlyCursorMixin
from odoo.addons.after_sales_warranty.tests.common import DealerClaimCommon

# The buttons of the suite that only open a list or a form of related records (smart buttons):
# declared ``@api.readonly``, the web client's ``call_button`` serves them on the read-only
# cursor, a replica's where the deployment has one.
READ_ONLY_BUTTONS = {
    "after_sales.request": [
        "action_view_repairs",
        "action_view_visits",
        "action_view_parts_pickings",
        "action_view_vendor_claims",
        "action_view_invoices",
        "action_view_estimates",
    ],
    "after_sales.equipment": ["action_view_requests", "action_view_repairs"],
    "after_sales.contract": ["action_view_requests", "action_view_fees"],
    "after_sales.maintenance.plan": ["action_view_requests"],
    "after_sales.vendor.claim": ["action_view_refund", "action_view_requests"],
    "after_sales.dealer.claim": ["action_view_returns", "action_view_settlement_moves"],
    "after_sales.billing.run": ["action_view_invoices", "action_view_lines"],
    "after_sales.dealer.settlement": ["action_view_moves", "action_view_claim_lines"],
}


@tagged("post_install", "-at_install")
class TestReadOnlyButtons(ReadOnlyCursorMixin, DealerClaimCommon, HttpCase):
    """Smart buttons are served on the read-only cursor and write nothing, pressed over HTTP as
    the web client does by a manager who also invoices (the least who sees every one of them)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="as_read_only_manager",
            groups="after_sales_service.group_after_sales_manager,after_sales_warranty.group_warranty_officer,"
            "account.group_account_invoice",
        )
        unit = cls._create_unit(lot=cls._create_lot(cls.product_unit, "RO-UNIT-1"))
        service_request = cls.env["after_sales.request"].create(
            {"title": "Read only", "equipment_id": unit.id}
        )
        today = fields.Date.today()
        dealer_unit = cls._create_unit(
            lot=cls._create_lot(cls.product_unit, "RO-DEALER-1"),
            delivery_date=today - relativedelta(months=3),
            dealer_id=cls.dealer.id,
        )
        claim = cls._create_claim(
            dealer_unit, repair_date=today - relativedelta(days=5), lines=[cls._labour()]
        )
        claim.action_submit()  # the analysis shows submitted claims
        cls.records = {
            "after_sales.request": service_request,
            "after_sales.equipment": unit,
            "after_sales.contract": cls.env["after_sales.contract"].create({"partner_id": cls.customer.id}),
            "after_sales.maintenance.plan": cls.env["after_sales.maintenance.plan"].create(
                {"name": "Yearly check", "equipment_id": unit.id, "interval_months": 12}
            ),
            "after_sales.vendor.claim": cls.env["after_sales.vendor.claim"].create(
                {"partner_id": cls.customer.id}
            ),
            "after_sales.dealer.claim": claim,
            "after_sales.billing.run": cls.env["after_sales.billing.run"].create({}),
            "after_sales.dealer.settlement": cls.env["after_sales.dealer.settlement"].create({}),
        }

    def test_smart_buttons_are_served_read_only(self):
        self.authenticate(self.manager.login, self.manager.login)
        for model, methods in READ_ONLY_BUTTONS.items():
            for method in methods:
                with self.subTest(button=f"{model}.{method}"):
                    action = self.assertButtonReadOnly(self.records[model], method)
                    self.assertEqual(action["type"], "ir.actions.act_window")

    def test_units_whose_warranty_ends_are_listed_read_only(self):
        """The sales follow-up list of units whose warranty ends soon (a model method)."""
        self.authenticate(self.manager.login, self.manager.login)
        action = self.assertButtonReadOnly(
            self.env["after_sales.equipment"], "action_open_warranty_ending", args=[]
        )
        self.assertEqual(action["res_model"], "after_sales.equipment")

    def test_analyses_are_read_read_only(self):
        """Request Analysis and Dealer Claims Analysis (SQL views) grouped as the pivot and graph
        views group them: on the read-only cursor, nothing written (their pending writes, flushed
        before the view is read, are none in a request that only reads)."""
        self.authenticate(self.manager.login, self.manager.login)
        for model, groupby, aggregates in (
            (
                "after_sales.request.report",
                ["stage_id"],
                ["nbr:sum", "resolution_time:avg", "sla_compliance:avg"],
            ),
            (
                "after_sales.dealer.claim.report",
                ["dealer_id", "state"],
                ["nbr:sum", "amount_claimed:sum", "amount_approval_rate:avg", "days_to_claim:avg"],
            ),
        ):
            with self.subTest(model=model), self.served_cursors() as served:
                groups = self.make_jsonrpc_request(
                    f"/web/dataset/call_kw/{model}/formatted_read_group",
                    {
                        "model": model,
                        "method": "formatted_read_group",
                        "args": [[]],
                        "kwargs": {"groupby": groupby, "aggregates": aggregates},
                    },
                )
                self.assertTrue(groups)
                self.assertEqual(served, [True])
