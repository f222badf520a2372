from . import after_sales_parts_refuse_wizard
from . import after_sales_parts_return_wizard
