from . import after_sales_request_xlsx_wizard
