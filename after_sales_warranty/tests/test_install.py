from odoo.tests import tagged

from odoo.addons.after_sales_service.tests.common import AfterSalesCommon


@tagged("post_install", "-at_install")
class TestInstall(AfterSalesCommon):
    def test_installed_with_its_dependencies(self):
        self.assertModuleInstalled(
            "after_sales_warranty",
            ["after_sales_service", "account", "mail", "portal", "product", "repair", "sale", "stock"],
        )

    def test_suite_groups_available(self):
        self.assertTrue(self.as_manager.has_group("after_sales_service.group_after_sales_user"))
        self.assertFalse(self.internal_user.has_group("after_sales_service.group_after_sales_user"))

    def test_warranty_models_have_acl_and_company_rules(self):
        models = self.env["ir.model"].search(
            [
                (
                    "model",
                    "in",
                    [
                        "after_sales.warranty.extension",
                        "after_sales.vendor.claim",
                        "after_sales.vendor.claim.line",
                    ],
                )
            ]
        )
        self.assertEqual(len(models), 3)
        for model in models:
            with self.subTest(model=model.model):
                self.assertTrue(
                    model.access_ids.filtered(lambda a: a.group_id == self.group_as_user and a.perm_read)
                )
                rule = self.env.ref(f"after_sales_warranty.{model.model.replace('.', '_')}_rule_company")
                self.assertIn("company_ids", rule.domain_force)
        self.assertModelsClosedToOutsiders(models)
