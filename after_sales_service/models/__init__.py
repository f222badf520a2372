from . import after_sales_equipment
