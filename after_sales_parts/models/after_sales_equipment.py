from odoo import fields, models


class AfterSalesEquipment(models.Model):
    _inherit = "after_sales.equipment"

    loan_ids = fields.One2many("after_sales.loan", "equipment_id", string="Loaners Lent")
    exchange_ids = fields.One2many("after_sales.exchange", "equipment_id", string="Exchanges")

    def _after_sales_install_components(self, product, lots, service_request):
        """Serials of ``product`` fitted into this unit replace its current component of that product."""
        self.ensure_one()
        Equipment = self.env["after_sales.equipment"].with_context(active_test=False)
        replaced = self.child_ids.filtered(lambda c: c.product_id == product and c.state == "in_service")
        replaced.write({"parent_id": False, "state": "decommissioned"})
        known = {unit.lot_id: unit for unit in Equipment.search([("lot_id", "in", lots.ids)])}
        today = fields.Date.context_today(self)
        for lot in lots:
            vals = {
                "parent_id": self.id,
                "partner_id": self.partner_id.id,
                "site_partner_id": self.site_partner_id.id,
                "state": "in_service",
                "active": True,
            }
            if lot in known:
                known[lot].write(vals)
            else:
                Equipment.create(
                    vals
                    | {
                        "product_id": product.id,
                        "lot_id": lot.id,
                        "company_id": self.company_id.id,
                        "delivery_date": today,
                    }
                )
        self.message_post(
            body=self.env._(
                "%(request)s: %(new)s fitted%(old)s.",
                request=service_request.name,
                new=", ".join(lots.mapped("name")),
                old=self.env._(", replacing %s", ", ".join(replaced.mapped("display_name")))
                if replaced
                else "",
            )
        )
