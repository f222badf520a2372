from . import test_install
from . import test_pricing
from . import test_billing_run
from . import test_contract_billing
from . import test_concurrency
from . import test_billing_registry_xlsx
from . import test_estimate
from . import test_invoice_documents
