from . import after_sales_billing_registry
from . import account_move_reversal
