from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged, users

from .common import AfterSalesCommon


@tagged("post_install", "-at_install")
class TestSecurity(AfterSalesCommon):
    """Who may touch the installed base, requests and contracts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit = cls._create_unit(lot=cls._create_lot(cls.product_unit, "SEC-0001"))

    @users("as_internal")
    def test_user_outside_suite_cannot_read_units(self):
        units = self.env["after_sales.equipment"]
        with self.assertRaises(AccessError):
            units.search([])
        with self.assertRaises(AccessError):
            units.browse(self.unit.id).read(["name"])

    @users("as_user")
    def test_user_reads_and_registers_but_does_not_delete(self):
        units = self.env["after_sales.equipment"]
        self.assertIn(self.unit, units.search([]))
        new_unit = units.create({"product_id": self.product_unit.id, "partner_id": self.customer.id})
        self.assertEqual(new_unit.name, "Test Generator TG-1")
        with self.assertRaises(AccessError):
            new_unit.unlink()

    @users("as_manager")
    def test_manager_deletes(self):
        unit = self.env["after_sales.equipment"].browse(self.unit.id)
        unit.unlink()
        self.assertFalse(unit.exists())

    def test_multi_company_isolation(self):
        other_company = self.env["res.company"].create({"name": "Other Service Co."})
        other_unit = self._create_unit(company_id=other_company.id)
        self.assertEqual(other_unit.company_id, other_company)
        outsider = new_test_user(
            self.env,
            login="as_user_other_company",
            groups="after_sales_service.group_after_sales_user",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        units = self.env["after_sales.equipment"].with_user(outsider)
        self.assertEqual(units.search([("id", "in", [self.unit.id, other_unit.id])]), other_unit)
        with self.assertRaises(AccessError):
            units.browse(self.unit.id).read(["name"])

    def test_requests_and_contracts_multi_company(self):
        other_company = self.env["res.company"].create({"name": "Third Service Co."})
        other_customer = self.env["res.partner"].create(
            {"name": "Far Customer", "company_id": other_company.id}
        )
        other_unit = self._create_unit(company_id=other_company.id, partner=other_customer)
        other_request = self.env["after_sales.request"].create(
            {"title": "Far away", "equipment_id": other_unit.id, "company_id": other_company.id}
        )
        other_contract = self.env["after_sales.contract"].create(
            {"partner_id": other_customer.id, "company_id": other_company.id, "all_equipment": True}
        )
        own_request = self.env["after_sales.request"].create({"title": "Here", "equipment_id": self.unit.id})
        Request = self.env["after_sales.request"].with_user(self.as_user)
        self.assertEqual(Request.search([("id", "in", [own_request.id, other_request.id])]), own_request)
        with self.assertRaises(AccessError):
            Request.browse(other_request.id).read(["title"])
        with self.assertRaises(AccessError):
            self.env["after_sales.contract"].with_user(self.as_manager).browse(other_contract.id).read(
                ["name"]
            )
        self.assertNotEqual(other_request.name, False)
        with self.assertRaises(AccessError):
            Request.create(
                {"title": "Wrong company", "equipment_id": self.unit.id, "company_id": other_company.id}
            )
