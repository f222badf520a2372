from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from odoo.addons.after_sales_service.tests.test_request_xlsx import read_workbook, table

from .batch_jobs import run_jobs
from .test_dealer_settlement import DealerSettlementCommon


@tagged("post_install", "-at_install")
class TestDealerClaimReportSettlement(DealerSettlementCommon):
    """The analysis and the registry tell when the lines were settled and paid.

    A (repaired 1 June, 430) and B (repaired 5 June, 50) of Volga are approved on 10 June and
    settled on 20 June, one bill per claim, both posted on the bill date; A's bill is paid on
    1 July, B's is not. C of Kama (repaired 3 June) is approved, not settled.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2025-06-10"):
            cls.claim_a = cls._approved_claim(cls._labour(), cls._part_line(), repair_date="2025-06-01")
            cls.claim_b = cls._approved_claim(cls._labour(cls.op_diagnose, 1.0), repair_date="2025-06-05")
            cls.claim_c = cls._approved_claim(
                cls._labour(), unit=cls.rival_unit, dealer=cls.rival, repair_date="2025-06-03"
            )
        with freeze_time("2025-06-20"):
            settlement = (
                cls.env["after_sales.dealer.settlement"]
                .with_user(cls.as_manager)
                .create(
                    {
                        "date_from": "2025-06-01",
                        "date_to": "2025-06-30",
                        "grouping": "claim",
                        "dealer_ids": [(6, 0, cls.dealer.ids)],
                    }
                )
            )
            with run_jobs():
                settlement.action_run()
            cls.bills = settlement.sudo().move_ids
            cls.bills.with_user(cls.accountant).action_post()
        cls.bill_a = cls.claim_a.line_ids.sudo().settle_move_id
        cls.bill_b = cls.bills - cls.bill_a
        with freeze_time("2025-07-01"):
            cls.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=cls.bill_a.ids
            ).create({"payment_date": "2025-07-01"})._create_payments()
        cls.env.flush_all()
        cls.claims = cls.claim_a | cls.claim_b | cls.claim_c

    def test_rows_carry_the_settlement_and_its_payment(self):
        self.assertIn(self.bill_a.payment_state, ("paid", "in_payment"))
        self.assertFalse(self.as_manager.has_group("account.group_account_invoice"))
        rows = (
            self.env["after_sales.dealer.claim.report"]
            .with_user(self.as_manager)
            .search([("claim_id", "in", self.claims.ids)], order="id")
        )
        self.assertRecordValues(
            rows,
            [
                {
                    "settlement_status": "settled",
                    "settle_move_name": self.bill_a.name,
                    "settle_date": self.bill_a.date,
                    "payment_date": fields.Date.to_date("2025-07-01"),
                    "is_paid": True,
                    "days_to_settlement": 19.0,
                    "days_to_payment": 30.0,
                }
            ]
            * 2
            + [
                {
                    "settlement_status": "settled",
                    "settle_move_name": self.bill_b.name,
                    "settle_date": self.bill_b.date,
                    "payment_date": False,
                    "is_paid": False,
                    "days_to_settlement": 15.0,
                    "days_to_payment": False,
                },
                {
                    "settlement_status": "to_settle",
                    "settle_move_name": False,
                    "settle_date": False,
                    "payment_date": False,
                    "is_paid": False,
                    "days_to_settlement": False,
                    "days_to_payment": False,
                },
            ],
        )
        self.assertEqual(str(self.bill_a.date), "2025-06-20")

    def test_days_to_payment_per_claim(self):
        Report = self.env["after_sales.dealer.claim.report"].with_user(self.as_manager)
        aggregates = ["days_to_settlement:avg", "days_to_payment:avg", "days_to_claim:avg", "nbr:sum"]
        groups = {
            dealer: dict(zip(aggregates, values, strict=True))
            for dealer, *values in Report._read_group(
                [("claim_id", "in", self.claims.ids)], ["dealer_id"], aggregates
            )
        }
        # A's two lines count once: (19 + 15) / 2, and only A is paid
        self.assertEqual(groups[self.dealer]["nbr:sum"], 3)
        self.assertAlmostEqual(groups[self.dealer]["days_to_settlement:avg"], 17.0)
        self.assertAlmostEqual(groups[self.dealer]["days_to_payment:avg"], 30.0)
        self.assertFalse(groups[self.rival]["days_to_payment:avg"])
        # a bill back to draft is settled, not posted, not paid any more
        self.bill_b.button_draft()
        row = Report.search([("claim_id", "=", self.claim_b.id)])
        self.assertRecordValues(
            row, [{"settlement_status": "settled", "settle_date": False, "days_to_settlement": False}]
        )
        # a cancelled bill releases its lines: to settle again, nothing posted
        self.bill_b.button_cancel()
        row.invalidate_recordset()  # a view: the same row, read again
        row = Report.search([("claim_id", "=", self.claim_b.id)])
        self.assertRecordValues(row, [{"settlement_status": "to_settle", "settle_move_name": False}])

    def test_registry_columns_and_slices(self):
        wizard = (
            self.env["after_sales.dealer.claim.xlsx.wizard"]
            .with_user(self.as_manager)
            .create({"date_from": "2025-06-01", "date_to": "2025-06-30"})
        )
        wizard.action_export()
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", wizard._name), ("res_id", "=", wizard.id)]
        )
        book = read_workbook(attachment.raw)
        registry = {row["Claim"]: row for row in table(book["Registry"])}
        paid = registry[self.claim_a.name]
        self.assertEqual(paid["Settlement"], "Settled")
        self.assertEqual(paid["Settled By"], self.bill_a.name)
        self.assertEqual(paid["Days Repair to Settlement"], 19.0)
        self.assertEqual(paid["Days Repair to Payment"], 30.0)
        self.assertIn("Paid On", paid)
        unpaid = registry[self.claim_b.name]
        self.assertNotIn("Paid On", unpaid)
        self.assertNotIn("Days Repair to Payment", unpaid)
        self.assertEqual(registry[self.claim_c.name]["Settlement"], "To Settle")
        by_dealer = {row["Dealer"]: row for row in table(book["By Dealer"])}
        self.assertEqual(by_dealer["Volga Dealer"]["Avg Days Repair to Settlement"], 17.0)
        self.assertEqual(by_dealer["Volga Dealer"]["Avg Days Repair to Payment"], 30.0)
        self.assertNotIn("Avg Days Repair to Payment", by_dealer["Kama Dealer"])
        self.assertEqual(by_dealer["Total"]["Avg Days Repair to Payment"], 30.0)
