from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    # set on the XLSX registries built by a job (their company says how long they are kept)
    after_sales_registry_company_id = fields.Many2one(
        "res.company",
        string="Background Registry of",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
    )

    @api.autovacuum
    def _gc_after_sales_registries(self):
        """Delete the XLSX registries built in the background once older than their company's
        days to keep (Settings > After-Sales > Keep Background Registries, 7 by default)."""
        now = fields.Datetime.now()
        domain = Domain.FALSE
        for company in self.env["res.company"].sudo().search([]):
            domain |= Domain("after_sales_registry_company_id", "=", company.id) & Domain(
                "create_date", "<", now - timedelta(days=company.after_sales_registry_keep_days)
            )
        old = self.sudo().search(domain)
        old.unlink()
        return len(old)
