from . import test_install
from . import test_warranty_terms
from . import test_coverage
from . import test_extension
from . import test_vendor_claim
from . import test_dealer_claim
from . import test_dealer_portal
from . import test_dealer_portal_pages
