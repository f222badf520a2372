"""1.1: warranty and service-life periods end as ГК РФ art. 191-192 counts them.

Until 1.0 a period of N months from D ended the day before the same date N months later;
from 1.1 it ends on that date (see ``after_sales_service.tools.period_end``). The stored
end dates of every unit (and what depends on them: warranty status, coverage not yet
decided) are computed again.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    units = env["after_sales.equipment"].with_context(active_test=False).search([])
    units.modified(["warranty_parts_months", "service_life_years"])
    env.flush_all()
