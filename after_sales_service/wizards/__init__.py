from . import after_sales_request_xlsx_wizard
from . import after_sales_request_resolve_wizard
