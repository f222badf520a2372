from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError

from .common import AfterSalesCommon


class TestContract(AfterSalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit_a = cls._create_unit()
        cls.unit_b = cls._create_unit()
        cls.visit = cls.env["product.product"].create({"name": "Preventive visit", "type": "service"})

    def _contract(self, units=None, start="2026-01-01", end="2026-12-31", **vals):
        return (
            self.env["after_sales.contract"]
            .with_user(self.as_manager)
            .create(
                {
                    "partner_id": self.customer.id,
                    "date_start": start,
                    "date_end": end,
                    "equipment_ids": [Command.set((self.unit_a if units is None else units).ids)],
                    **vals,
                }
            )
        )

    @freeze_time("2026-02-01")
    def test_overlapping_active_contracts_are_refused(self):
        first = self._contract()
        first.action_activate()
        self.assertTrue(first.name.startswith("SC/"))
        second = self._contract(start="2026-06-01", end="2027-05-31")
        with self.assertRaises(ValidationError):
            second.action_activate()
        self.assertEqual(second.state, "draft")
        other_unit = self._contract(units=self.unit_b, start="2026-06-01", end="2027-05-31")
        other_unit.action_activate()
        everything = self._contract(
            units=self.env["after_sales.equipment"], all_equipment=True, start="2026-11-01"
        )
        with self.assertRaises(ValidationError):
            everything.action_activate()
        after = self._contract(start="2027-01-01", end="2027-12-31")
        after.action_activate()
        self.assertEqual(after.state, "active")

    @freeze_time("2026-02-01")
    def test_activation_checks(self):
        empty = self._contract(units=self.env["after_sales.equipment"])
        with self.assertRaises(UserError):
            empty.action_activate()
        with self.assertRaises(ValidationError):
            self._contract(start="2026-05-01", end="2026-04-01")
        with self.assertRaises(AccessError):
            self.env["after_sales.contract"].with_user(self.as_user).create(
                {"partner_id": self.customer.id, "date_start": "2026-01-01"}
            )

    def test_cron_expires_and_renewal(self):
        with freeze_time("2026-02-01"):
            contract = self._contract(
                service_ids=[Command.create({"product_id": self.visit.id, "quantity": 2, "period": "year"})]
            )
            contract.action_activate()
        with freeze_time("2026-12-31"):
            self.env["after_sales.contract"]._cron_expire()
            self.assertEqual(contract.state, "active")
        with freeze_time("2027-01-01"):
            self.env["after_sales.contract"]._cron_expire()
            self.assertEqual(contract.state, "expired")
            action = contract.with_user(self.as_manager).action_renew()
        renewal = self.env["after_sales.contract"].browse(action["res_id"])
        self.assertRecordValues(
            renewal,
            [{"state": "draft", "previous_contract_id": contract.id, "partner_id": self.customer.id}],
        )
        self.assertEqual(str(renewal.date_start), "2027-01-01")
        self.assertEqual(str(renewal.date_end), "2027-12-31")
        self.assertEqual(renewal.equipment_ids, self.unit_a)
        self.assertEqual(renewal.service_ids.product_id, self.visit)
        self.assertEqual(contract.next_contract_id, renewal)
        with self.assertRaises(UserError):
            contract.action_renew()

    def test_quota_periods(self):
        contract = self._contract(
            start="2026-03-01",
            service_ids=[
                Command.create({"product_id": self.visit.id, "quantity": 2, "period": "year"}),
                Command.create({"product_id": self.visit.id, "quantity": 10, "period": "month"}),
            ],
        )
        yearly, monthly = contract.service_ids
        start, end = yearly._get_period_bounds(date(2026, 7, 15))
        self.assertEqual((str(start), str(end)), ("2026-03-01", "2027-02-28"))
        start, end = monthly._get_period_bounds(date(2026, 7, 15))
        self.assertEqual((str(start), str(end)), ("2026-07-01", "2026-07-31"))
        with self.assertRaises(ValidationError):
            contract.write({"service_ids": [Command.create({"product_id": self.visit.id, "quantity": -1})]})
