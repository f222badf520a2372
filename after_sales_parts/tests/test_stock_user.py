from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import AfterSalesPartsCommon


@tagged("post_install", "-at_install")
class TestStockUser(AfterSalesPartsCommon):
    """A storekeeper with Inventory rights only validates the suite's transfers with Inventory's buttons.

    The suite does its bookkeeping (issued and returned quantities, parts consumed into the unit
    of a closed request) whatever the storekeeper's rights, and the storekeeper still sees
    nothing of the requests.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.storekeeper = new_test_user(cls.env, login="as_storekeeper", groups="stock.group_stock_user")
        cls.stage_closed = cls.env.ref("after_sales_service.stage_closed")
        suite_groups = (
            cls.env["res.groups"]
            .search([])
            .filtered(lambda g: g.get_external_id().get(g.id, "").startswith("after_sales"))
        )
        assert not cls.storekeeper.all_group_ids & suite_groups, "no After-Sales rights"

    def _button_validate(self, picking):
        """Validate ``picking`` in full as the storekeeper, from the transfer's form."""
        picking = picking.with_user(self.storekeeper)
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        action = picking.button_validate()
        self.assertIs(action, True, "validated in full: no wizard")
        self.assertEqual(picking.state, "done")

    def _return_picking(self, picking, quantity):
        """The storekeeper returns ``quantity`` of ``picking`` with Inventory's Return wizard."""
        wizard = Form(
            self.env["stock.return.picking"]
            .with_user(self.storekeeper)
            .with_context(active_id=picking.id, active_model="stock.picking")
        ).save()
        wizard.product_return_moves.quantity = quantity
        return self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])

    def test_storekeeper_validates_issue_and_return(self):
        request = self._request([(self.filter, 3)])
        picking = request.action_request_parts()
        self._button_validate(picking)
        line = request.line_ids
        self.assertRecordValues(line, [{"part_state": "issued", "part_qty_issued": 3, "quantity": 3}])
        # the return of unused parts the service staff asked for
        back = line.with_user(self.as_user)._return_unused(1)
        self._button_validate(back)
        self.assertRecordValues(line, [{"part_qty_returned": 1, "quantity": 2}])
        # Inventory's own Return button on the issue
        returned = self._return_picking(picking, 1)
        self._button_validate(returned)
        self.assertRecordValues(line, [{"part_qty_returned": 2, "quantity": 1}])
        with self.assertRaises(AccessError, msg="the storekeeper still sees no request"):
            request.with_user(self.storekeeper).read(["name"])

    def test_storekeeper_issues_to_a_closed_request(self):
        """Parts issued after the request was closed are consumed into the unit, as the storekeeper."""
        request = self._request([(self.filter, 2)])
        picking = request.action_request_parts()
        closing = {"resolution": "<p>Done.</p>", "stage_id": self.stage_closed.id}
        request.with_user(self.as_user).write(closing)
        self._button_validate(picking)
        consumed = self.env["stock.move"].search(
            [("after_sales_request_id", "=", request.id), ("after_sales_move_kind", "=", "consume")]
        )
        self.assertRecordValues(
            consumed, [{"quantity": 2, "state": "done", "create_uid": self.storekeeper.id}]
        )
        self.assertRecordValues(request.line_ids, [{"part_qty_consumed": 2, "quantity": 2}])
        self.assertIn("Parts consumed", request.message_ids[:1].body)
