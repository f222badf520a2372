from . import after_sales_billing_registry
from . import after_sales_act_sign
from . import after_sales_dealer_claim_xlsx_wizard
