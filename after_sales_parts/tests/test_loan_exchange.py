import math
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.after_sales_service.tests.common import AfterSalesCommon
from odoo.addons.queue_job.tests.common import trap_jobs


@tagged("post_install", "-at_install")
class TestLoanAndExchange(AfterSalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.stock = cls.warehouse.lot_stock_id
        cls.wh_user = new_test_user(cls.env, login="as_wh_loans", groups="stock.group_stock_user")
        cls.customer_lot = cls._create_lot(cls.product_unit, "TG1-CUST")
        cls.unit = cls._create_unit(lot=cls.customer_lot, site_partner_id=cls.customer_site.id)
        cls.request = cls.env["after_sales.request"].create({"title": "Broken", "equipment_id": cls.unit.id})

    def _validate(self, picking):
        # the storekeeper (Inventory rights only) validates with the transfer's Validate button
        picking = picking.with_user(self.wh_user)
        picking.move_ids.picked = True
        self.assertIs(picking.button_validate(), True)
        self.assertEqual(picking.state, "done")

    def test_loaner_out_back_and_overdue(self):
        loaner_lot = self._create_lot(self.product_unit, "TG1-LOAN-1")
        self.env["stock.quant"]._update_available_quantity(
            self.product_unit, self.stock, 1, lot_id=loaner_lot
        )
        with freeze_time("2026-04-01"):
            loan = (
                self.env["after_sales.loan"]
                .with_user(self.as_user)
                .create(
                    {
                        "request_id": self.request.id,
                        "warehouse_id": self.warehouse.id,
                        "product_id": self.product_unit.id,
                        "lot_id": loaner_lot.id,
                        "date_due": "2026-04-15",
                    }
                )
            )
            loan.action_lend()
            loan_location = self.warehouse._after_sales_loan_location()
            self.assertRecordValues(
                loan.picking_out_id,
                [{"location_id": self.stock.id, "location_dest_id": loan_location.id, "state": "assigned"}],
            )
            self.assertEqual(loan.picking_out_id.move_line_ids.lot_id, loaner_lot)
            self._validate(loan.picking_out_id)
        self.assertRecordValues(loan, [{"state": "out", "overdue": False}])
        self.assertEqual(str(loan.date_out), "2026-04-01")
        self.assertIn(loan, self.unit.loan_ids, "the unit's history shows the loan")
        with self.assertRaises(ValidationError):
            self.env["after_sales.loan"].create(
                {
                    "request_id": self.request.id,
                    "warehouse_id": self.warehouse.id,
                    "product_id": self.product_unit.id,
                    "lot_id": loaner_lot.id,
                    "date_due": "2026-05-01",
                }
            )
        with freeze_time("2026-04-15"):
            self._run_cron("after_sales.loan", "_cron_flag_overdue")
            self.assertFalse(loan.overdue)
        with freeze_time("2026-04-16"):
            self._run_cron("after_sales.loan", "_cron_flag_overdue")
            self.assertTrue(loan.overdue)
            self.assertEqual(self.env["after_sales.loan"].search([("overdue", "=", True)]), loan)
            with self.assertRaises(UserError):
                loan.action_cancel()
            loan.action_receive_back()
            self.assertEqual(loan.picking_in_id.location_dest_id, self.stock)
            self._validate(loan.picking_in_id)
        self.assertRecordValues(loan, [{"state": "returned", "overdue": False}])
        self.assertEqual(self.product_unit.with_context(location=self.stock.id).qty_available, 1)

    def test_advance_exchange_with_both_serials_and_overdue_core(self):
        replacement_lot = self._create_lot(self.product_unit, "TG1-POOL-7")
        replacement_lot.after_sales_grade = "refurbished"
        pool = self.warehouse._after_sales_pool_location()
        self.env["stock.quant"]._update_available_quantity(self.product_unit, pool, 1, lot_id=replacement_lot)
        with freeze_time("2026-05-02"):
            exchange = (
                self.env["after_sales.exchange"]
                .with_user(self.as_user)
                .create(
                    {
                        "request_id": self.request.id,
                        "warehouse_id": self.warehouse.id,
                        "replacement_lot_id": replacement_lot.id,
                        "core_due_date": "2026-05-20",
                    }
                )
            )
            self.assertEqual(exchange.core_lot_id, self.customer_lot)
            with self.assertRaises(UserError):
                exchange.action_expect_core()
            exchange.action_deliver()
            self.assertEqual(exchange.picking_out_id.location_id, pool)
            self._validate(exchange.picking_out_id)
        replacement = exchange.replacement_equipment_id
        self.assertRecordValues(exchange, [{"state": "delivered", "core_overdue": False}])
        self.assertRecordValues(
            replacement,
            [{"lot_id": replacement_lot.id, "partner_id": self.customer.id, "state": "in_service"}],
        )
        self.assertEqual(self.request.exchange_ids, exchange)
        with freeze_time("2026-05-21"):
            self._run_cron("after_sales.exchange", "_cron_flag_overdue_cores")
        self.assertTrue(exchange.core_overdue)
        exchange.action_expect_core()
        self.assertEqual(exchange.picking_core_id.move_line_ids.lot_id, self.customer_lot)
        self._validate(exchange.picking_core_id)
        self.assertRecordValues(exchange, [{"state": "core_received", "core_overdue": False}])
        self.assertEqual(self.unit.state, "in_repair")
        exchange.action_back_to_pool()
        self._validate(exchange.picking_pool_id)
        self.assertEqual(exchange.state, "in_pool")
        self.assertEqual(self.unit.state, "returned")
        self.assertEqual(self.product_unit.with_context(location=pool.id).qty_available, 1)
        self.assertEqual(
            self.request.parts_picking_ids,
            exchange.picking_out_id | exchange.picking_core_id | exchange.picking_pool_id,
            "both moves are linked on the request",
        )


@tagged("post_install", "-at_install")
class TestOverdueJobs(AfterSalesCommon):
    """The overdue crons enqueue one job per batch of due records; a job flags each record once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a company of its own: its batches hold only the loans of this test
        cls.company_b = cls.env["res.company"].create({"name": "Loans Test Co"})
        cls.warehouse_b = cls.env["stock.warehouse"].search([("company_id", "=", cls.company_b.id)], limit=1)
        request = cls.env["after_sales.request"].create(
            {"title": "Broken", "partner_id": cls.customer.id, "company_id": cls.company_b.id}
        )
        Loan = cls.env["after_sales.loan"]
        cls.loans = Loan.union(
            *(
                Loan.create(
                    {
                        "request_id": request.id,
                        "warehouse_id": cls.warehouse_b.id,
                        "product_id": cls.product_unit.id,
                        "lot_id": cls._create_lot(cls.product_unit, f"TG1-LATE-{n}", cls.company_b).id,
                        "date_due": "2026-04-15",
                        "state": "out",
                    }
                )
                for n in range(3)
            )
        )

    def test_overdue_loans_in_batches_flagged_once(self):
        Loan = self.env["after_sales.loan"]
        with patch.object(type(Loan), "_overdue_batch_size", 2), freeze_time("2026-04-16"):
            with trap_jobs() as trap:
                Loan._cron_flag_overdue()
                jobs = [job for job in trap.enqueued_jobs if job.recordset.company_id == self.company_b]
                self.assertEqual(len(jobs), math.ceil(3 / 2))
                self.assertEqual({job.channel for job in jobs}, {"root.after_sales.planning"})
                self.assertEqual(sorted(i for job in jobs for i in job.recordset.ids), sorted(self.loans.ids))
                self.assertFalse(any(self.loans.mapped("overdue")), "the cron itself flags nothing")
                enqueued = trap.jobs_count()
                Loan._cron_flag_overdue()
                trap.assert_jobs_count(enqueued)  # run again before the jobs ran: nothing more
                trap.perform_enqueued_jobs()
            self.assertEqual(self.loans.mapped("overdue"), [True] * 3)
            messages = self.loans.message_ids
            for job in jobs:
                job.perform()  # performed again: nothing more is written nor tracked
            self.assertEqual(self.loans.message_ids, messages)
            with trap_jobs() as trap:
                Loan._cron_flag_overdue()
                ours = [job for job in trap.enqueued_jobs if job.recordset.company_id == self.company_b]
                self.assertFalse(ours, "nothing is due any more")

    def test_returned_loan_not_flagged_by_its_waiting_job(self):
        Loan = self.env["after_sales.loan"]
        with freeze_time("2026-04-16"), trap_jobs() as trap:
            Loan._cron_flag_overdue()
            self.loans[0].state = "returned"
            trap.perform_enqueued_jobs()
        self.assertEqual(self.loans.mapped("overdue"), [False, True, True], "the job reads what is still due")
