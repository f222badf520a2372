from . import test_consumption
from . import test_forecast
from . import test_grade
from . import test_loan_exchange
from . import test_parts
from . import test_stock_user
