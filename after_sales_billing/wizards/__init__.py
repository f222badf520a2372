from . import after_sales_billing_registry
