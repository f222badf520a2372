from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12, "contract": 0}


class AfterSalesContractService(models.Model):
    _name = "after_sales.contract.service"
    _description = "Service Included in a Contract"
    _order = "contract_id, sequence, id"
    _check_company_auto = True

    contract_id = fields.Many2one("after_sales.contract", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="contract_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    product_id = fields.Many2one("product.product", required=True, check_company=True)
    quantity = fields.Float(string="Included Quantity", required=True, default=1.0, digits="Product Unit")
    uom_id = fields.Many2one(related="product_id.uom_id", string="UoM")
    period = fields.Selection(
        [
            ("month", "per Month"),
            ("quarter", "per Quarter"),
            ("year", "per Year"),
            ("contract", "per Contract"),
        ],
        required=True,
        default="year",
    )

    @api.constrains("quantity")
    def _check_quantity(self):
        for service in self:
            if service.quantity <= 0:
                raise ValidationError(self.env._("An included quantity must be positive."))

    def _get_period_bounds(self, day):
        """First and last day of this service's quota period containing ``day``.

        Periods are counted from the contract's start date, so a yearly quota of
        a contract starting on 1 March runs from 1 March to the end of February.
        """
        self.ensure_one()
        contract = self.contract_id
        months = PERIOD_MONTHS[self.period]
        if not months:
            return contract.date_start, contract.date_end or fields.Date.to_date("9999-12-31")
        elapsed = relativedelta(day, contract.date_start)
        index = (elapsed.years * 12 + elapsed.months) // months
        start = contract.date_start + relativedelta(months=index * months)
        return start, start + relativedelta(months=months, days=-1)
