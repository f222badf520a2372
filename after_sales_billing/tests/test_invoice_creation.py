import copy
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged

from .batch_jobs import run_jobs
from .common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestInvoiceCreation(AfterSalesBillingCommon):
    """Billing runs create invoices through ``_after_sales_create_invoices``: the same invoices
    as ``account.move.create``, with the base line amounts computed beforehand and the creation
    message logged in one batch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Invoice Twin Customer")
        country = cls.company.account_fiscal_country_id or cls.env.ref("base.us")
        cls.tag_base = cls._create_tag("+B1", country)
        cls.tag_tax = cls._create_tag("+T1", country)
        cls.tax_tagged = cls.env["account.tax"].create(
            {
                "name": "VAT 21% tagged",
                "amount": 21.0,
                "type_tax_use": "sale",
                "company_id": cls.company.id,
                "country_id": country.id,
                "invoice_repartition_line_ids": [
                    Command.create({"repartition_type": "base", "tag_ids": [Command.set(cls.tag_base.ids)]}),
                    Command.create({"repartition_type": "tax", "tag_ids": [Command.set(cls.tag_tax.ids)]}),
                ],
                "refund_repartition_line_ids": [
                    Command.create({"repartition_type": "base"}),
                    Command.create({"repartition_type": "tax"}),
                ],
            }
        )
        cls.tax_included = cls.env["account.tax"].create(
            {
                "name": "Levy 7% included",
                "amount": 7.0,
                "price_include_override": "tax_included",
                "type_tax_use": "sale",
                "company_id": cls.company.id,
                "country_id": country.id,
            }
        )
        cls.foreign = cls.env.ref("base.EUR" if cls.company.currency_id.name != "EUR" else "base.USD")
        cls.foreign.active = True
        cls.env["res.currency.rate"].create(
            {
                "currency_id": cls.foreign.id,
                "company_id": cls.company.id,
                "name": "2020-01-01",
                "rate": 1.2345,
            }
        )
        cls.two_installments = cls.env["account.payment.term"].create(
            {
                "name": "30% now, 70% in 30 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 30.0, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 70.0, "nb_days": 30}),
                ],
            }
        )

    @classmethod
    def _create_tag(cls, name, country):
        return cls.env["account.account.tag"].create(
            {"name": name, "applicability": "taxes", "country_id": country.id}
        )

    def _line(self, product, quantity, price, taxes, **vals):
        return Command.create(
            {
                "product_id": product.id,
                "name": f"{product.name} x {quantity}",
                "quantity": quantity,
                "price_unit": price,
                "tax_ids": [Command.set(taxes.ids)],
                **vals,
            }
        )

    def _invoice_vals(self, lines, currency=None, **vals):
        return {
            "move_type": "out_invoice",
            "partner_id": self.customer.id,
            "company_id": self.company.id,
            "currency_id": (currency or self.company.currency_id).id,
            "invoice_date": fields.Date.today(),
            "invoice_line_ids": lines,
            **vals,
        }

    def _snapshot(self, move):
        """Everything accounting reads of an invoice, independent of record ids."""
        lines = sorted(
            (
                line.display_type,
                line.name or "",
                line.account_id.id,
                line.product_id.id,
                line.quantity,
                line.price_unit,
                line.discount,
                line.currency_id.id,
                line.amount_currency,
                line.balance,
                line.debit,
                line.credit,
                line.tax_base_amount,
                tuple(line.tax_ids.ids),
                tuple(line.tax_tag_ids.ids),
                line.tax_repartition_line_id.id,
                line.date_maturity,
                line.amount_residual,
            )
            for line in move.line_ids
        )
        totals = (
            move.amount_untaxed,
            move.amount_tax,
            move.amount_total,
            move.amount_residual,
            move.amount_total_signed,
            move.invoice_currency_rate,
            move.payment_state,
        )
        return totals, lines

    def _create_both(self, vals):
        """(invoice by account.move.create, invoice by the run's path, base lines the sync corrected).

        A correction: Odoo's tax synchronisation writing another balance, amount in currency
        or tax tags on a product line of the run's invoice than the line already has.
        """
        Move = self.env["account.move"].with_context(default_move_type="out_invoice")
        reference = Move.create(copy.deepcopy(vals))
        corrected = self.env["account.move.line"]
        Line = type(self.env["account.move.line"])
        write = Line.write

        def changes(line, write_vals):
            return (
                (
                    "balance" in write_vals
                    and line.company_currency_id.compare_amounts(write_vals["balance"], line.balance)
                )
                or (
                    "amount_currency" in write_vals
                    and line.currency_id.compare_amounts(write_vals["amount_currency"], line.amount_currency)
                )
                or (
                    "tax_tag_ids" in write_vals
                    and write_vals["tax_tag_ids"] != [Command.set(line.tax_tag_ids.ids)]
                )
            )

        def spy(records, write_vals):
            nonlocal corrected
            corrected |= records.filtered(
                lambda line: line.display_type == "product" and changes(line, write_vals)
            )
            return write(records, write_vals)

        with patch.object(Line, "write", spy):
            twin = Move._after_sales_create_invoices([copy.deepcopy(vals)])
        return reference, twin, corrected

    def _assert_same_invoice(self, vals):
        reference, twin, writes = self._create_both(vals)
        self.assertEqual(len(twin), 1)
        self.assertEqual(self._snapshot(twin), self._snapshot(reference))
        self.assertFalse(writes, "Odoo's tax synchronisation had to correct the precomputed base lines")
        return twin

    def test_tags_included_tax_and_awkward_prices(self):
        """Tax tags, a price-included tax, prices and quantities beyond the stored precision."""
        twin = self._assert_same_invoice(
            self._invoice_vals(
                [
                    self._line(self.work, 3.0, 33.333333, self.tax_tagged),
                    self._line(self.part, 1.5, 19.999, self.tax_tagged | self.tax_included),
                    self._line(self.work, 0.333, 47.11, self.tax_included),
                    self._line(self.part, 2.0, 12.5, self.env["account.tax"]),
                    self._line(self.work, 1.0, 0.0, self.tax_tagged, name="Covered by warranty"),
                    self._line(self.work, 4.0, 25.0, self.tax_tagged, discount=15.0),
                ]
            )
        )
        tagged_line = twin.invoice_line_ids.filtered(lambda line: line.tax_ids == self.tax_tagged)[:1]
        self.assertEqual(tagged_line.tax_tag_ids, self.tag_base)
        self.assertIn(self.tag_tax, twin.line_ids.filtered("tax_repartition_line_id").tax_tag_ids)
        self.assertEqual(twin.invoice_line_ids[0].price_unit, 33.33)

    def test_credit_note_and_product_tags(self):
        """A credit note takes the refund repartition's tags; a product's own tax report tags go
        on its lines: the tags precomputed without Odoo's tax accounting data are its own."""
        country = self.tag_base.country_id
        tag_refund = self._create_tag("-B1", country)
        tag_product = self._create_tag("+P1", country)
        tax_refund_tagged = self.env["account.tax"].create(
            {
                "name": "VAT 10% refund tagged",
                "amount": 10.0,
                "type_tax_use": "sale",
                "company_id": self.company.id,
                "country_id": country.id,
                "invoice_repartition_line_ids": [
                    Command.create({"repartition_type": "base", "tag_ids": [Command.set(self.tag_base.ids)]}),
                    Command.create({"repartition_type": "tax"}),
                ],
                "refund_repartition_line_ids": [
                    Command.create({"repartition_type": "base", "tag_ids": [Command.set(tag_refund.ids)]}),
                    Command.create({"repartition_type": "tax"}),
                ],
            }
        )
        self.part.account_tag_ids = tag_product
        twin = self._assert_same_invoice(
            self._invoice_vals(
                [
                    self._line(self.part, 2.0, 12.5, tax_refund_tagged),
                    self._line(self.work, 1.0, 40.0, tax_refund_tagged | self.tax_tagged),
                ],
                move_type="out_refund",
            )
        )
        part_line = twin.invoice_line_ids.filtered(lambda line: line.product_id == self.part)
        self.assertEqual(part_line.tax_tag_ids, tag_refund | tag_product)
        work_line = twin.invoice_line_ids.filtered(lambda line: line.product_id == self.work)
        # the other tax has no tags on its refund base repartition line
        self.assertEqual(work_line.tax_tag_ids, tag_refund)

    def test_foreign_currency_global_rounding_installments(self):
        """A rate, rounding per total instead of per line, and two payment term lines."""
        self.company.tax_calculation_rounding_method = "round_globally"
        twin = self._assert_same_invoice(
            self._invoice_vals(
                [self._line(self.work, 1.0, 10.005 + i, self.tax_tagged) for i in range(7)]
                + [self._line(self.part, 3.0, 7.77, self.tax_included)],
                currency=self.foreign,
                invoice_payment_term_id=self.two_installments.id,
            )
        )
        self.assertEqual(twin.currency_id, self.foreign)
        self.assertAlmostEqual(twin.invoice_currency_rate, 1.2345)
        self.assertEqual(len(twin.line_ids.filtered(lambda line: line.display_type == "payment_term")), 2)
        self.assertNotEqual(twin.amount_total_signed, twin.amount_total)

    def test_other_lines_left_to_odoo(self):
        """Note lines or taxes given otherwise than by a set: nothing precomputed, same invoice."""
        note = Command.create({"display_type": "line_note", "name": "Work done on site"})
        vals = self._invoice_vals([self._line(self.work, 2.0, 40.0, self.tax_tagged), note])
        self.assertNotIn(
            "balance",
            self.env["account.move"]._after_sales_add_base_line_amounts(copy.deepcopy(vals))[
                "invoice_line_ids"
            ][0][2],
        )
        reference, twin, __ = self._create_both(vals)
        self.assertEqual(self._snapshot(twin), self._snapshot(reference))

    def test_without_precomputed_amounts_odoo_writes(self):
        """The spy sees the synchronisation's writes when nothing is precomputed (the check can fail)."""
        vals = self._invoice_vals([self._line(self.work, 2.0, 40.0, self.tax_tagged)])
        Move = type(self.env["account.move"])
        with patch.object(Move, "_after_sales_add_base_line_amounts", lambda self, vals: vals):
            reference, twin, writes = self._create_both(vals)
        self.assertTrue(writes)
        self.assertEqual(self._snapshot(twin), self._snapshot(reference))

    def test_creation_message_as_odoo_logs_it(self):
        vals_list = [
            self._invoice_vals([self._line(self.work, 1.0, 10.0 * number, self.tax_tagged)])
            for number in range(1, 4)
        ]
        # as a user invoices, mail logging on (the test classes switch it off)
        Move = self.env(user=self.billing_user, context={})["account.move"]
        reference = Move.create(copy.deepcopy(vals_list[0]))
        twins = Move._after_sales_create_invoices(vals_list)
        subtype = self.env.ref("account.mt_invoice_created")

        def creation_messages(move):
            return [
                (
                    message.subtype_id,
                    message.message_type,
                    message.is_internal,
                    message.author_id,
                    str(message.body),
                )
                for message in move.message_ids
            ]

        expected = creation_messages(reference)
        self.assertEqual(len(expected), 1)
        self.assertEqual(expected[0][0], subtype)
        self.assertEqual(expected[0][3], self.billing_user.partner_id)
        for twin in twins:
            self.assertEqual(creation_messages(twin), expected)

    def test_billing_run_invoice_matches_plain_create(self):
        """The run's invoice equals the one Odoo makes from the same values, line by line."""
        self.customer.property_account_position_id = False
        request = self._create_request(
            self.customer,
            [
                self._work_line(quantity=1.5, price_unit=83.333),
                self._part_line(quantity=3.0, price_unit=12.345),
                self._work_line(quantity=1.0, coverage="warranty"),
            ],
        )
        run = (
            self.env["after_sales.billing.run"]
            .with_user(self.billing_user)
            .create({"date_from": "2026-03-01", "date_to": "2026-03-31", "grouping": "request"})
        )
        vals = run._prepare_invoice_vals(
            (self.customer.id, self.company.currency_id.id, False, request.id),
            request.line_ids.filtered(lambda line: line.coverage == "paid"),
            self.env["after_sales.contract.fee"],
            self.customer.address_get(["invoice"])["invoice"],
        )
        with run_jobs():
            run.action_run()
        invoice = run.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.partner_id.id, vals["partner_id"])
        for command in vals["invoice_line_ids"]:
            # the reference bills nothing: its lines link no service line
            command[2].pop("after_sales_line_ids")
        vals["after_sales_billing_run_id"] = False
        # made by the run's user: the same today (the superuser's is a day ahead on demo data, in
        # Brussels, from 23:00 UTC)
        reference = self.env["account.move"].with_user(self.billing_user).create(vals)
        self.assertEqual(self._snapshot(invoice), self._snapshot(reference))
        # the run gives the journal Odoo would search for the invoice
        self.assertEqual(invoice.journal_id, reference.journal_id)
        # 1.5 x 83.33 and 3 x 12.35: prices are stored to the cent
        self.assertEqual(invoice.amount_untaxed, 125.0 + 37.05)

    def test_chunk_queries_do_not_grow_with_its_invoices(self):
        """A chunk of 6 invoices costs no more queries than one of 2 but Odoo's own per-line
        work: the sales journal and the creation message's subtype, which account.move would
        query for each invoice, are found once per chunk. Mail logging on, as a user bills."""
        env = self.env(user=self.billing_user, context={})

        def bill(count):
            requests = self.env["after_sales.request"].concat(
                *(
                    self._create_request(self.customer, [self._work_line(), self._part_line()])
                    for __ in range(count)
                )
            )
            run = env["after_sales.billing.run"].create(
                {
                    "date_from": "2026-03-01",
                    "date_to": "2026-03-31",
                    "grouping": "request",
                    "include_fees": False,
                    "request_ids": [Command.set(requests.ids)],
                }
            )
            groups = list(run._collect_groups().items())
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            moves = run._process_chunk(groups)
            self.env.flush_all()
            queries = self.env.cr.sql_log_count - before
            self.assertEqual(len(moves), count)
            self.assertEqual(len(moves.message_ids), count, "one creation message per invoice")
            return queries

        bill(2)  # once first: what the first chunk reads once per process (caches) counts in neither
        two, six = bill(2), bill(6)
        self.assertLess(six - two, 4, (two, six))
