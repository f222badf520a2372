from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.after_sales_billing.tests.common import AfterSalesBillingCommon
from odoo.addons.after_sales_service.models.after_sales_request import REVIEW_FIELDS

# Internal fields a customer must never read, even through RPC on its own records.
INTERNAL = {
    "after_sales.request": REVIEW_FIELDS,
    "after_sales.equipment": {"note", "warranty_void_note", "warranty_void_user_id"},
}


@tagged("post_install", "-at_install")
class TestPortalFields(AfterSalesBillingCommon):
    """A portal customer cannot read the internal fields of its own unit and claim, even by RPC.

    (The complete per-field whitelist of what portal users may read is the next step: today
    relational fields such as ``repair_ids`` still refuse a portal read with an AccessError.)
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        contact = cls.env["res.partner"].create({"name": "Chief Mechanic", "parent_id": cls.customer.id})
        cls.portal = new_test_user(
            cls.env, login="fields_portal", groups="base.group_portal", partner_id=contact.id
        )
        cls.unit = cls._create_unit(note="<p>Customer is slow to pay, push for a contract.</p>")
        cls.claim = cls.env["after_sales.request"].create(
            {
                "title": "Cracked housing",
                "equipment_id": cls.unit.id,
                "request_type": "claim",
                "review_findings": "<p>Operator dropped the unit.</p>",
                "review_decision": "Rejected: misuse",
            }
        )
        cls.claim.message_subscribe(partner_ids=contact.ids)

    def test_portal_reads_all_it_may_and_no_internal_field(self):
        for record in (self.claim, self.unit):
            as_portal = record.with_user(self.portal)
            readable = as_portal.fields_get(attributes=["type"])
            for name in INTERNAL[record._name]:
                self.assertNotIn(name, readable, f"{record._name}.{name} is internal")
                with self.assertRaises(AccessError):
                    as_portal.read([name])
            # what the portal pages show still reads, and carries none of the internal text
            values = as_portal.read(["display_name", "partner_id"])[0]
            text = str(values)
            self.assertNotIn("slow to pay", text)
            self.assertNotIn("dropped the unit", text)
