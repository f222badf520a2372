from odoo import api, models, tools


class AfterSalesPortalMixin(models.AbstractModel):
    """What portal and public users may read of a model: the fields it lists, nothing else.

    A model customers read through the portal inherits this mixin and lists in
    ``_portal_fields`` what its portal pages and controllers show them, plus what Odoo's
    portal and mail machinery needs. A module adding a field customers see lists it in the
    ``_portal_fields`` of its own ``_inherit``: the lists of all the classes of a model add up
    (as ``_depends`` does). Every other field, a new one included, is internal: a share user
    (portal, public) can neither read nor write it, search on it or order by it, even on the
    records the record rules let them see. Internal users and superuser code are not
    concerned; ``groups=`` on a field still applies to everyone.

    Portal pages render the records a controller checked with ``sudo()``, as Odoo's portal
    does; what they render with the customer's own rights must be listed, and so must the
    fields of the model's ``_order`` and ``active``, which a search in the default order reads.
    """

    _name = "after_sales.portal.mixin"
    _description = "After-Sales Portal Fields"

    _portal_fields = {"id", "display_name"}

    @api.model
    @tools.ormcache(cache="stable")
    def _get_portal_fields(self):
        """Names of the fields share users may access: ``_portal_fields`` of every class of the model."""
        return frozenset().union(*(vars(cls).get("_portal_fields", ()) for cls in type(self).mro()))

    def _has_field_access(self, field, operation):
        if not super()._has_field_access(field, operation):
            return False
        return self.env.su or not self.env.user.share or field.name in self._get_portal_fields()
