from odoo import models

from odoo.addons.after_sales_service.wizards.after_sales_xlsx_registry_mixin import XlsxColumn


class AfterSalesBillingRegistry(models.TransientModel):
    """The billing registry: the done service lines of the period, billed or still billable."""

    _name = "after_sales.billing.registry"
    _inherit = ["after_sales.xlsx.registry.mixin"]
    _description = "Billing Registry Export"

    def _get_file_name(self):
        return self.env._("Billing Registry %(start)s - %(end)s.xlsx", start=self.date_from, end=self.date_to)

    def _get_registry_title(self):
        return self.env._("Billing Registry")

    def _get_period_label(self):
        return self.env._(
            "%(company)s, done service lines from %(start)s to %(end)s",
            company=self.company_id.name,
            start=self.date_from,
            end=self.date_to,
        )

    def _get_registry_sheet_name(self):
        return self.env._("Billing Registry")

    def _get_registry_records(self):
        """Done service lines of the period: billed ones and those still billable."""
        self.ensure_one()
        return (
            self.env["after_sales.request.line"]
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("done", "=", True),
                    ("date", ">=", self.date_from),
                    ("date", "<=", self.date_to),
                    ("request_id.stage_id.is_cancel", "=", False),
                ]
            )
            .sorted(lambda ln: (ln.partner_id.name or "", ln.request_id.name or "", ln.date, ln.id))
        )

    def _get_registry_columns(self):
        _ = self.env._
        return [
            XlsxColumn("customer", "text", _("Customer"), 18),
            XlsxColumn("contract", "text", _("Contract"), 18),
            XlsxColumn("request", "text", _("Request"), 18),
            XlsxColumn("date", "date", _("Date"), 18),
            XlsxColumn("unit", "text", _("Unit"), 18),
            XlsxColumn("serial", "text", _("Serial Number"), 18),
            XlsxColumn("line", "text", _("Line"), 18),
            XlsxColumn("coverage", "text", _("Coverage"), 18),
            XlsxColumn("coverage_reason", "text", _("Coverage Reason"), 18),
            XlsxColumn("quantity", "number", _("Quantity"), 12),
            XlsxColumn("price_unit", "money", _("Unit Price"), 12),
            XlsxColumn("amount", "money", _("Amount"), 12),
            XlsxColumn("amount_charged", "money", _("Customer Pays"), 12),
            XlsxColumn("invoice", "text", _("Invoice"), 12),
            XlsxColumn("invoice_state", "text", _("Invoice Status"), 12),
        ]

    def _get_rows(self, lines):
        """One dict per service line with the registry values."""
        RequestLine = self.env["after_sales.request.line"]
        coverage = dict(RequestLine._fields["coverage"]._description_selection(self.env))
        states = dict(self.env["account.move"]._fields["state"]._description_selection(self.env))
        rows = []
        for line in lines:
            invoice = line.invoice_id
            request = line.request_id
            rows.append(
                {
                    "customer": line.partner_id.display_name or "",
                    "contract": request.contract_id.display_name or "",
                    "request": request.name or "",
                    "date": line.date,
                    "unit": line.equipment_id.display_name or request.product_id.display_name or "",
                    "serial": request.lot_id.name or "",
                    "line": line.name or line.product_id.display_name or "",
                    "coverage": coverage.get(line.coverage or "paid", ""),
                    "coverage_reason": line.coverage_reason_display or "",
                    "quantity": line.quantity,
                    "price_unit": line.price_unit,
                    "amount": line.price_subtotal,
                    "amount_charged": line.amount_charged,
                    "invoice": (
                        invoice.name if invoice.name and invoice.name != "/" else invoice.display_name or ""
                    ),
                    "invoice_state": states.get(invoice.state, "") if invoice else "",
                }
            )
        return rows

    def _get_registry_totals(self, rows):
        return {
            "customer": self.env._("Total"),
            "amount": sum(row["amount"] for row in rows),
            "amount_charged": sum(row["amount_charged"] for row in rows),
        }
