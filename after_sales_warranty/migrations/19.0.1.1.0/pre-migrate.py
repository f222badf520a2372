"""1.1: contract quota split (``coverage_qty_included``).

The column is made here, zero for every existing line, so that the upgrade does not
compute the new field: its compute decides coverage, and an upgrade must not decide
again the coverage of existing (possibly invoiced) lines.
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute("ALTER TABLE after_sales_request_line ADD COLUMN IF NOT EXISTS coverage_qty_included numeric")
    cr.execute(
        "UPDATE after_sales_request_line SET coverage_qty_included = 0 WHERE coverage_qty_included IS NULL"
    )
