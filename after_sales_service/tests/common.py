import contextlib
from unittest.mock import patch

from odoo import Command, http
from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon
from odoo.addons.queue_job.tests.common import trap_jobs


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

    def _suite_models_of(self, module):
        """Models named ``after_sales.*`` that ``module`` defines (not wizards, not mixins)."""
        xmlids = self.env["ir.model.data"].search([("module", "=", module), ("model", "=", "ir.model")])
        models = self.env["ir.model"].browse(xmlids.mapped("res_id"))
        return models.filtered(
            lambda m: m.model.startswith("after_sales.") and not m.transient and not m.abstract
        )

    def assertModuleInstalled(self, module, depends):
        record = self.env["ir.module.module"].search([("name", "=", module)])
        self.assertEqual(record.state, "installed", f"{module} is not installed")
        self.assertEqual(set(record.dependencies_id.mapped("name")), set(depends))

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
