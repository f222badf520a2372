from . import test_contract
from . import test_equipment
from . import test_maintenance
from . import test_portal
from . import test_request
from . import test_request_xlsx
from . import test_security
from . import test_sla
