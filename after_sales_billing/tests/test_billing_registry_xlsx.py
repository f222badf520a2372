import base64
import io
import re
import zipfile
from unittest.mock import patch

from lxml import etree

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.after_sales_service.wizards.after_sales_xlsx_registry_mixin import XlsxColumn
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import AfterSalesBillingCommon

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def read_xlsx(content):
    """The first sheet as a list of rows {column letter: value} (strings and floats)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        strings = []
        if "xl/sharedStrings.xml" in archive.namelist():
            shared = etree.fromstring(archive.read("xl/sharedStrings.xml"))
            strings = ["".join(si.itertext()) for si in shared.findall("m:si", NS)]
        sheet = etree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iterfind(".//m:sheetData/m:row", NS):
        values = {}
        for cell in row.findall("m:c", NS):
            column = re.match(r"[A-Z]+", cell.get("r")).group()
            value = cell.findtext("m:v", namespaces=NS)
            if cell.get("t") == "s":
                values[column] = strings[int(value)]
            elif value is not None:
                values[column] = float(value)
        rows.append(values)
    return rows


@tagged("post_install", "-at_install")
class TestBillingRegistryXlsx(AfterSalesBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alpha = cls._create_customer("Alpha Mining")
        cls.beta = cls._create_customer("Beta Energy")
        cls.alpha_unit = cls._create_unit(
            partner=cls.alpha, lot=cls._create_lot(cls.product_unit, "SN-REG-1")
        )
        cls.alpha_contract = cls._create_contract(cls.alpha, pricelist_id=cls.pl_contract.id)

    def _export(self, date_from="2026-03-01", date_to="2026-03-31", **vals):
        wizard = (
            self.env["after_sales.billing.registry"]
            .with_user(self.billing_user)
            .create({"date_from": date_from, "date_to": date_to, **vals})
        )
        action = wizard.action_export()
        attachment_id = int(re.search(r"/web/content/(\d+)", action["url"]).group(1))
        self.assertEqual(action["type"], "ir.actions.act_url")
        attachment = self.env["ir.attachment"].browse(attachment_id)
        self.assertTrue(attachment.name.endswith(".xlsx"))
        return read_xlsx(base64.b64decode(attachment.datas))

    def test_registry_rows_and_totals(self):
        alpha_request = self._create_request(
            self.alpha,
            [self._work_line(), self._part_line(coverage="warranty", coverage_reason="Under warranty")],
            equipment_id=self.alpha_unit.id,
        )
        beta_request = self._create_request(self.beta, [self._part_line(quantity=3)])
        # outside the period and not done: not in the registry
        self._create_request(self.beta, [self._work_line(date="2026-04-02")])
        self._create_request(self.beta, [self._work_line(done=False)], resolved=False)
        self._run("customer", user=self.billing_user)
        invoice = beta_request.line_ids.invoice_id
        self.assertTrue(invoice)
        invoice.action_post()

        rows = self._export()
        title, period, header, *body, total = rows
        self.assertEqual(title, {"A": "Billing Registry"})
        self.assertEqual(
            period, {"A": f"{self.env.company.name}, done service lines from 2026-03-01 to 2026-03-31"}
        )
        self.assertEqual(header["A"], "Customer")
        self.assertEqual(header["O"], "Invoice Status")
        self.assertEqual(len(body), 3)
        work, warranty, beta_part = body
        self.assertEqual(work["A"], "Alpha Mining")
        self.assertEqual(work["B"], self.alpha_contract.display_name)
        self.assertEqual(work["C"], alpha_request.name)
        self.assertEqual(work["F"], "SN-REG-1")
        self.assertEqual(work["H"], "Paid")
        # contract price list: 80 per norm-hour, 2 norm-hours
        self.assertEqual((work["J"], work["K"], work["L"], work["M"]), (2.0, 80.0, 160.0, 160.0))
        self.assertEqual(work["N"], alpha_request.line_ids[0].invoice_id.display_name)
        self.assertEqual(work["O"], "Draft")
        self.assertEqual(warranty["H"], "Warranty")
        self.assertEqual(warranty["I"], "Under warranty")
        self.assertEqual((warranty["L"], warranty["M"]), (40.0, 0.0))
        self.assertNotIn("N", warranty, "a covered line is not invoiced")
        self.assertEqual(beta_part["A"], "Beta Energy")
        self.assertEqual((beta_part["J"], beta_part["K"], beta_part["M"]), (3.0, 50.0, 150.0))
        self.assertEqual(beta_part["N"], invoice.name)
        self.assertTrue(invoice.name.startswith("INV"))
        self.assertEqual(beta_part["O"], "Posted")
        self.assertEqual(total["A"], "Total")
        self.assertEqual((total["L"], total["M"]), (160.0 + 40.0 + 150.0, 160.0 + 150.0))

    def test_registry_empty_and_bad_period(self):
        title, __, header, total = self._export("2025-01-01", "2025-01-31")
        self.assertEqual(title["A"], "Billing Registry")
        self.assertEqual(header["C"], "Request")
        self.assertEqual((total["A"], total["L"], total["M"]), ("Total", 0.0, 0.0))
        Registry = self.env["after_sales.billing.registry"].with_user(self.billing_user)
        with self.assertRaises(ValidationError):
            Registry.create({"date_from": "2026-03-31", "date_to": "2026-03-01"})
        self.assertFalse(Registry.search([("date_from", "=", "2026-03-31")]))

    def test_registry_other_company_refused(self):
        other_company = self.env["res.company"].create({"name": "Not Billed Here"})
        Registry = self.env["after_sales.billing.registry"].with_user(self.billing_user)
        wizard = Registry.create(
            {"date_from": "2026-03-01", "date_to": "2026-03-31", "company_id": other_company.id}
        )
        with self.assertRaises(UserError):
            wizard.action_export()
        self.assertFalse(self.env["ir.attachment"].search([("res_model", "=", Registry._name)]))

    def test_columns_come_from_the_specs(self):
        """A column that a sibling module adds through the hook is written with its title, and
        the columns after it, the totals too, move one to the right."""
        Registry = type(self.env["after_sales.billing.registry"])
        get_columns, get_rows = Registry._get_registry_columns, Registry._get_rows

        def _get_registry_columns(wizard):
            columns = get_columns(wizard)
            return [*columns[:3], XlsxColumn("subject", "text", "Subject"), *columns[3:]]

        def _get_rows(wizard, lines):
            rows = get_rows(wizard, lines)
            for row, line in zip(rows, lines, strict=True):
                row["subject"] = line.request_id.title
            return rows

        request = self._create_request(self.alpha, [self._work_line()], equipment_id=self.alpha_unit.id)
        with (
            patch.object(Registry, "_get_registry_columns", _get_registry_columns),
            patch.object(Registry, "_get_rows", _get_rows),
        ):
            __, __, header, row, total = self._export()
        self.assertEqual(
            [header[column] for column in "ABCDEP"],
            ["Customer", "Contract", "Request", "Subject", "Date", "Invoice Status"],
        )
        self.assertEqual((row["C"], row["D"], row["G"]), (request.name, "Does not start", "SN-REG-1"))
        self.assertEqual((total["A"], total["M"], total["N"]), ("Total", 160.0, 160.0))

    def test_large_registry_built_by_a_job(self):
        self._create_request(
            self.alpha, [self._work_line(), self._part_line()], equipment_id=self.alpha_unit.id
        )
        direct = self._export()
        self.env.company.after_sales_registry_background_rows = 1
        wizard = (
            self.env["after_sales.billing.registry"]
            .with_user(self.billing_user)
            .create({"date_from": "2026-03-01", "date_to": "2026-03-31"})
        )
        with trap_jobs() as trap:
            action = wizard.action_export()
            self.assertEqual(action["tag"], "display_notification")
            (job,) = trap.enqueued_jobs
            self.assertEqual((job.channel, job.user_id), ("root.after_sales.report", self.billing_user.id))
            trap.perform_enqueued_jobs()
        attachment = job.result
        self.assertEqual(attachment.create_uid, self.billing_user)
        self.assertEqual(read_xlsx(attachment.with_user(self.billing_user).raw), direct)
        self.assertTrue(self.env["mail.message"].search([("attachment_ids", "in", attachment.ids)]))
