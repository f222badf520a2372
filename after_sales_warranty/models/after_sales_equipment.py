from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from odoo.addons.after_sales_service.tools import period_end

from ..tools import SelectionValue, coverage_reason
from .product_category import START_BASIS, WARRANTY_TERM_FIELDS

_lt = LazyTranslate(__name__)

PERIOD_HELP = (
    "Included: a period of N months or years from a date ends on the same date N months or years "
    "later, or on the month's last day where that date does not exist (Civil Code of the Russian "
    "Federation, art. 191-192)."
)

VOID_REASONS = [
    ("tampering", "Tampering"),
    ("misuse", "Misuse"),
    ("unauthorized_repair", "Unauthorized Repair"),
    ("outside_conditions", "Operation Outside Conditions"),
    ("other", "Other"),
]


class AfterSalesEquipment(models.Model):
    _inherit = "after_sales.equipment"
    # the warranty facts of the customer's portal pages (see after_sales.portal.mixin); why a
    # warranty is void, and by whom, stays internal
    _portal_fields = {
        "warranty_state",
        "warranty_parts_end_date",
        "warranty_labour_end_date",
        "warranty_hours_limit",
    }

    invoice_date = fields.Date(tracking=True, help="Date of the customer invoice of the unit.")
    warranty_parts_months = fields.Integer(string="Parts Warranty (Months)", tracking=True)
    warranty_labour_months = fields.Integer(string="Labour Warranty (Months)", tracking=True)
    warranty_hours_limit = fields.Float(
        index=True,
        tracking=True,
        help="Operating hours after which the warranty ends, whichever comes first. 0 means no limit.",
    )
    warranty_start_basis = fields.Selection(START_BASIS, default="delivery", required=True, tracking=True)
    warranty_excluded_categ_ids = fields.Many2many(
        "product.category",
        "after_sales_equipment_warranty_excluded_rel",
        "equipment_id",
        "excluded_categ_id",
        string="Parts Excluded from Warranty",
    )
    service_life_years = fields.Integer(default=10, tracking=True)
    warranty_start_date = fields.Date(compute="_compute_warranty_dates", store=True, index=True)
    warranty_parts_end_date = fields.Date(
        string="Parts Warranty Until",
        compute="_compute_warranty_dates",
        store=True,
        index=True,
        help=PERIOD_HELP,
    )
    warranty_labour_end_date = fields.Date(
        string="Labour Warranty Until",
        compute="_compute_warranty_dates",
        store=True,
        index=True,
        help=PERIOD_HELP,
    )
    warranty_end_date = fields.Date(
        string="Warranty Until",
        compute="_compute_warranty_dates",
        store=True,
        index=True,
        help="The later of the parts and labour warranty ends.",
    )
    service_life_end_date = fields.Date(
        string="Service Life Until",
        compute="_compute_warranty_dates",
        store=True,
        index=True,
        help=PERIOD_HELP,
    )
    warranty_void = fields.Boolean(readonly=True, copy=False, index=True, tracking=True)
    warranty_void_reason = fields.Selection(
        VOID_REASONS, string="Void Reason", readonly=True, copy=False, tracking=True
    )
    warranty_void_note = fields.Char(
        string="Void Details", readonly=True, copy=False, tracking=True, groups="base.group_user"
    )
    warranty_void_date = fields.Date(string="Voided On", readonly=True, copy=False)
    warranty_void_user_id = fields.Many2one(
        "res.users", string="Voided By", readonly=True, copy=False, groups="base.group_user"
    )
    warranty_extension_ids = fields.One2many(
        "after_sales.warranty.extension", "equipment_id", string="Warranty Extensions"
    )
    dealer_id = fields.Many2one(
        "res.partner",
        index="btree_not_null",
        check_company=True,
        tracking=True,
        domain="[('is_service_partner', '=', True)]",
        help="The authorized service partner that sold this unit: its portal users see it.",
    )
    dealer_claim_ids = fields.One2many("after_sales.dealer.claim", "equipment_id", string="Dealer Claims")
    warranty_state = fields.Selection(
        [("in_warranty", "In Warranty"), ("expired", "Expired"), ("void", "Void")],
        compute="_compute_warranty_state",
        compute_sudo=True,  # customers read the state (portal), not the void reason behind it
        search="_search_warranty_state",
    )

    @api.depends(
        "warranty_start_basis",
        "delivery_date",
        "commissioning_date",
        "invoice_date",
        "sale_date",
        "warranty_parts_months",
        "warranty_labour_months",
        "service_life_years",
        "warranty_extension_ids.months",
        "warranty_extension_ids.scope",
    )
    def _compute_warranty_dates(self):
        for unit in self:
            start = unit._get_warranty_start_date()
            parts = unit.warranty_parts_months
            labour = unit.warranty_labour_months
            for extension in unit.warranty_extension_ids:
                if extension.scope in ("both", "parts"):
                    parts += extension.months
                if extension.scope in ("both", "labour"):
                    labour += extension.months
            unit.warranty_start_date = start
            unit.warranty_parts_end_date = parts and period_end(start, months=parts)
            unit.warranty_labour_end_date = labour and period_end(start, months=labour)
            unit.warranty_end_date = max(
                (d for d in (unit.warranty_parts_end_date, unit.warranty_labour_end_date) if d), default=False
            )
            life_start = unit.delivery_date or start
            unit.service_life_end_date = period_end(life_start, years=unit.service_life_years or 10)

    @api.depends(
        "warranty_void",
        "warranty_parts_end_date",
        "warranty_labour_end_date",
        "warranty_hours_limit",
        "current_hours",
    )
    @api.depends_context("tz")
    def _compute_warranty_state(self):
        today = fields.Date.context_today(self)
        for unit in self:
            unit.warranty_state = unit._get_warranty_state(today)["state"]

    def _search_warranty_state(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        today = fields.Date.context_today(self)
        running = (
            Domain("warranty_void", "=", False)
            & (
                Domain("warranty_parts_end_date", ">=", today)
                | Domain("warranty_labour_end_date", ">=", today)
            )
            & (
                Domain("warranty_hours_limit", "=", 0)
                | Domain.custom(
                    to_sql=lambda model, alias, query: SQL(
                        "%s < %s",
                        model._field_to_sql(alias, "current_hours", query),
                        model._field_to_sql(alias, "warranty_hours_limit", query),
                    )
                )
            )
        )
        by_state = {
            "in_warranty": running,
            "void": Domain("warranty_void", "=", True),
            "expired": Domain("warranty_void", "=", False) & ~running,
        }
        domain = Domain.OR(by_state[state] for state in value if state in by_state)
        return domain if operator == "in" else ~domain

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        products = self.env["product.product"].browse(
            {vals["product_id"] for vals in vals_list if vals.get("product_id")}
        )
        for vals in vals_list:
            if vals.get("product_id") and not any(name in vals for name in WARRANTY_TERM_FIELDS):
                product = products.browse(vals["product_id"])
                vals.update(product.product_tmpl_id._get_warranty_terms_vals())
        return super().create(vals_list)

    # --------------------------------------------------------------- actions

    def action_apply_warranty_terms(self):
        """Re-apply the product's current warranty terms to these units (managers)."""
        self._check_warranty_manager()
        for unit in self:
            unit.write(unit.product_id.product_tmpl_id._get_warranty_terms_vals())
            unit.message_post(
                body=self.env._("Warranty terms re-applied from product %s.", unit.product_id.display_name)
            )
        return True

    def action_void_warranty(self):
        self._check_warranty_manager()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Void Warranty"),
            "res_model": "after_sales.warranty.void.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

    def action_unvoid_warranty(self):
        """Restore a voided warranty (managers), tracked in the chatter."""
        self._check_warranty_manager()
        for unit in self.filtered("warranty_void"):
            unit.write(
                {
                    "warranty_void": False,
                    "warranty_void_reason": False,
                    "warranty_void_note": False,
                    "warranty_void_date": False,
                    "warranty_void_user_id": False,
                }
            )
            unit.message_post(body=self.env._("Warranty restored."))
        return True

    @api.model
    @api.readonly
    def action_open_warranty_ending(self, days=30):
        """Units whose warranty ends within ``days`` days, for a sales follow-up."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_warranty.after_sales_equipment_action_warranty_ending"
        )
        action["domain"] = list(self._get_warranty_ending_domain(days))
        return action

    # -------------------------------------------------------------- business

    def _check_warranty_manager(self):
        if not (self.env.su or self.env.user.has_group("after_sales_service.group_after_sales_manager")):
            raise AccessError(self.env._("Only After-Sales managers can change a unit's warranty."))

    def _void_warranty(self, reason, note=False):
        """Void the warranty of these units with ``reason`` (managers)."""
        self._check_warranty_manager()
        if reason not in dict(VOID_REASONS):
            raise UserError(self.env._("Choose why the warranty is void."))
        if reason == "other" and not (note or "").strip():
            raise UserError(self.env._("Describe why the warranty is void."))
        labels = dict(self._fields["warranty_void_reason"]._description_selection(self.env))
        self.write(
            {
                "warranty_void": True,
                "warranty_void_reason": reason,
                "warranty_void_note": note,
                "warranty_void_date": fields.Date.context_today(self),
                "warranty_void_user_id": self.env.user.id,
            }
        )
        for unit in self:
            unit.message_post(
                body=self.env._("Warranty void: %(reason)s. %(note)s", reason=labels[reason], note=note or "")
            )

    def _get_warranty_start_date(self):
        """Warranty start: the date of the unit's start basis, else delivery, else registration."""
        self.ensure_one()
        basis_date = {
            "delivery": self.delivery_date,
            "commissioning": self.commissioning_date,
            "invoice": self.invoice_date,
        }.get(self.warranty_start_basis)
        return (
            basis_date
            or self.delivery_date
            or self.sale_date
            or fields.Date.to_date(self.create_date or fields.Date.context_today(self))
        )

    def _get_warranty_state(self, date=None, hours=None):
        """Warranty of this unit on ``date`` at ``hours`` of operation (defaults: today, last reading).

        Returns a dict: ``state`` (in_warranty / expired / void), ``parts`` and ``labour``
        (bool: is that side covered), ``parts_reason`` and ``labour_reason`` (why, translated).
        Reads only the unit's stored fields: no query per unit once they are prefetched.
        """
        self.ensure_one()
        date = date or fields.Date.context_today(self)
        hours = self.current_hours if hours is None else hours
        if self.warranty_void:
            reason = coverage_reason(
                self.env,
                _lt(
                    "Warranty void: %s",
                    SelectionValue(self._name, "warranty_void_reason", self.warranty_void_reason),
                ),
            )
            return {
                "state": "void",
                "parts": False,
                "labour": False,
                "parts_reason": reason,
                "labour_reason": reason,
            }
        if self.warranty_hours_limit and hours >= self.warranty_hours_limit:
            reason = coverage_reason(
                self.env,
                _lt(
                    "Warranty hours limit of %(limit)s h reached (%(hours)s h).",
                    limit=self.warranty_hours_limit,
                    hours=hours,
                ),
            )
            return {
                "state": "expired",
                "parts": False,
                "labour": False,
                "parts_reason": reason,
                "labour_reason": reason,
            }
        result = {"state": "expired"}
        for side, end, label in (
            ("parts", self.warranty_parts_end_date, _lt("Parts warranty")),
            ("labour", self.warranty_labour_end_date, _lt("Labour warranty")),
        ):
            if not end:
                result[side], reason = False, coverage_reason(self.env, _lt("%s: none for this unit.", label))
            elif date > end:
                result[side], reason = (
                    False,
                    coverage_reason(self.env, _lt("%(side)s ended on %(date)s.", side=label, date=end)),
                )
            else:
                result[side], reason = (
                    True,
                    coverage_reason(self.env, _lt("%(side)s until %(date)s.", side=label, date=end)),
                )
                result["state"] = "in_warranty"
            result[f"{side}_reason"] = reason
        return result

    def _get_public_page_values(self):
        """The unit's public page (its QR code) shows its warranty: the state, the parts and labour
        end dates and the hours limit (never why a warranty is void)."""
        values = super()._get_public_page_values()
        state = self._get_warranty_state()
        values["warranty"] = {
            "state": state["state"],
            "parts": state["parts"],
            "labour": state["labour"],
            "parts_end_date": self.warranty_parts_end_date,
            "labour_end_date": self.warranty_labour_end_date,
            "hours_limit": self.warranty_hours_limit,
        }
        return values

    def _decide_warranty(self, day, line_type, product=None, hours=None):
        """(covered, reason): does this unit's warranty cover work or a part on ``day``?

        The one warranty decision of the suite, for service lines and dealer claim lines alike:
        ``line_type`` "part" is judged on the parts period (and the part categories the unit's
        terms exclude, with ``product``), anything else on the labour period; ``hours`` are the
        operating hours at the time (default: the last reading). Reads only stored fields of the
        unit and the product's category: no query per line once they are prefetched.
        """
        self.ensure_one()
        state = self._get_warranty_state(day, hours)
        side = "parts" if line_type == "part" else "labour"
        if not state[side]:
            return False, state[f"{side}_reason"]
        if line_type == "part" and self.warranty_excluded_categ_ids and product:
            excluded = set(self.warranty_excluded_categ_ids.ids)
            categ = product.categ_id
            if any(int(cid) in excluded for cid in (categ.parent_path or "").split("/") if cid):
                return False, coverage_reason(
                    self.env, _lt("Category %s is excluded from the warranty.", categ.display_name)
                )
        return True, state[f"{side}_reason"]

    def _get_vendor_warranty(self, product, day, company):
        """(vendor, warranty end) when ``product``'s vendor warranty runs on ``day``, else (False, False).

        The vendor's months (on the vendor line of ``company``, else on the product) run from
        this unit's warranty start.
        """
        self.ensure_one()
        if not product:
            return False, False
        sellers = product.seller_ids.filtered(lambda s: not s.company_id or s.company_id == company).sorted(
            "sequence"
        )
        seller = next((s for s in sellers if s.warranty_months), sellers[:1])
        months = seller.warranty_months or product.vendor_warranty_months
        if not seller or not months:
            return False, False
        end = period_end(self.warranty_start_date, months=months)
        if day > end:
            return False, False
        return seller.partner_id.commercial_partner_id, end

    @api.model
    def _get_warranty_ending_domain(self, days):
        """Units in warranty whose warranty ends within ``days`` days from today."""
        today = fields.Date.context_today(self)
        return (
            Domain("warranty_void", "=", False)
            & Domain("warranty_end_date", ">=", today)
            & Domain("warranty_end_date", "<=", today + relativedelta(days=days))
        )

    @api.model
    def _get_past_service_life_domain(self):
        return Domain("service_life_end_date", "<", fields.Date.context_today(self))

    def _prepare_from_move_line_vals(self, move_line):
        vals = super()._prepare_from_move_line_vals(move_line)
        picking = move_line.picking_id
        sale = picking.sale_id if "sale_id" in picking._fields else False
        invoices = sale and sale.invoice_ids.filtered(
            lambda m: m.state == "posted" and m.move_type == "out_invoice"
        )
        if invoices:
            vals["invoice_date"] = min(invoices.mapped("invoice_date"))
        return vals
