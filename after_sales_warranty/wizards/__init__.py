from . import after_sales_warranty_void_wizard
from . import after_sales_coverage_override_wizard
