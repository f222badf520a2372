from . import attachment
from . import portal
from . import unit_public
from . import telegram
