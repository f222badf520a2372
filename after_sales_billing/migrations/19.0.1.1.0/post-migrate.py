"""1.1: invoiced quantities derived from invoice lines.

Until 1.0 a service line and a subscription fee pointed to the one invoice line billing them
(``invoice_line_id``, released when that invoice was deleted, cancelled or credited). From 1.1
invoice lines link what they bill (many2many) and the invoiced quantities are computed from
them. Every pointer still set becomes a link, then the quantities are computed again.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def _column_exists(cr, table, column):
    cr.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
        (table, column),
    )
    return bool(cr.fetchone())


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for model, relation, column in (
        ("after_sales.request.line", "after_sales_request_line_invoice_rel", "service_line_id"),
        ("after_sales.contract.fee", "after_sales_contract_fee_invoice_rel", "fee_id"),
    ):
        Model = env[model]
        if not _column_exists(cr, Model._table, "invoice_line_id"):
            continue
        cr.execute(
            SQL(
                """
                INSERT INTO %(relation)s (%(column)s, invoice_line_id)
                     SELECT src.id, src.invoice_line_id
                       FROM %(table)s src
                       JOIN account_move_line aml ON aml.id = src.invoice_line_id
                      WHERE src.invoice_line_id IS NOT NULL
                ON CONFLICT DO NOTHING
                  RETURNING %(column)s
                """,
                relation=SQL.identifier(relation),
                column=SQL.identifier(column),
                table=SQL.identifier(Model._table),
            )
        )
        records = Model.browse(sorted({row[0] for row in cr.fetchall()}))
        records.modified(["invoice_line_ids"])
        env.flush_all()
