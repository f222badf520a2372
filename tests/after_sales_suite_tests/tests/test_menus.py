from lxml import etree

from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.after_sales_billing.tests.batch_jobs import run_jobs
from odoo.addons.after_sales_billing.tests.common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestMenusPerRole(AfterSalesBillingCommon):
    """Every action of every After-Sales menu opens for each role that sees the menu.

    As the web client does: the views of the action (fields filtered by the user's groups), the
    first page of its list, and the form of a record with all its notebook pages (``Form`` reads
    every field of the form view). The browser tours click the same screens for each role.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env, login="menu_officer", groups="after_sales_warranty.group_warranty_officer"
        )
        cls.storekeeper = new_test_user(
            cls.env,
            login="menu_storekeeper",
            groups="stock.group_stock_user,after_sales_service.group_after_sales_user",
        )
        customer = cls._create_customer("Menu Customer", email="menu@example.com")
        unit = cls._create_unit(partner=customer, lot=cls._create_lot(cls.product_unit, "MENU-1"))
        contract = cls._create_contract(customer)
        cls._create_request(customer, [cls._work_line(), cls._part_line()], equipment_id=unit.id)
        claim = cls._create_request(
            customer, [cls._work_line(done=False)], resolved=False, request_type="claim"
        )
        cls.env["after_sales.maintenance.plan"].create(
            {"name": "Menu plan", "equipment_id": unit.id, "interval_months": 6}
        )
        cls.env["after_sales.meter.reading"].create({"equipment_id": unit.id, "hours": 120})
        run = cls.env["after_sales.billing.run"].create(
            {"date_from": "2026-03-01", "date_to": "2026-03-31", "grouping": "request"}
        )
        with run_jobs():
            run.action_run()
        claim._create_estimate()
        contract.write(
            {"billing_model": "subscription", "fee_product_id": cls.fee_product.id, "fee_amount": 100}
        )

    def _menu_actions(self, user):
        """(menu name, window action) of the After-Sales menus ``user`` sees."""
        menus = self.env["ir.ui.menu"].with_user(user).load_menus(False)
        root = self.env.ref("after_sales_service.after_sales_menu_root").id
        result, todo = [], [root]
        while todo:
            menu = menus.get(todo.pop())
            if not menu:
                continue
            todo.extend(menu["children"])
            if menu.get("action_model") == "ir.actions.act_window":
                result.append((menu["name"], self.env["ir.actions.act_window"].browse(menu["action_id"])))
        return result

    def _open(self, user, action):
        context = {}
        if action.context:
            try:
                context = safe_eval(action.context, {"uid": user.id, "active_id": False, "active_ids": []})
            except (NameError, ValueError):
                context = {}
        Model = self.env[action.res_model].with_user(user).with_context(**context)
        domain = (
            safe_eval(action.domain or "[]", {"uid": user.id, "context_today": lambda: None})
            if (action.domain and "context_today" not in action.domain)
            else []
        )
        view_types = [v for v in action.view_mode.split(",") if v in ("list", "kanban", "form", "calendar")]
        views = Model.get_views([(False, vt) for vt in view_types] + [(False, "search")])
        for view_type in ("list", "kanban", "calendar"):
            if view_type in views["views"]:
                # the fields the web client reads for that view (not those of its sub-views)
                arch = etree.fromstring(views["views"][view_type]["arch"])
                names = {
                    node.get("name")
                    for node in arch.iter("field")
                    if not any(parent.tag == "field" for parent in node.iterancestors())
                }
                Model.web_search_read(domain, {name: {} for name in names}, limit=80)
        record = Model.search(domain, limit=1)
        if record and "form" in view_types:
            form_view = action.view_ids.filtered(lambda v: v.view_mode == "form").view_id
            Form(record, view=form_view or None)

    def test_every_menu_opens_for_each_role(self):
        roles = {
            "clerk": self.as_user,
            "manager": self.as_manager,
            "finance": self.billing_user,
            "warranty officer": self.officer,
            "warehouse": self.storekeeper,
        }
        for role, user in roles.items():
            actions = self._menu_actions(user)
            self.assertTrue(actions, f"the {role} sees the After-Sales menus")
            for name, action in actions:
                with self.subTest(role=role, menu=name):
                    self._open(user, action)
