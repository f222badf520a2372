"""1.2: time on requests through hr_timesheet (a new dependency, installed by the upgrade).

Teams made from 1.2 on get their timesheet project with them; the teams of databases installed
before get theirs here, so that the first timesheet logged on one of their requests does not
make it (the project would be made then otherwise, by whoever logs time first). The main company
gets the labour product as a new database does (its data file is ``noupdate``).
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    company = env.ref("base.main_company", raise_if_not_found=False)
    labour = env.ref("after_sales_service.product_labour", raise_if_not_found=False)
    if company and labour and not company.after_sales_labour_product_id:
        company.after_sales_labour_product_id = labour
    for team in env["after_sales.team"].search([("project_id", "=", False)]):
        team._get_timesheet_project()
    env.flush_all()
