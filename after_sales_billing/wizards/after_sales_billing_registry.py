import base64
import io

import xlsxwriter

from odoo import fields, models
from odoo.exceptions import UserError


class AfterSalesBillingRegistry(models.TransientModel):
    _name = "after_sales.billing.registry"
    _description = "Billing Registry Export"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)

    def _get_registry_lines(self):
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

    def _get_registry_headers(self):
        _ = self.env._
        return [
            _("Customer"),
            _("Contract"),
            _("Request"),
            _("Date"),
            _("Unit"),
            _("Serial Number"),
            _("Line"),
            _("Coverage"),
            _("Coverage Reason"),
            _("Quantity"),
            _("Unit Price"),
            _("Amount"),
            _("Customer Pays"),
            _("Invoice"),
            _("Invoice Status"),
        ]

    def _get_registry_row(self, line):
        coverage = dict(line._fields["coverage"]._description_selection(self.env))
        invoice = line.invoice_id
        states = dict(invoice._fields["state"]._description_selection(self.env))
        request = line.request_id
        return [
            line.partner_id.display_name or "",
            request.contract_id.display_name or "",
            request.name or "",
            line.date,
            line.equipment_id.display_name or request.product_id.display_name or "",
            request.lot_id.name or "",
            line.name or line.product_id.display_name or "",
            coverage.get(line.coverage or "paid", ""),
            line.coverage_reason_display or "",
            line.quantity,
            line.price_unit,
            line.price_subtotal,
            line.amount_charged,
            invoice.name if invoice.name and invoice.name != "/" else invoice.display_name or "",
            states.get(invoice.state, "") if invoice else "",
        ]

    def _build_xlsx(self, lines):
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(self.env._("Billing Registry"))
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
        headers = self._get_registry_headers()
        sheet.write_row(0, 0, headers, bold)
        row = 0
        for row, line in enumerate(lines, start=1):
            values = self._get_registry_row(line)
            for col, value in enumerate(values):
                if col == 3:
                    sheet.write_datetime(row, col, fields.Datetime.to_datetime(value), date_fmt)
                elif col in (10, 11, 12):
                    sheet.write_number(row, col, value, money)
                elif col == 9:
                    sheet.write_number(row, col, value)
                else:
                    sheet.write_string(row, col, value)
        total_row = row + 1
        sheet.write_string(total_row, 0, self.env._("Total"), bold)
        sheet.write_number(total_row, 11, sum(lines.mapped("price_subtotal")), money)
        sheet.write_number(total_row, 12, sum(lines.mapped("amount_charged")), money)
        sheet.set_column(0, 8, 18)
        sheet.set_column(9, 14, 12)
        sheet.freeze_panes(1, 0)
        workbook.close()
        return output.getvalue()

    def action_export(self):
        self.ensure_one()
        if self.date_from > self.date_to:
            raise UserError(self.env._("The start of the period must not be after its end."))
        lines = self._get_registry_lines()
        content = self._build_xlsx(lines)
        filename = self.env._(
            "Billing Registry %(start)s - %(end)s.xlsx", start=self.date_from, end=self.date_to
        )
        attachment = self.env["ir.attachment"].create(
            {
                "name": filename,
                "datas": base64.b64encode(content),
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }
