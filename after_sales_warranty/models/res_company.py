from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    after_sales_dealer_duplicate_days = fields.Integer(
        string="Duplicate Claim Window (Days)",
        default=30,
        help="A dealer claim for the same part of the same unit within so many days of an earlier "
        "claim is refused as a duplicate.",
    )

    @api.model
    def _after_sales_enable_pricelists(self):
        """Turn on Odoo's Pricelists feature, which the suite prices with.

        Contracts, customers and dealers have price lists; with the feature off, Odoo hides
        them and saving the Settings archives every active one. As Odoo itself does when a
        second currency is activated (``res.currency._activate_group_multi_currency``): the
        employees get the feature, and each company its default price list.
        """
        pricelist_group = self.env.ref("product.group_product_pricelist")
        employees = self.env.ref("base.group_user").sudo()
        if pricelist_group not in employees.all_implied_ids:
            employees._apply_group(pricelist_group)
            self.sudo()._activate_or_create_pricelists()
