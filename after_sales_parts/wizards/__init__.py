from . import after_sales_parts_refuse_wizard
from . import after_sales_parts_return_wizard
from . import stock_return_picking
from . import stock_return_picking_line
