from . import after_sales_xlsx_registry_mixin
from . import after_sales_request_xlsx_wizard
from . import after_sales_request_resolve_wizard
from . import after_sales_reliability_fleet_wizard
from . import after_sales_reliability_fleet_line
from . import after_sales_reliability_xlsx_wizard
