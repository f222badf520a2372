import contextlib
import io
import threading
import time
import zipfile
from unittest.mock import patch

from lxml import etree

from odoo import Command, api, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.orm.environments import Transaction
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tests import Form, new_test_user

from odoo.addons.base.tests.common import BaseCommon
from odoo.addons.queue_job.tests.common import trap_jobs

XLSX_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


class AfterSalesCommon(BaseCommon):
    """Data shared by the suite's tests, built once per class.

    Users of rising privilege: an internal user outside the suite, an
    After-Sales user, an After-Sales manager; a customer with a site and a
    serial-tracked product to register units of.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.group_as_user = cls.env.ref("after_sales_service.group_after_sales_user")
        cls.group_as_manager = cls.env.ref("after_sales_service.group_after_sales_manager")
        cls.internal_user = new_test_user(cls.env, login="as_internal", groups="base.group_user")
        cls.as_user = new_test_user(
            cls.env,
            login="as_user",
            groups="after_sales_service.group_after_sales_user",
        )
        cls.as_manager = new_test_user(
            cls.env,
            login="as_manager",
            groups="after_sales_service.group_after_sales_manager",
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Uralmash Service Customer", "is_company": True}
        )
        cls.customer_site = cls.env["res.partner"].create(
            {"name": "Plant 1", "type": "delivery", "parent_id": cls.customer.id}
        )
        cls.product_unit = cls._create_serial_product("Test Generator TG-1")

    @classmethod
    def _create_office_calendar(cls, name):
        """A Mon-Fri 8-12/13-17 UTC working calendar (8 working hours a day)."""
        return cls.env["resource.calendar"].create(
            {
                "name": name,
                "tz": "UTC",
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"{day} {start}",
                            "dayofweek": str(day),
                            "hour_from": start,
                            "hour_to": start + 4,
                            "day_period": "morning" if start < 12 else "afternoon",
                        }
                    )
                    for day in range(5)
                    for start in (8, 13)
                ],
            }
        )

    @classmethod
    def _create_serial_product(cls, name, **vals):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                **vals,
            }
        )

    @classmethod
    def _create_lot(cls, product, name, company=None):
        return cls.env["stock.lot"].create(
            {
                "name": name,
                "product_id": product.id,
                "company_id": (company or cls.env.company).id,
            }
        )

    @classmethod
    def _create_unit(cls, product=None, lot=None, partner=None, **vals):
        return cls.env["after_sales.equipment"].create(
            {
                "product_id": (product or cls.product_unit).id,
                "lot_id": lot.id if lot else False,
                "partner_id": (partner or cls.customer).id,
                **vals,
            }
        )

    @classmethod
    def _create_portal_user(cls, login, company=None, contact=None):
        """A portal user of ``contact`` (or of a new contact of ``company``), whose password is
        ``<login>-pw-2026`` (``_portal_login``)."""
        if not contact:
            contact = cls.env["res.partner"].create({"name": f"{login} contact", "parent_id": company.id})
        return new_test_user(
            cls.env,
            login=login,
            password=f"{login}-pw-2026",
            groups="base.group_portal",
            partner_id=contact.id,
        )

    def _portal_login(self, user):
        """Log ``user`` (made by ``_create_portal_user``) in, in an ``HttpCase``."""
        self.authenticate(user.login, f"{user.login}-pw-2026")

    def assertModelsClosedToOutsiders(self, models):
        """An internal user without an After-Sales group reads none of ``models``."""
        for model in models:
            with self.subTest(model=model.model), self.assertRaises(AccessError):
                self.env[model.model].with_user(self.internal_user).search([], limit=1)

    def _run_cron(self, model, method):
        """Run the cron ``model.method`` as a server does: it enqueues its jobs, then a worker
        performs them. Returns the jobs (queue_job's ``Job``) that were performed."""
        with trap_jobs() as trap:
            getattr(self.env[model], method)()
            jobs = list(trap.enqueued_jobs)
            trap.perform_enqueued_jobs()
        return jobs


class ReadOnlyCursorMixin:
    """For an ``HttpCase``: on which cursor Odoo served each request.

    A route or method declared read-only is served on Odoo's read-only cursor (a replica's where
    ``db_replica_host`` is set; under tests a READ ONLY transaction). Should it write, PostgreSQL
    refuses and Odoo serves it again on a read/write cursor: ``[True, False]`` below, where a
    read-only request that wrote nothing gives ``[True]`` and a read/write one ``[False]``.
    """

    @contextlib.contextmanager
    def served_cursors(self):
        """Collect, for every request served meanwhile, whether its cursor was read-only."""
        served = []
        serve = http.Request._serve_ir_http

        def recording_serve(request, rule, args):
            served.append(request.env.cr.readonly)
            return serve(request, rule, args)

        with patch.object(http.Request, "_serve_ir_http", recording_serve):
            yield served

    def assertServedReadOnly(self, url, **kwargs):
        """GET ``url`` (``url_open`` arguments): answered 200, on the read-only cursor, nothing written."""
        with self.served_cursors() as served:
            response = self.url_open(url, allow_redirects=False, **kwargs)
        self.assertEqual(response.status_code, 200, url)
        self.assertEqual(
            served, [True], f"{url}: [True] is read-only, [True, False] wrote on it, [False] read/write"
        )
        return response

    def assertButtonReadOnly(self, record, method, args=None):
        """Press the button ``method`` of ``record`` as the web client does (``args``: those of a
        model method, instead of the record's ids): read-only, nothing written."""
        path = f"/web/dataset/call_button/{record._name}/{method}"
        args = [record.ids] if args is None else args
        params = {"model": record._name, "method": method, "args": args, "kwargs": {}}
        with self.served_cursors() as served:
            action = self.make_jsonrpc_request(path, params)
        self.assertEqual(served, [True], f"{record._name}.{method}: [True] is read-only, [True, False] wrote")
        return action


class TimesheetCommon(AfterSalesCommon):
    """Engineers with employees (an hourly cost each), a request to log time on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        # the company's project, whatever default team a database has (demo data sets one)
        cls.company.after_sales_team_id = False
        cls.hour = cls.env.ref("uom.product_uom_hour")
        cls.labour = cls.env.ref("after_sales_service.product_labour")
        cls.company.after_sales_labour_product_id = cls.labour
        cls.as_user2 = new_test_user(
            cls.env,
            login="as_user2",
            name="Second Engineer",
            groups="after_sales_service.group_after_sales_user",
        )
        cls.employee = cls._create_employee(cls.as_user, 30.0)
        cls.employee2 = cls._create_employee(cls.as_user2, 40.0)
        cls.employee_manager = cls._create_employee(cls.as_manager, 50.0)
        cls.unit = cls._create_unit(lot=cls._create_lot(cls.product_unit, "SN-TIME-1"))
        cls.stage_closed = cls.env.ref("after_sales_service.stage_closed")

    @classmethod
    def _create_employee(cls, user, hourly_cost):
        return cls.env["hr.employee"].create(
            {"name": user.name, "user_id": user.id, "hourly_cost": hourly_cost, "company_id": cls.company.id}
        )

    def _create_request(self, user=None, **vals):
        return (
            self.env["after_sales.request"]
            .with_user(user or self.as_user)
            .create({"title": "Does not start", "equipment_id": self.unit.id, **vals})
        )

    def _log(self, request, hours, user=None, name="Checked the starter"):
        """Log ``hours`` on the Timesheets tab of the request's form, as ``user``."""
        self.env.invalidate_all()  # what the form reads is what this user may read
        with Form(request.with_user(user or self.as_user)) as form, form.timesheet_ids.new() as timesheet:
            timesheet.name = name
            timesheet.unit_amount = hours
        return request.sudo().timesheet_ids.sorted("id")[-1:]


def read_workbook(content):
    """{sheet name: {row number: {column letter: value}}} of an XLSX file, strings resolved."""
    book = zipfile.ZipFile(io.BytesIO(content))
    strings = [
        "".join(node.text or "" for node in item.iter(f"{XLSX_NS}t"))
        for item in etree.fromstring(book.read("xl/sharedStrings.xml"))
    ]
    rels = etree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels}
    sheets = {}
    for sheet in etree.fromstring(book.read("xl/workbook.xml")).iter(f"{XLSX_NS}sheet"):
        root = etree.fromstring(book.read("xl/" + targets[sheet.get(f"{REL_NS}id")]))
        rows = {}
        for cell in root.iter(f"{XLSX_NS}c"):
            value = cell.find(f"{XLSX_NS}v")
            if value is None:
                continue
            ref = cell.get("r")
            column = ref.rstrip("0123456789")
            text = value.text
            rows.setdefault(int(ref[len(column) :]), {})[column] = (
                strings[int(text)] if cell.get("t") == "s" else float(text)
            )
        sheets[sheet.get("name")] = rows
    return sheets


