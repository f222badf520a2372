import re

from odoo import api, fields, models

# Phone numbers are compared on their last digits: "+7 (912) 345-67-89", "8 912 345 67 89"
# and "0079123456789" are the same number.
PHONE_KEY_DIGITS = 10


def phone_match_key(number):
    """The digits a phone number is matched on: its last ``PHONE_KEY_DIGITS`` digits.

    Spaces, dashes, dots, parentheses and the international prefix are ignored;
    an extension ("ext. 12", "доб. 12", "#12") is cut off.
    """
    prefix = re.match(r"[\d\s()+\-./]*", number or "").group()
    digits = re.sub(r"\D", "", prefix)
    return digits[-PHONE_KEY_DIGITS:] or False


class ResPartner(models.Model):
    _inherit = "res.partner"

    after_sales_phone_key = fields.Char(
        string="Phone Match Key",
        compute="_compute_after_sales_phone_key",
        store=True,
        index="btree_not_null",
        help="Last digits of the phone number: calls from the telephony system are matched on them.",
    )

    service_settle_as = fields.Selection(
        [("bill", "Vendor Bill"), ("credit_note", "Credit Note")],
        string="Settle Claims As",
        default="bill",
        help="Approved warranty claims of this service partner become vendor bills from it, or "
        "credit notes on its customer account.",
    )

    @api.depends("phone")
    def _compute_after_sales_phone_key(self):
        for partner in self:
            partner.after_sales_phone_key = phone_match_key(partner.phone)

    @api.model
    def _get_service_partner_fields(self):
        return super()._get_service_partner_fields() | {"service_settle_as"}
