from . import portal_estimate