def table(rows):
    """Data rows of a sheet (headers on row 4) as dicts keyed by header title."""
    headers = rows[4]
    return [
        {headers[column]: value for column, value in rows[number].items()}
        for number in sorted(rows)
        if number > 4
    ]


def in_transaction(registry, uid, func, retries=1, barrier=None):
    """Run ``func(env)`` as ``uid`` in a transaction of its own, committed when it returns.

    ``("ok", result)``, ``("refused", message)`` on a ``UserError``/``ValidationError`` or
    ``("error", exception)``. Replayed on the concurrency errors Odoo replays a request on,
    ``retries`` attempts in all. With ``barrier``, the first attempt takes its snapshot, then waits
    there for the other transactions: none sees what another commits.
    """
    for attempt in range(retries):
        try:
            with registry.cursor() as cr:
                # a test holds the registry lock: give the cursor its registry rather than look it up
                cr.transaction = Transaction(registry)
                env = api.Environment(cr, uid, {"lang": "en_US", "tz": "UTC"})
                if barrier is not None and not attempt:
                    cr.execute("SELECT 1")  # the snapshot of this transaction
                    barrier.wait(timeout=30)
                return ("ok", func(env))
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:
            if attempt == retries - 1:
                return ("error", error)
            time.sleep(0.01 * (attempt + 1))
        except (UserError, ValidationError) as error:
            return ("refused", str(error))
        except Exception as error:  # noqa: BLE001 - the caller judges it
            return ("error", error)
    return ("error", "retries exhausted")


def run_together(registry, *calls, retries=1):
    """Run each ``(uid, func)`` of ``calls`` in a thread and a committing transaction of its own,
    released at the same moment once each has its snapshot (``in_transaction``); their results,
    in the order of ``calls``."""
    barrier = threading.Barrier(len(calls))
    results = [("error", "did not finish")] * len(calls)

    def worker(index, uid, func):
        results[index] = in_transaction(registry, uid, func, retries=retries, barrier=barrier)

    threads = [threading.Thread(target=worker, args=(i, uid, func)) for i, (uid, func) in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
