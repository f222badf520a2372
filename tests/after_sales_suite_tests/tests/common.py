from odoo.tests import HttpCase, new_test_user


class TourCommon(HttpCase):
    """What the browser tours make for themselves (they never read demo data): the chart of
    accounts, users of one role each, customers and their portal contacts, serial-tracked products
    and the units of a customer; a company of their own for the tours that list, count or bill
    everything of their company."""

    @classmethod
    def _use_own_company(cls, name):
        """Make what follows in a new company ``name``, its users in it alone: the lists, runs and
        counts of the tours hold the class's records only, whatever else the database holds."""
        company = cls.env["res.company"].create({"name": name})
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=company.ids))
        return company

    @classmethod
    def _ensure_chart(cls):
        """The generic chart of accounts on the company, unless it has one (invoices need it)."""
        company = cls.env.company
        if not company.chart_template:
            cls.env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)

    @classmethod
    def _create_user(cls, login, name, groups="after_sales_service.group_after_sales_user", **vals):
        """A user with only ``groups`` (an After-Sales user by default), of the current company."""
        company = cls.env.company
        vals = {"company_id": company.id, "company_ids": company.ids, **vals}
        return new_test_user(cls.env, login=login, name=name, groups=groups, **vals)

    @classmethod
    def _create_customer(cls, name, email=None, **vals):
        """A customer company."""
        return cls.env["res.partner"].create({"name": name, "is_company": True, "email": email, **vals})

    @classmethod
    def _create_portal_user(cls, customer, login, name, email=None):
        """A portal user of a new contact of ``customer``."""
        contact = cls.env["res.partner"].create({"name": name, "parent_id": customer.id, "email": email})
        return new_test_user(
            cls.env, login=login, name=name, groups="base.group_portal", partner_id=contact.id
        )

    @classmethod
    def _create_serial_product(cls, name, **vals):
        """A storable, serial-tracked product (a machine the customers own units of)."""
        return cls.env["product.product"].create(
            {"name": name, "type": "consu", "is_storable": True, "tracking": "serial", **vals}
        )

    @classmethod
    def _create_service(cls, name, price, **vals):
        """A service product sold at ``price``."""
        return cls.env["product.product"].create(
            {"name": name, "type": "service", "list_price": price, **vals}
        )

    @classmethod
    def _create_unit(cls, product, partner, serial, delivery_date, **vals):
        """A unit of ``product`` with the serial ``serial``, delivered to ``partner``."""
        lot = cls.env["stock.lot"].create({"name": serial, "product_id": product.id})
        return cls.env["after_sales.equipment"].create(
            {
                "product_id": product.id,
                "lot_id": lot.id,
                "partner_id": partner.id,
                "delivery_date": delivery_date,
                **vals,
            }
        )
