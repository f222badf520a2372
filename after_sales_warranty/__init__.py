from . import models
from . import wizards
from . import controllers


def _after_sales_warranty_post_init(env):
    """Turn on Odoo's Pricelists feature: the suite's contracts, customers and dealers use them."""
    env["res.company"]._after_sales_enable_pricelists()
