from . import test_suite_security
from . import test_end_to_end
from . import test_odoo_apps_users
from . import test_form_entry
from . import test_tours
from . import test_tour_portal
from . import test_menus
from . import test_portal_fields
