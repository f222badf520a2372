from odoo import api, models

from odoo.addons.after_sales_service.wizards.after_sales_xlsx_registry_mixin import XlsxColumn


class AfterSalesDealerClaimXlsxWizard(models.TransientModel):
    """The dealer claims registry with the settlement of each line and the days to payment."""

    _inherit = "after_sales.dealer.claim.xlsx.wizard"

    def _get_rows(self, report_rows):
        rows = super()._get_rows(report_rows)
        Report = self.env["after_sales.dealer.claim.report"]
        statuses = dict(Report._fields["settlement_status"]._description_selection(self.env))
        for row, report_row in zip(rows, report_rows, strict=True):
            row.update(
                {
                    "settlement_status": statuses.get(report_row.settlement_status, ""),
                    "settle_move": report_row.settle_move_name or "",
                    "settle_date": report_row.settle_date or None,
                    "payment_date": report_row.payment_date or None,
                    "days_to_settlement": report_row.days_to_settlement if report_row.settle_date else None,
                    "days_to_payment": report_row.days_to_payment if report_row.is_paid else None,
                }
            )
        return rows

    def _get_registry_columns(self):
        _ = self.env._
        return [
            *super()._get_registry_columns(),
            XlsxColumn("settlement_status", "text", _("Settlement")),
            XlsxColumn("settle_move", "text", _("Settled By")),
            XlsxColumn("settle_date", "date", _("Settlement Posted On")),
            XlsxColumn("payment_date", "date", _("Paid On")),
            XlsxColumn("days_to_settlement", "integer", _("Days Repair to Settlement")),
            XlsxColumn("days_to_payment", "integer", _("Days Repair to Payment")),
        ]

    def _get_figure_columns(self):
        _ = self.env._
        return [
            *super()._get_figure_columns(),
            XlsxColumn("days_to_settlement", "number", _("Avg Days Repair to Settlement")),
            XlsxColumn("days_to_payment", "number", _("Avg Days Repair to Payment")),
        ]

    @api.model
    def _slice_figures(self, rows):
        figures = super()._slice_figures(rows)
        figures["days_to_settlement"] = self._claim_average(rows, "days_to_settlement")
        figures["days_to_payment"] = self._claim_average(rows, "days_to_payment")
        return figures
