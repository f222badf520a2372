from . import test_suite_security
from . import test_end_to_end
