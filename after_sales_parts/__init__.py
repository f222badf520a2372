from . import models
from . import wizards


def _after_sales_parts_post_init(env):
    """Give warehouses made before the install their service location and operation type."""
    env["stock.warehouse"].with_context(active_test=False).search([])._after_sales_ensure_parts_setup()
