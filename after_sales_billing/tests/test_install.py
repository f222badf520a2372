from odoo.tests import tagged

from odoo.addons.after_sales_service.tests.common import AfterSalesCommon


@tagged("post_install", "-at_install")
class TestInstall(AfterSalesCommon):
    def test_installed_with_its_dependencies(self):
        self.assertModuleInstalled(
            "after_sales_billing",
            [
                "after_sales_service",
                "after_sales_warranty",
                "after_sales_parts",
                "account",
                "analytic",
                "mail",
                "portal",
                "product",
                "queue_job",
            ],
        )

    def test_suite_groups_available(self):
        self.assertTrue(self.as_manager.has_group("after_sales_service.group_after_sales_user"))
        self.assertFalse(self.internal_user.has_group("after_sales_service.group_after_sales_user"))
