from odoo.tests import Form, tagged

from .common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestPricelistFeature(AfterSalesBillingCommon):
    """The suite prices with price lists: Odoo's Pricelists feature is on, and stays on."""

    def test_saving_settings_keeps_the_contract_price_lists(self):
        contract = self._create_contract(self.customer, pricelist_id=self.pl_contract.id)
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group("product.group_product_pricelist"), "the feature is on")
        settings = Form(self.env["res.config.settings"].with_user(admin))
        self.assertTrue(settings.group_product_pricelist, "Settings show the feature on")
        settings.save().execute()
        self.assertTrue(contract.pricelist_id.active, "the contract keeps its price list")
        self.assertTrue(all((self.pl_customer | self.pl_company).mapped("active")))
        self.assertTrue(admin.has_group("product.group_product_pricelist"))
