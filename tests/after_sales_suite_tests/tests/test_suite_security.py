from odoo.tests import tagged

from odoo.addons.after_sales_service.tests.common import AfterSalesCommon


@tagged("post_install", "-at_install")
class TestSuiteSecurity(AfterSalesCommon):
    """The quality bar's security rows, checked on every model of the suite."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # mixins (abstract models) have no records to protect
        cls.suite_models = cls.env["ir.model"].search(
            [("model", "=like", "after_sales.%"), ("abstract", "=", False)]
        )

    def test_every_model_has_acl_for_suite_groups(self):
        self.assertTrue(self.suite_models)
        suite_groups = self.group_as_user | self.group_as_manager
        for model in self.suite_models:
            with self.subTest(model=model.model):
                acls = model.access_ids.filtered(lambda a: a.group_id in suite_groups or not a.group_id)
                self.assertTrue(acls, f"{model.model} has no access row for the After-Sales groups")
                self.assertFalse(
                    model.access_ids.filtered(lambda a: not a.group_id and (a.perm_write or a.perm_unlink)),
                    f"{model.model} lets everybody write or delete",
                )

    def test_every_company_model_has_a_company_rule(self):
        for model in self.suite_models.filtered(lambda m: not m.transient):
            if "company_id" not in self.env[model.model]._fields:
                continue
            with self.subTest(model=model.model):
                rules = self.env["ir.rule"].search([("model_id", "=", model.id), ("global", "=", True)])
                self.assertTrue(
                    rules.filtered(lambda r: "company_ids" in (r.domain_force or "")),
                    f"{model.model} has no global multi-company rule",
                )

    def test_every_model_closed_to_outsiders(self):
        self.assertModelsClosedToOutsiders(self.suite_models.filtered(lambda m: not m.transient))
