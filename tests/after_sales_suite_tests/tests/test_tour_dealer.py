from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import TourCommon


@tagged("post_install", "-at_install")
class TestTourDealer(TourCommon):
    """A dealer's warranty claim in a real browser, from the portal to the posted vendor bill.

    Data is made here (no demo data): an authorized service centre with its portal claim user, a
    generator it sold two months ago, two labour operations and a spare part; an After-Sales
    manager who reviews and settles, an accountant without After-Sales rights who posts.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls._ensure_chart()
        cls.manager = cls._create_user(
            "tour_dealer_manager",
            "Tour Claims Manager",
            groups="after_sales_service.group_after_sales_manager",
        )
        cls.accountant = cls._create_user(
            "tour_dealer_accountant", "Tour Accountant", groups="account.group_account_invoice"
        )
        generators = env["product.category"].create(
            {
                "name": "Tour Generators",
                "warranty_parts_months": 24,
                "warranty_labour_months": 12,
                "warranty_start_basis": "delivery",
            }
        )
        spares = env["product.category"].create({"name": "Tour Spares"})
        generator = cls._create_serial_product("Tour Dealer Generator", categ_id=generators.id)
        cls.part = env["product.product"].create(
            {"name": "Tour Alternator", "type": "consu", "categ_id": spares.id, "standard_price": 300.0}
        )
        cls.dealer = cls._create_customer(
            "Tour Service Centre",
            "claims@tour-service.example.com",
            is_service_partner=True,
            service_categ_ids=[Command.set(generators.ids)],
            service_parts_categ_ids=[Command.set(spares.ids)],
            service_labour_rate=60.0,
            service_parts_rule="cost",
            service_handling_percent=10.0,
            service_claim_deadline_days=30,
            service_return_failed_parts=False,
        )
        cls.dealer_user = cls._create_portal_user(
            cls.dealer, "tour_dealer", "Dana Dealer", "dana@tour-service.example.com"
        )
        cls.dealer.service_claim_user_ids = cls.dealer_user
        cls.unit = cls._create_unit(
            generator,
            cls._create_customer("Tour End Customer"),
            "TOUR-DLR-0001",
            fields.Date.today() - relativedelta(months=2),
            dealer_id=cls.dealer.id,
        )
        cls.op_alternator = env["after_sales.labour.operation"].create(
            {"code": "TR-ALT", "name": "Replace alternator", "categ_id": generators.id, "norm_hours": 2.0}
        )
        env["after_sales.labour.operation"].create({"code": "TR-DIA", "name": "Diagnose", "norm_hours": 1.0})

    def test_dealer_claim_from_the_portal_to_the_posted_bill(self):
        Claim = self.env["after_sales.dealer.claim"]
        self.start_tour("/my", "after_sales_dealer_portal_tour", login=self.dealer_user.login)
        claim = Claim.search([("dealer_id", "=", self.dealer.id)])
        self.assertRecordValues(
            claim,
            [
                {
                    "state": "submitted",
                    "equipment_id": self.unit.id,
                    "meter_hours": 350.0,
                    "cause_id": self.env.ref("after_sales_service.cause_defect").id,
                    "symptom": "No charge at idle",
                    "submitted_by_id": self.dealer_user.id,
                    "repair_date": fields.Date.context_today(self.dealer_user.with_user(self.dealer_user)),
                }
            ],
        )
        labour, part = claim.line_ids
        self.assertRecordValues(
            labour,
            [
                {
                    "operation_id": self.op_alternator.id,
                    "hours": 3.0,
                    "norm_exceeded": True,
                    "coverage": "warranty",
                }
            ],
        )
        self.assertRecordValues(
            part,
            [
                {
                    "product_id": self.part.id,
                    "quantity": 1.0,
                    "failed_serial": "ALT-SN-77",
                    "coverage": "warranty",
                }
            ],
        )
        dealer_partner = self.dealer_user.partner_id
        photo_message = claim.message_ids.filtered("attachment_ids")
        self.assertEqual(photo_message.attachment_ids.mapped("name"), ["failed_alternator.jpg"])
        self.assertEqual(photo_message.author_id, dealer_partner)
        reply = claim.message_ids.filtered(lambda m: "kept at our workshop" in (m.body or ""))
        self.assertEqual(reply.author_id, dealer_partner)
        self.assertEqual(self.unit.current_hours, 350.0, "the claim's reading is on the unit")

        self.start_tour(
            "/odoo/action-after_sales_warranty.after_sales_dealer_claim_action",
            "after_sales_dealer_review_tour",
            login=self.manager.login,
        )
        self.assertRecordValues(
            labour | part,
            [
                {
                    "decision": "adjust",
                    "approved_qty": 2.0,
                    "approved_amount": 120.0,
                    "decision_reason": "Limited to the norm of 2 hours",
                },
                {
                    "decision": "approve",
                    "approved_qty": 1.0,
                    "approved_amount": 330.0,
                    "decision_reason": False,
                },
            ],
        )
        self.assertEqual(claim.reviewer_id, self.manager)
        bill = (labour | part).settle_move_id
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "state": "draft",
                    "partner_id": self.dealer.id,
                    "amount_untaxed": 450.0,
                    "invoice_origin": claim.name,
                }
            ],
        )
        self.assertEqual(claim.state, "settled")

        self.start_tour(
            "/odoo/action-account.action_move_in_invoice_type",
            "after_sales_dealer_bill_tour",
            login=self.accountant.login,
        )
        self.assertEqual(bill.state, "posted")
        self.assertEqual(claim.state, "settled")
        self.assertEqual((labour | part).mapped("settlement_status"), ["settled", "settled"])

        self.start_tour(claim.access_url, "after_sales_dealer_decision_tour", login=self.dealer_user.login)
