from odoo import models

from odoo.addons.after_sales_service.wizards.after_sales_xlsx_registry_mixin import XlsxColumn


class AfterSalesReliabilityXlsxWizard(models.TransientModel):
    """The fleet sheet with the warranty cost, as the Fleet Reliability page shows it."""

    _inherit = "after_sales.reliability.xlsx.wizard"

    def _get_fleet_columns(self):
        _ = self.env._
        return [
            *super()._get_fleet_columns(),
            XlsxColumn("warranty_cost", "money", _("Warranty Cost")),
            XlsxColumn("warranty_cost_per_unit", "money", _("Warranty Cost per Unit")),
        ]
