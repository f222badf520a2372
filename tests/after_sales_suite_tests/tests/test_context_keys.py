import re
from pathlib import Path

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools.misc import file_path

from odoo.addons.after_sales_billing.tests.batch_jobs import run_jobs

SUITE = ["after_sales_service", "after_sales_warranty", "after_sales_parts", "after_sales_billing"]
READ_KEY = re.compile(r"""context(?:\.get\(|\[)\s*["']([\w.]+)["']""")
# chunk sizes are read through the service tools' helper, by their literal name too
READ_CHUNK = re.compile(r"""context_chunk_size\(\s*[\w.]+,\s*["']([\w.]+)["']""")
READ_ANY = re.compile(r"""^.*context(?:\.get\(|\[)\s*(?!["']).*$""", re.MULTILINE)
# the one place a key is not a literal: the helper reading the chunk sizes named above
NOT_LITERAL_ALLOWED = {("after_sales_service/tools.py", "value = env.context.get(key)")}

# Every context key the suite's code reads, and why a caller who sets it (RPC callers choose
# their context: ``call_kw`` passes ``kwargs.context``) switches no business rule off.
HARMLESS_KEYS = {
    "active_ids": "wizard defaults: the wizard's action checks the rights on each record it acts on",
    "default_stage_id": "Odoo's default for a new request's stage: the same checks as a stage in the values",
    "default_engineer_ids": "Odoo's default for a new visit's engineers (the dispatch board's row): the "
    "same checks as engineers in the values",
    "tz": "the time zone dates are shown in",
    "mail_create_nolog": "Odoo's key: only whether invoice creation is logged in the chatter",
    "tracking_disable": "Odoo's key: only whether invoice creation is logged in the chatter",
    "after_sales_billing_chunk_size": "invoices per transaction of a billing run (a positive whole number, "
    "else the default): every line is still billed once",
    "after_sales_billing_chunk_lines": "lines per transaction of a billing run: as the chunk size",
    "after_sales_settlement_chunk_size": "bills per transaction of a dealer settlement (a positive whole "
    "number, else the default): every claim is still paid once",
    "after_sales_settlement_chunk_lines": "lines per transaction of a dealer settlement: as the chunk size",
    "after_sales_mail_automatic": "set by mail routing for automatic mails: a reply then moves no stage "
    "(it only does less)",
    "mark_estimate_as_sent": "an internal user's composer marks a draft estimate sent, as sale does; "
    "that user may send it anyway, a portal customer's post is ignored",
    "mail_notify_force_send": "Odoo's key: only whether the escalation's e-mails leave at once or with "
    "the mail queue's next run; they are created either way",
    "job_uuid": "set by queue_job on the job it performs: the finishing job of a batch run does not "
    "wait for itself; only a job runs that private method, and the run's row lock still guards it",
}


def suite_context_keys():
    """``{key: [file, ...]}`` of the context keys read by the suite's code (tests excluded)."""
    keys = {}
    for module in SUITE:
        root = Path(file_path(module))
        for path in sorted(root.rglob("*.py")):
            if "tests" in path.relative_to(root).parts:
                continue
            text = path.read_text(encoding="utf-8")
            name = str(path.relative_to(root.parent))
            for key in READ_KEY.findall(text) + READ_CHUNK.findall(text):
                keys.setdefault(key, []).append(name)
            for line in READ_ANY.findall(text):
                if (name, line.strip()) not in NOT_LITERAL_ALLOWED:
                    keys.setdefault("<not a literal>", []).append(f"{name}: {line.strip()}")
    return keys


