from odoo import api, fields, models


class AfterSalesEquipment(models.Model):
    _name = "after_sales.equipment"
    _description = "Equipment Unit"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "partner_id, product_id, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "lot_id.name", "product_id.default_code"]

    name = fields.Char(
        compute="_compute_name",
        store=True,
        readonly=False,
        required=True,
        precompute=True,
        index="trigram",
        tracking=True,
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        index="btree_not_null",
        check_company=True,
        tracking=True,
        domain="[('product_id', '=', product_id)]",
        help="Empty for units the customer bought elsewhere without a known serial.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
    )
    site_partner_id = fields.Many2one(
        "res.partner",
        string="Site Address",
        check_company=True,
        tracking=True,
        help="Where the unit is installed: a contact or delivery address of the customer.",
    )
    state = fields.Selection(
        [
            ("in_service", "In Service"),
            ("in_repair", "In Repair"),
            ("returned", "Returned"),
            ("decommissioned", "Decommissioned"),
        ],
        default="in_service",
        required=True,
        index=True,
        tracking=True,
    )
    sale_date = fields.Date()
    delivery_date = fields.Date(index=True, tracking=True)
    commissioning_date = fields.Date(tracking=True)
    note = fields.Html(string="Notes")

    _lot_company_uniq = models.Constraint(
        "UNIQUE(lot_id, company_id)",
        "This serial number is already registered as a unit of this company.",
    )

    @api.depends("product_id", "lot_id")
    def _compute_name(self):
        for unit in self:
            if not unit.product_id:
                unit.name = unit.name or False
                continue
            product = unit.product_id.display_name
            unit.name = f"{product} / {unit.lot_id.name}" if unit.lot_id else product
