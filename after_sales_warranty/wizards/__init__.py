from . import after_sales_warranty_void_wizard
from . import after_sales_coverage_override_wizard
from . import after_sales_dealer_claim_xlsx_wizard
from . import after_sales_reliability_fleet_line
from . import after_sales_reliability_xlsx_wizard
