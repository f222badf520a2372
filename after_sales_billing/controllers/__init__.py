from . import portal_estimate
from . import phone_call
from . import portal_act
