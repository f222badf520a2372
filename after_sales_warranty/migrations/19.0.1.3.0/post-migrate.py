"""1.3: Odoo's Pricelists feature is on.

The suite prices with price lists (contracts, customers, dealers' parts) but did not turn the
feature on: Settings then warned that every active price list would be archived, and saving
them archived the contracts' price lists. A new database gets the feature at install
(``post_init_hook``); a database installed before gets it here. Price lists archived by such a
save are not restored: nothing tells them from those archived on purpose.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["res.company"]._after_sales_enable_pricelists()
    env.flush_all()
