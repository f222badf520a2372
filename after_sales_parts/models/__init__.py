from . import stock_lot
from . import after_sales_request_line
