from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain


class AfterSalesReliabilityFleetWizard(models.TransientModel):
    """Fleet Reliability: the figures of the installed base per product over a period.

    Gathers the period and the fleet (products, customer); the figures are computed by
    ``after_sales.reliability._get_fleet_figures``, whose docstring gives the formulas.
    """

    _name = "after_sales.reliability.fleet.wizard"
    _description = "Fleet Reliability"

    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(month=1, day=1),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    product_ids = fields.Many2many(
        "product.product", string="Products", help="Empty: every product with units in service."
    )
    partner_id = fields.Many2one("res.partner", string="Customer", help="Only this customer's fleet.")
    line_ids = fields.One2many(
        "after_sales.reliability.fleet.line", "wizard_id", string="Figures", readonly=True
    )

    @api.depends("date_from", "date_to")
    def _compute_display_name(self):
        # the page's title: the model's (translated) name, not "model,NewId_..."
        title = self.env["ir.model"]._get(self._name).name
        for wizard in self:
            wizard.display_name = title

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The period must start before it ends."))

    def action_compute(self):
        self.ensure_one()
        self._action_compute()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
            "context": self.env.context,
        }

    def action_export_xlsx(self):
        """The reliability registry (XLSX) of the page's period and fleet, to export."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_reliability_xlsx_wizard_action"
        )
        action["context"] = {
            "default_date_from": fields.Date.to_string(self.date_from),
            "default_date_to": fields.Date.to_string(self.date_to),
            "default_product_ids": self.product_ids.ids,
            "default_partner_id": self.partner_id.id,
        }
        return action

    def _get_unit_domain(self):
        """The units of the fleet (a hook for sibling modules)."""
        domain = Domain.TRUE
        if self.product_ids:
            domain &= Domain("product_id", "in", self.product_ids.ids)
        if self.partner_id:
            domain &= Domain("partner_id", "child_of", self.partner_id.commercial_partner_id.id)
        return domain

    def _action_compute(self):
        figures = self.env["after_sales.reliability"]._get_fleet_figures(
            self.date_from, self.date_to, self._get_unit_domain()
        )
        Line = self.env["after_sales.reliability.fleet.line"]
        self.line_ids = [Command.clear()] + [
            Command.create(Line._prepare_line_vals(product, values))
            for product, values in sorted(figures.items(), key=lambda item: item[0].display_name)
        ]
