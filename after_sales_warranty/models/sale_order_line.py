from odoo import api, fields, models
from odoo.tools import float_compare


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    after_sales_equipment_id = fields.Many2one(
        "after_sales.equipment",
        string="Extended Unit",
        index="btree_not_null",
        copy=False,
        domain="[('partner_id', '=', order_partner_id), ('company_id', '=', company_id)]",
        help="The unit whose warranty this warranty-extension line extends.",
    )
    is_warranty_extension = fields.Boolean(related="product_id.is_warranty_extension")
    after_sales_extension_ids = fields.One2many(
        "after_sales.warranty.extension", "sale_line_id", string="Warranty Extensions"
    )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.filtered("after_sales_equipment_id")._sync_warranty_extensions()
        return lines

    def write(self, vals):
        res = super().write(vals)
        if "after_sales_equipment_id" in vals:
            self._sync_warranty_extensions()
        return res

    def _is_warranty_extension_due(self):
        """Trigger: the order is confirmed and the line is fully invoiced (posted customer invoice).

        Invoicing rather than delivery, because an extension is a service nothing is shipped for,
        and a credit note or a cancelled order must take the extension back.
        """
        self.ensure_one()
        return (
            self.product_id.is_warranty_extension
            and bool(self.after_sales_equipment_id)
            and self.order_id.state == "sale"
            and float_compare(
                self.qty_invoiced_posted,
                self.product_uom_qty,
                precision_rounding=self.product_uom_id.rounding or 0.01,
            )
            >= 0
            and self.product_uom_qty > 0
        )

    def _prepare_warranty_extension_vals(self):
        """Values of the extension this line gives its unit (a hook)."""
        self.ensure_one()
        template = self.product_id.product_tmpl_id
        return {
            "equipment_id": self.after_sales_equipment_id.id,
            "product_id": self.product_id.id,
            "months": template.warranty_extension_months * max(int(self.product_uom_qty), 1),
            "scope": template.warranty_extension_scope or "both",
            "date": fields.Date.context_today(self),
            "sale_line_id": self.id,
        }

    def _sync_warranty_extensions(self):
        """Create the extensions that became due and remove those no longer due.

        Called when salespeople and accountants confirm, cancel and invoice orders: they need
        no After-Sales rights, so the extensions (the suite's own records) are read and written
        as superuser.
        """
        lines = self.sudo().filtered(
            lambda line: line.product_id.is_warranty_extension or line.after_sales_extension_ids
        )
        if not lines:
            return
        Extension = self.env["after_sales.warranty.extension"].sudo()
        existing = Extension.search([("sale_line_id", "in", lines.ids)])
        by_line = {extension.sale_line_id.id: extension for extension in existing}
        to_remove = Extension
        to_create = []
        for line in lines:
            extension = by_line.get(line.id)
            if line._is_warranty_extension_due():
                if extension and extension.equipment_id != line.after_sales_equipment_id:
                    to_remove |= extension
                    extension = False
                if not extension:
                    to_create.append(line._prepare_warranty_extension_vals())
            elif extension:
                to_remove |= extension
        to_remove.unlink()
        Extension.create(to_create)
