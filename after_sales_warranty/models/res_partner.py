from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

# the terms of an authorized service partner: only After-Sales managers set them
SERVICE_PARTNER_FIELDS = {
    "is_service_partner",
    "service_categ_ids",
    "service_parts_categ_ids",
    "service_currency_id",
    "service_labour_rate",
    "service_parts_rule",
    "service_pricelist_id",
    "service_handling_percent",
    "service_claim_deadline_days",
    "service_return_failed_parts",
    "service_claim_user_ids",
}

PARTS_RULES = [("pricelist", "Price List"), ("cost", "Cost + Handling")]


class ResPartner(models.Model):
    _inherit = "res.partner"

    is_service_partner = fields.Boolean(
        string="Authorized Service Partner",
        index=True,
        tracking=True,
        help="A dealer or service centre that does warranty work and claims it back.",
    )
    service_categ_ids = fields.Many2many(
        "product.category",
        "res_partner_service_categ_rel",
        "partner_id",
        "categ_id",
        string="Authorized Categories",
        help="Units of these product categories (and their subcategories) may be claimed by this partner.",
    )
    service_parts_categ_ids = fields.Many2many(
        "product.category",
        "res_partner_service_parts_categ_rel",
        "partner_id",
        "categ_id",
        string="Authorized Parts Categories",
        help="Parts of these product categories (and their subcategories) may be claimed by this "
        "partner; without any, it claims labour only.",
    )
    service_currency_id = fields.Many2one(
        "res.currency",
        string="Claim Currency",
        default=lambda self: self.env.company.currency_id,
        help="Currency of the labour rate and of what the partner's claims are settled in.",
    )
    service_labour_rate = fields.Monetary(
        string="Labour Rate per Hour",
        currency_field="service_currency_id",
        tracking=True,
        help="What an approved hour of warranty work is paid to the partner.",
    )
    service_parts_rule = fields.Selection(
        PARTS_RULES,
        string="Parts Reimbursement",
        default="cost",
        help="Price List: the parts' price on the price list; Cost + Handling: their cost plus the "
        "handling percentage.",
    )
    service_pricelist_id = fields.Many2one("product.pricelist", string="Parts Price List")
    service_handling_percent = fields.Float(
        string="Handling (%)", digits=(16, 2), help="Added to the cost of the parts reimbursed."
    )
    service_claim_deadline_days = fields.Integer(
        string="Claim Deadline (Days)",
        help="A claim must be submitted within so many days after the repair. 0: no deadline.",
    )
    service_return_failed_parts = fields.Boolean(
        string="Failed Parts Must Be Returned",
        help="The partner sends the failed parts back; their lines are settled once they are received.",
    )
    service_claim_user_ids = fields.Many2many(
        "res.users",
        "res_partner_service_claim_user_rel",
        "partner_id",
        "user_id",
        string="Portal Claim Users",
        domain="[('share', '=', True)]",
        help="Portal users of the partner's contacts who may enter and submit warranty claims.",
    )

    @api.constrains("service_labour_rate", "service_handling_percent", "service_claim_deadline_days")
    def _check_service_terms(self):
        for partner in self:
            if (
                min(
                    partner.service_labour_rate,
                    partner.service_handling_percent,
                    partner.service_claim_deadline_days,
                )
                < 0
            ):
                raise ValidationError(
                    self.env._("Labour rates, handling percentages and claim deadlines cannot be negative.")
                )

    @api.constrains("is_service_partner", "service_parts_rule", "service_pricelist_id")
    def _check_service_pricelist(self):
        for partner in self:
            if (
                partner.is_service_partner
                and partner.service_parts_rule == "pricelist"
                and not partner.service_pricelist_id
            ):
                raise ValidationError(
                    self.env._(
                        "Choose the price list the parts of %s are reimbursed by.", partner.display_name
                    )
                )

    @api.constrains("service_claim_user_ids")
    def _check_service_claim_users(self):
        for partner in self:
            for user in partner.service_claim_user_ids:
                if not user.share or user.partner_id.commercial_partner_id != partner.commercial_partner_id:
                    raise ValidationError(
                        self.env._(
                            "%(user)s is not a portal user of %(partner)s: only the partner's own portal "
                            "users may claim for it.",
                            user=user.display_name,
                            partner=partner.display_name,
                        )
                    )

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("is_service_partner") for vals in vals_list):
            self._check_service_partner_manager()
        return super().create(vals_list)

    def write(self, vals):
        if self._get_service_partner_fields() & set(vals) and (
            vals.get("is_service_partner") or self.filtered("is_service_partner")
        ):
            self._check_service_partner_manager()
        return super().write(vals)

    @api.model
    def _is_authorized_part(self, product):
        """Whether this service partner may claim ``product`` as a part (its parts categories)."""
        self.ensure_one()
        categ_path = set((product.categ_id.parent_path or "").split("/")) - {""}
        return bool(categ_path & {str(categ_id) for categ_id in self.service_parts_categ_ids.ids})

    def _get_service_partner_fields(self):
        """Fields of an authorized service partner's terms (a hook): only managers change them."""
        return SERVICE_PARTNER_FIELDS

    def _check_service_partner_manager(self):
        if not (self.env.su or self.env.user.has_group("after_sales_service.group_after_sales_manager")):
            raise AccessError(
                self.env._("Only After-Sales managers set the terms of authorized service partners.")
            )
