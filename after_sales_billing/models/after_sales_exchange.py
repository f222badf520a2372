from odoo import Command, fields, models


class AfterSalesExchange(models.Model):
    _inherit = "after_sales.exchange"

    core_charge_line_id = fields.Many2one(
        "after_sales.request.line",
        string="Core Charge",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The paid service line charging the customer for a core not returned in time.",
    )

    def _flag_core_overdue(self):
        """An overdue core is charged to the customer: a paid line on the request, billed by the next run."""
        res = super()._flag_core_overdue()
        self.filtered(lambda e: not e.core_charge_line_id)._create_core_charges()
        return res

    def _after_sales_picking_done(self, picking):
        charged = self.filtered(lambda e: e.core_charge_line_id and e.state == "delivered")
        res = super()._after_sales_picking_done(picking)
        charged.filtered(lambda e: e.state == "core_received")._cancel_core_charges()
        return res

    def _prepare_core_charge_line_vals(self):
        """Values of the service line charging the missing core (a hook: a deposit product, a price)."""
        self.ensure_one()
        return {
            "request_id": self.request_id.id,
            "line_type": "other",
            "product_id": self.product_id.id,
            "name": self.env._(
                "Core %(serial)s not returned by %(date)s",
                serial=self.core_lot_id.name or self.equipment_id.display_name,
                date=self.core_due_date,
            ),
            "quantity": 1.0,
            "uom_id": self.product_id.uom_id.id,
            "date": fields.Date.context_today(self),
            "done": True,
            "customer_visible": True,
            "coverage": "paid",
            "coverage_reason": self.env._("Exchange core not returned"),
        }

    def _create_core_charges(self):
        exchanges = self.filtered("product_id")
        if not exchanges:
            return
        lines = (
            self.env["after_sales.request.line"]
            .sudo()
            .create(
                [
                    # linked at creation: the line is the exchange's (the core is missing, whatever
                    # estimate was accepted)
                    {
                        **exchange._prepare_core_charge_line_vals(),
                        "core_exchange_ids": [Command.link(exchange.id)],
                    }
                    for exchange in exchanges
                ]
            )
        )
        for exchange, line in zip(exchanges, lines, strict=True):
            exchange.message_post(
                body=self.env._("The customer is charged %s for the missing core.", line.price_subtotal)
            )

    def _cancel_core_charges(self):
        """The core came back: drop its charge unless it is already invoiced (then finance credits it)."""
        for exchange in self:
            line = exchange.core_charge_line_id
            if line._is_invoiced():
                exchange.message_post(
                    body=self.env._(
                        "The core arrived after its charge was invoiced on %s: issue a credit note if due.",
                        line.invoice_id.display_name,
                    )
                )
                continue
            exchange.core_charge_line_id = False
            line.sudo().unlink()
            exchange.message_post(body=self.env._("The core arrived: its charge was removed."))
