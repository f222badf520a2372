import io
from collections import defaultdict
from datetime import date
from typing import NamedTuple

import xlsxwriter
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.queue_job.job import identity_exact

from ..jobs import CHANNEL_REPORT


class XlsxColumn(NamedTuple):
    """One column of a registry sheet.

    ``key`` of the row dict, cell ``kind`` (text, date, datetime, integer, number, hours, money,
    percent), ``title`` of the header and ``width`` in characters.
    """

    key: str
    kind: str
    title: str
    width: int = 16


class XlsxSlice(NamedTuple):
    """One slice sheet: the row ``key`` it groups by, its ``sheet`` name, the ``title`` of its labels."""

    key: str
    sheet: str
    title: str


class AfterSalesXlsxRegistryMixin(models.AbstractModel):
    """An XLSX registry of a period: one sheet of rows, then one sheet per slice of the rows.

    The export wizards inherit it and implement the hooks: ``_get_registry_records``,
    ``_get_rows``, ``_get_registry_columns``, the title, period and file name, and where the
    registry has slices ``_get_slice_sheets``, ``_get_figure_columns`` and ``_slice_figures``.
    Sibling modules add columns by extending the column hooks with ``super()``.
    """

    _name = "after_sales.xlsx.registry.mixin"
    _description = "XLSX Registry Export"
    # the figure by which the slices other than months are ordered, largest first
    _registry_slice_order = "count"

    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The start of the period is after its end."))

    # -------------------------------------------------------------- actions

    def action_export(self):
        """Build the registry workbook of the period and download it; a registry of more rows
        than the company's setting is built in the background and sent to the user."""
        self.ensure_one()
        self._check_company_allowed()
        return self._action_export()

    def _action_export(self):
        records = self._get_registry_records()
        if len(records) > self.company_id.after_sales_registry_background_rows:
            return self._action_export_in_background(len(records))
        attachment = self._create_registry_attachment(records, res_model=self._name, res_id=self.id)
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def _action_export_in_background(self, count):
        """Enqueue the building of a large registry (channel root.after_sales.report) and say so."""
        self.with_delay(
            channel=CHANNEL_REPORT,
            identity_key=identity_exact,
            description=self.env._("Build %s", self._get_file_name()),
        )._export_registry(self.copy_data()[0])
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self._get_registry_title(),
                "message": self.env._(
                    "The registry has %s rows: it is being built in the background. You will find "
                    "it in your inbox when it is ready.",
                    count,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _export_registry(self, vals):
        """Build the registry and send it to the user who asked (a job, run as that user).

        ``vals``: the wizard's values, to build it again if the wizard was cleaned away since.
        The file is the user's own attachment (linked to no record: only its creator reads it),
        delivered by a message in the user's inbox and a notification.
        """
        wizard = self.exists() or self.create(vals)
        wizard._check_company_allowed()  # the user's companies may have changed since
        attachment = wizard._create_registry_attachment(wizard._get_registry_records())
        # cleaned away after the company's days (``ir.attachment._gc_after_sales_registries``)
        attachment.sudo().after_sales_registry_company_id = wizard.company_id
        wizard._notify_registry_ready(attachment)
        return attachment

    def _create_registry_attachment(self, records, res_model=False, res_id=False):
        """The registry workbook of ``records`` as an attachment of ``res_model``/``res_id`` (of no
        record by default: then only its creator and the administrators read it)."""
        return self.env["ir.attachment"].create(
            {
                "name": self._get_file_name(),
                "raw": self._build_workbook(self._get_rows(records)),
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "res_model": res_model,
                "res_id": res_id,
            }
        )

    def _notify_registry_ready(self, attachment):
        """Tell the current user the registry ``attachment`` is ready: an inbox message carrying
        the file (or an e-mail, as the user chose) and a notification in the open browser."""
        user = self.env.user
        text = self.env._("Your %s is ready.", self._get_registry_title())
        url = f"/web/content/{attachment.id}?download=true"
        self.env["mail.thread"].message_notify(
            partner_ids=user.partner_id.ids,
            author_id=self.env.ref("base.partner_root").id,
            subject=attachment.name,
            body=Markup('<p>%s</p><p><a href="%s">%s</a></p>') % (text, url, attachment.name),
            attachment_ids=attachment.ids,
        )
        user._bus_send(
            "simple_notification",
            {
                "type": "success",
                "title": self._get_registry_title(),
                "message": self.env._("%s is ready: you will find it in your inbox.", attachment.name),
                "sticky": True,
            },
        )

    # ---------------------------------------------------------------- hooks

    def _check_company_allowed(self):
        if self.company_id not in self.env.user.company_ids:
            raise UserError(self.env._("You have no access to company %s.", self.company_id.name))

    def _get_file_name(self):
        """The name of the downloaded file."""
        raise NotImplementedError

    def _get_registry_title(self):
        """The title row of the registry sheet."""
        raise NotImplementedError

    def _get_period_label(self):
        """The second row of every sheet: company, what is counted, the period."""
        raise NotImplementedError

    def _get_registry_records(self):
        """The records of the period, one or more rows each."""
        raise NotImplementedError

    def _get_rows(self, records):
        """One dict per registry row: the values of the columns and the slice labels."""
        raise NotImplementedError

    def _get_registry_columns(self):
        """[XlsxColumn] of the registry sheet (sibling modules add theirs with ``super()``)."""
        return []

    def _get_registry_totals(self, rows):
        """{column key: value} of a total row under the registry; none when empty."""
        return {}

    def _get_registry_sheet_name(self):
        """The name of the first sheet."""
        return self.env._("Registry")

    def _get_slice_sheets(self):
        """[XlsxSlice], one sheet each after the registry, in this order."""
        return []

    def _get_figure_columns(self):
        """[XlsxColumn] of the figures of the slice sheets, by key of ``_slice_figures``."""
        return []

    @api.model
    def _slice_figures(self, rows):
        """{figure key: value} of ``rows``."""
        return {"count": len(rows)}

    def _get_slices(self, rows):
        """{slice key: [(label, figures), ...]}: months in order, the others largest first."""
        order = self._registry_slice_order
        slices = {}
        for spec in self._get_slice_sheets():
            groups = defaultdict(list)
            for row in rows:
                groups[row[spec.key]].append(row)
            figures = [(label, self._slice_figures(group)) for label, group in groups.items()]
            if spec.key == "month":
                figures.sort(key=lambda item: item[0])
            else:
                figures.sort(key=lambda item: (-item[1][order], item[0]))
            slices[spec.key] = figures
        return slices

    # ------------------------------------------------------------- workbook

    def _build_workbook(self, rows):
        """The registry and its slices as XLSX bytes."""
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        formats = self._get_cell_formats(workbook)
        period = self._get_period_label()
        self._write_sheet(
            workbook.add_worksheet(self._get_registry_sheet_name()),
            formats,
            self._get_registry_title(),
            period,
            self._get_registry_columns(),
            rows,
            totals=self._get_registry_totals(rows),
            autofilter=True,
        )
        figure_columns = self._get_figure_columns()
        totals = self._slice_figures(rows)
        slices = self._get_slices(rows)
        for spec in self._get_slice_sheets():
            self._write_sheet(
                workbook.add_worksheet(spec.sheet),
                formats,
                spec.sheet,
                period,
                [XlsxColumn(spec.key, "text", spec.title, 36), *figure_columns],
                [{**values, spec.key: label} for label, values in slices[spec.key]],
                totals={**totals, spec.key: self.env._("Total")},
            )
        self._write_extra_sheets(workbook, formats, period)
        workbook.close()
        return output.getvalue()

    def _write_extra_sheets(self, workbook, formats, period):
        """Sheets after the slices that are not made of the rows (a hook, with ``_write_sheet``)."""

    def _get_cell_formats(self, workbook):
        """{kind: format} of the cells, {"total_" + kind: format} of the total row, title, header."""
        currency = self.company_id.currency_id
        money = "#,##0." + "0" * currency.decimal_places if currency.decimal_places else "#,##0"
        num_formats = {
            "text": None,
            "date": "yyyy-mm-dd",
            "datetime": "yyyy-mm-dd hh:mm",
            "integer": "0",
            "number": "0.00",
            "hours": "0.00",
            "money": money,
            "percent": "0.0",
        }
        formats = {
            "title": workbook.add_format({"bold": True, "font_size": 13}),
            "header": workbook.add_format(
                {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
            ),
        }
        for kind, num_format in num_formats.items():
            formats[kind] = num_format and workbook.add_format({"num_format": num_format})
            formats[f"total_{kind}"] = workbook.add_format(
                {"bold": True, "top": 1, **({"num_format": num_format} if num_format else {})}
            )
        return formats

    def _write_sheet(self, sheet, formats, title, period, columns, rows, totals=None, autofilter=False):
        """Title, period, the header on the 4th row, ``rows`` under it, then the ``totals`` row."""
        sheet.write(0, 0, title, formats["title"])
        sheet.write(1, 0, period)
        for col, column in enumerate(columns):
            sheet.write(3, col, column.title, formats["header"])
            sheet.set_column(col, col, column.width)
        row_index = 4
        for row in rows:
            for col, column in enumerate(columns):
                self._write_cell(sheet, row_index, col, row[column.key], formats[column.kind])
            row_index += 1
        for col, column in enumerate(columns if totals else []):
            total_format = formats[f"total_{column.kind}"]
            self._write_cell(sheet, row_index, col, totals.get(column.key), total_format)
        sheet.freeze_panes(4, 1)
        if autofilter and rows:
            sheet.autofilter(3, 0, 3 + len(rows), len(columns) - 1)

    @api.model
    def _write_cell(self, sheet, row, col, value, cell_format=None):
        if value is None or value == "" or value is False:
            sheet.write_blank(row, col, None, cell_format)
        elif isinstance(value, date):  # datetimes too
            sheet.write_datetime(row, col, value, cell_format)
        elif isinstance(value, int | float):
            sheet.write_number(row, col, value, cell_format)
        else:
            sheet.write_string(row, col, str(value), cell_format)
