from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    after_sales_sla_policy_id = fields.Many2one(
        related="company_id.after_sales_sla_policy_id",
        readonly=False,
        domain="[('company_id', '=', company_id)]",
    )
    after_sales_team_id = fields.Many2one(
        related="company_id.after_sales_team_id",
        readonly=False,
        domain="[('company_id', '=', company_id)]",
    )
    after_sales_alias_name = fields.Char(
        related="company_id.after_sales_team_id.alias_name", string="Service Alias", readonly=False
    )
    after_sales_alias_domain_id = fields.Many2one(
        related="company_id.after_sales_team_id.alias_domain_id",
        string="Service Alias Domain",
        readonly=False,
    )
    after_sales_telegram_gateway_id = fields.Many2one(
        related="company_id.after_sales_team_id.telegram_gateway_id",
        string="Telegram Bot",
        readonly=False,
    )
    after_sales_closed_reply = fields.Selection(related="company_id.after_sales_closed_reply", readonly=False)
    after_sales_portal_upload_mb = fields.Integer(
        related="company_id.after_sales_portal_upload_mb", readonly=False
    )
    after_sales_public_form_limit = fields.Integer(
        related="company_id.after_sales_public_form_limit", readonly=False
    )
    after_sales_visit_product_id = fields.Many2one(
        related="company_id.after_sales_visit_product_id", readonly=False
    )
    after_sales_visit_max_hours = fields.Float(
        related="company_id.after_sales_visit_max_hours", readonly=False
    )
    after_sales_labour_product_id = fields.Many2one(
        related="company_id.after_sales_labour_product_id", readonly=False
    )
    after_sales_timer_rounding_minutes = fields.Integer(
        related="company_id.after_sales_timer_rounding_minutes", readonly=False
    )
    after_sales_timer_minimum_minutes = fields.Integer(
        related="company_id.after_sales_timer_minimum_minutes", readonly=False
    )
    after_sales_registry_background_rows = fields.Integer(
        related="company_id.after_sales_registry_background_rows", readonly=False
    )
    after_sales_registry_keep_days = fields.Integer(
        related="company_id.after_sales_registry_keep_days", readonly=False
    )
