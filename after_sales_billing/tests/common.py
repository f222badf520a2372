from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.after_sales_service.tests.common import AfterSalesCommon

from .batch_jobs import run_jobs


class AfterSalesBillingCommon(AfterSalesCommon):
    """Products, price lists, taxes and users for billing tests, built once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        if not cls.company.chart_template:
            cls.env["account.chart.template"].try_loading("generic_coa", cls.company, install_demo=False)
        cls.billing_user = new_test_user(
            cls.env,
            login="as_billing",
            groups="account.group_account_invoice,after_sales_service.group_after_sales_user",
        )
        cls.stage_resolved = cls.env.ref("after_sales_service.stage_resolved")
        cls.tax = cls.env["account.tax"].create(
            {"name": "Service VAT 20%", "amount": 20.0, "type_tax_use": "sale", "company_id": cls.company.id}
        )
        cls.tax_export = cls.env["account.tax"].create(
            {"name": "Service VAT 0%", "amount": 0.0, "type_tax_use": "sale", "company_id": cls.company.id}
        )
        cls.work = cls.env["product.product"].create(
            {
                "name": "Diagnostics",
                "type": "service",
                "list_price": 100.0,
                "after_sales_norm_hours": 2.0,
                "taxes_id": [Command.set(cls.tax.ids)],
            }
        )
        cls.part = cls.env["product.product"].create(
            {
                "name": "Oil Filter",
                "type": "consu",
                "list_price": 50.0,
                "taxes_id": [Command.set(cls.tax.ids)],
            }
        )
        cls.fee_product = cls.env["product.product"].create(
            {"name": "Service Subscription", "type": "service", "taxes_id": [Command.set(cls.tax.ids)]}
        )
        cls.pl_contract = cls._create_pricelist("Contract Prices", {cls.work: 80.0, cls.part: 40.0})
        cls.pl_customer = cls._create_pricelist("VIP Prices", {cls.work: 90.0, cls.part: 45.0})
        cls.pl_company = cls._create_pricelist("Service Prices", {cls.work: 95.0})
        cls.company.after_sales_pricelist_id = False

    @classmethod
    def _create_pricelist(cls, name, prices):
        return cls.env["product.pricelist"].create(
            {
                "name": name,
                "company_id": cls.company.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": product.id,
                            "compute_price": "fixed",
                            "fixed_price": price,
                        }
                    )
                    for product, price in prices.items()
                ],
            }
        )

    @classmethod
    def _create_customer(cls, name, **vals):
        return cls.env["res.partner"].create({"name": name, "is_company": True, **vals})

    @classmethod
    def _create_contract(cls, partner, **vals):
        contract = cls.env["after_sales.contract"].create(
            {"partner_id": partner.id, "date_start": "2020-01-01", "all_equipment": True, **vals}
        )
        contract.action_activate()
        return contract

    @classmethod
    def _create_request(cls, partner, lines, resolved=True, **vals):
        """A request of ``partner`` with service lines ``lines`` (dicts: coverage is set after create)."""
        request = cls.env["after_sales.request"].create(
            {"title": "Does not start", "partner_id": partner.id, **vals}
        )
        for line_vals in lines:
            line_vals = dict(line_vals)
            coverage = line_vals.pop("coverage", "paid")
            grade = line_vals.pop("part_grade", None)
            line_vals.setdefault("done", True)
            line_vals.setdefault("date", "2026-03-10")
            line = cls.env["after_sales.request.line"].create({"request_id": request.id, **line_vals})
            line.write({"coverage": coverage, **({"part_grade": grade} if grade else {})})
        if resolved:
            request.stage_id = cls.stage_resolved
        return request

    @classmethod
    def _work_line(cls, **vals):
        return {"line_type": "work", "product_id": cls.work.id, **vals}

    @classmethod
    def _part_line(cls, **vals):
        return {"line_type": "part", "product_id": cls.part.id, **vals}

    def _run(self, grouping="contract", date_from="2026-03-01", date_to="2026-03-31", user=None, **vals):
        run = (
            self.env["after_sales.billing.run"]
            .with_user(user or self.billing_user)
            .create({"date_from": date_from, "date_to": date_to, "grouping": grouping, **vals})
        )
        with run_jobs():
            run.action_run()
        return run