@tagged("post_install", "-at_install")
class TestContextKeys(HttpCase):
    """No context key lets a plain After-Sales user, over ``/web/dataset/call_kw``, change the
    coverage, price, quantity or ``done`` of a line, or delete a line its owner keeps."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        company = env.company
        if not company.chart_template:
            env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
        company.after_sales_estimate_threshold = 0.0
        company.after_sales_parts_approval_threshold = 0.0
        cls.clerk = new_test_user(
            env,
            login="ctx_clerk",
            password="ctx_clerk_pw1",
            groups="after_sales_service.group_after_sales_user",
        )
        billing_user = new_test_user(
            env,
            login="ctx_billing",
            groups="account.group_account_invoice,after_sales_service.group_after_sales_user",
        )
        storekeeper = new_test_user(
            env,
            login="ctx_storekeeper",
            groups="stock.group_stock_user,after_sales_service.group_after_sales_user",
        )
        env["hr.employee"].create({"name": "Ctx Engineer", "user_id": cls.clerk.id})
        labour = env.ref("after_sales_service.product_labour")
        labour.after_sales_norm_hours = 0.0
        company.after_sales_labour_product_id = labour
        cls.stage_resolved = env.ref("after_sales_service.stage_resolved")
        customer = env["res.partner"].create({"name": "Ctx Customer", "is_company": True})
        work = env["product.product"].create({"name": "Ctx Work", "type": "service", "list_price": 100.0})
        gasket = env["product.product"].create(
            {"name": "Ctx Gasket", "type": "consu", "is_storable": True, "list_price": 25.0}
        )
        warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        env["stock.quant"]._update_available_quantity(gasket, warehouse.lot_stock_id, 10)
        Request = env["after_sales.request"]
        # an invoiced line
        invoiced = Request.create(
            {
                "title": "Invoiced",
                "partner_id": customer.id,
                "line_ids": [
                    Command.create(
                        {"line_type": "work", "product_id": work.id, "done": True, "date": "2026-03-10"}
                    )
                ],
            }
        )
        invoiced.stage_id = cls.stage_resolved
        run = (
            env["after_sales.billing.run"]
            .with_user(billing_user)
            .create(
                {
                    "date_from": "2026-03-01",
                    "date_to": "2026-03-31",
                    "request_ids": [Command.set(invoiced.ids)],
                }
            )
        )
        with run_jobs():
            run.action_run()
        run.invoice_ids.with_user(billing_user).action_post()
        cls.invoiced_line = invoiced.line_ids
        # a line recording a timesheet
        cls.request = Request.with_user(cls.clerk).create({"title": "Logged", "partner_id": customer.id})
        cls.timesheet = (
            env["account.analytic.line"]
            .with_user(cls.clerk)
            .create(
                {
                    "name": "On site",
                    "unit_amount": 1.5,
                    "date": "2026-03-10",
                    "after_sales_request_id": cls.request.id,
                }
            )
        )
        cls.timesheet_line = cls.timesheet.after_sales_line_id
        # a part issued from stock
        parts = Request.with_user(cls.clerk).create(
            {
                "title": "Parts",
                "partner_id": customer.id,
                "line_ids": [Command.create({"line_type": "part", "product_id": gasket.id, "quantity": 2})],
            }
        )
        picking = parts.with_user(cls.clerk).action_request_parts().with_user(storekeeper)
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking._action_done()
        cls.stock_line = parts.line_ids
        cls.lines = cls.invoiced_line | cls.timesheet_line | cls.stock_line

    def _context(self):
        """Every key the suite reads, set to a truthy value."""
        context = dict.fromkeys(suite_context_keys(), True)
        context.update(
            active_ids=self.lines.ids,
            default_stage_id=self.env.ref("after_sales_service.stage_closed").id,
            tz="UTC",
            after_sales_billing_chunk_size=1,
            after_sales_billing_chunk_lines=1,
            after_sales_settlement_chunk_size=1,
            after_sales_settlement_chunk_lines=1,
        )
        # the keys this suite used to switch its rules off with, should they come back
        for key in (
            "after_sales_coverage_auto",
            "after_sales_skip_estimate_check",
            "after_sales_timesheet_sync",
            "after_sales_line_unlink",
            "after_sales_keep_open_line_ids",
        ):
            context[key] = self.lines.ids if key.endswith("_ids") else True
        return context

    def _call(self, model, method, args):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": {"context": self._context()},
            },
        )

    def test_every_context_key_is_classified(self):
        keys = suite_context_keys()
        self.assertNotIn("<not a literal>", keys, "read context keys by their literal name")
        unknown = {key: files for key, files in keys.items() if key not in HARMLESS_KEYS}
        self.assertFalse(
            unknown,
            "a context key is read that nobody classified: replace it by a private method or an "
            "explicit parameter, or say in HARMLESS_KEYS why no caller can switch a rule off with it",
        )

    def test_no_context_key_lets_a_clerk_change_what_an_owner_keeps(self):
        self.authenticate(self.clerk.login, "ctx_clerk_pw1")
        before = {
            line: line.read(["coverage", "price_unit", "quantity", "done", "coverage_manual"])[0]
            for line in self.lines
        }
        attempts = [
            (self.invoiced_line, {"price_unit": 1.0}),
            (self.invoiced_line, {"quantity": 5.0}),
            (self.invoiced_line, {"done": False}),
            (self.timesheet_line, {"quantity": 8.0}),
            (self.timesheet_line, {"done": False}),
            (self.stock_line, {"quantity": 5.0}),
            (self.stock_line, {"done": False}),
            (self.stock_line, {"quantity_method": "manual"}),
        ]
        for line in self.lines:
            attempts.append((line, {"coverage": "warranty", "coverage_reason": "Context"}))
            attempts.append(
                (line, {"coverage": "goodwill", "coverage_reason": "Context", "coverage_manual": True})
            )
        for line, vals in attempts:
            with self.subTest(line=line.name, vals=vals), self.assertRaises(JsonRpcException):
                self._call(line._name, "write", [line.ids, vals])
        for line in (self.invoiced_line, self.stock_line):
            with self.subTest(line=line.name, method="unlink"), self.assertRaises(JsonRpcException):
                self._call(line._name, "unlink", [line.ids])
        self.env.invalidate_all()
        for line in self.lines:
            self.assertTrue(line.exists())
            self.assertEqual(
                line.read(["coverage", "price_unit", "quantity", "done", "coverage_manual"])[0], before[line]
            )
        # deleting the time deletes its line: no billable line is left without its timesheet
        self._call("account.analytic.line", "unlink", [self.timesheet.ids])
        self.env.invalidate_all()
        self.assertFalse(self.timesheet_line.exists())
