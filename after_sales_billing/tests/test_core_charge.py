from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestCoreCharge(AfterSalesBillingCommon):
    """A core not returned by its deadline is charged; a late core drops the charge."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_unit.list_price = 1500.0
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.unit = cls._create_unit(lot=cls._create_lot(cls.product_unit, "CORE-1"))

    def _delivered_exchange(self, serial):
        request = self.env["after_sales.request"].create(
            {"title": "Pump failed", "equipment_id": self.unit.id}
        )
        lot = self._create_lot(self.product_unit, serial)
        pool = self.warehouse._after_sales_pool_location()
        self.env["stock.quant"]._update_available_quantity(self.product_unit, pool, 1, lot_id=lot)
        exchange = (
            self.env["after_sales.exchange"]
            .with_user(self.as_user)
            .create(
                {
                    "request_id": request.id,
                    "warehouse_id": self.warehouse.id,
                    "replacement_lot_id": lot.id,
                    "core_due_date": "2026-03-10",
                }
            )
        )
        exchange.action_deliver()
        self._validate(exchange.picking_out_id)
        self.assertEqual(exchange.state, "delivered")
        return exchange

    def _validate(self, picking):
        picking.move_ids.picked = True
        picking._action_done()
        self.assertEqual(picking.state, "done")

    def _flag_overdue(self):
        with freeze_time("2026-03-12"):
            self._run_cron("after_sales.exchange", "_cron_flag_overdue_cores")

    def test_overdue_core_is_charged_once_and_billed(self):
        exchange = self._delivered_exchange("POOL-1")
        self._flag_overdue()
        line = exchange.core_charge_line_id
        self.assertTrue(exchange.core_overdue)
        self.assertRecordValues(
            line,
            [
                {
                    "request_id": exchange.request_id.id,
                    "product_id": self.product_unit.id,
                    "coverage": "paid",
                    "done": True,
                    "quantity": 1.0,
                    "price_unit": 1500.0,
                    "amount_charged": 1500.0,
                }
            ],
        )
        self.assertIn("CORE-1", line.name)
        # the cron runs again: no second charge
        self._flag_overdue()
        self.assertEqual(exchange.request_id.line_ids, line)
        exchange.request_id.stage_id = self.stage_resolved
        run = self._run(grouping="request", date_from="2026-03-01", date_to="2026-03-31")
        self.assertEqual(run.line_count, 1)
        self.assertEqual(line.invoice_id.amount_untaxed, 1500.0)

    def test_late_core_drops_its_charge(self):
        exchange = self._delivered_exchange("POOL-2")
        self._flag_overdue()
        line = exchange.core_charge_line_id
        exchange.action_expect_core()
        self._validate(exchange.picking_core_id)
        self.assertEqual(exchange.state, "core_received")
        self.assertFalse(line.exists())
        self.assertFalse(exchange.core_charge_line_id)

    def test_late_core_after_invoicing_keeps_the_invoiced_charge(self):
        exchange = self._delivered_exchange("POOL-3")
        self._flag_overdue()
        line = exchange.core_charge_line_id
        exchange.request_id.stage_id = self.stage_resolved
        self._run(grouping="request", date_from="2026-03-01", date_to="2026-03-31")
        invoice = line.invoice_id
        self.assertTrue(invoice)
        exchange.action_expect_core()
        self._validate(exchange.picking_core_id)
        self.assertTrue(line.exists(), "an invoiced charge is credited by finance, never deleted")
        self.assertIn(invoice.display_name, exchange.message_ids[0].body)

    def test_overdue_cores_job_performed_twice_charges_once(self):
        exchanges = self._delivered_exchange("POOL-4") | self._delivered_exchange("POOL-5")
        Exchange = self.env["after_sales.exchange"]
        with (
            patch.object(type(Exchange), "_overdue_batch_size", 1),
            freeze_time("2026-03-12"),
            trap_jobs() as trap,
        ):
            Exchange._cron_flag_overdue_cores()
            jobs = [job for job in trap.enqueued_jobs if job.recordset & exchanges]
            self.assertEqual(len(jobs), 2, "one job per batch of one exchange")
            self.assertEqual({job.channel for job in jobs}, {"root.after_sales.planning"})
            self.assertFalse(exchanges.core_charge_line_id, "the cron itself charges nothing")
            enqueued = trap.jobs_count()
            Exchange._cron_flag_overdue_cores()
            trap.assert_jobs_count(enqueued)  # run again before the jobs ran: nothing more
            trap.perform_enqueued_jobs()
            lines = exchanges.request_id.line_ids
            self.assertEqual(lines, exchanges.core_charge_line_id)
            self.assertEqual(len(lines), 2, "one charge per overdue core")
            messages = exchanges.request_id.message_ids | exchanges.message_ids
            for job in jobs:
                job.perform()  # retried after a lost worker: no second charge, no second message
            self.assertEqual(exchanges.request_id.line_ids, lines)
            self.assertEqual(exchanges.request_id.message_ids | exchanges.message_ids, messages)
