from . import test_suite_security
