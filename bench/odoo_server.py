#!/usr/bin/env python3
"""Odoo's command line, as ``odoo-bin``: how ``serverlib.OdooServer`` starts a server with workers.

A prefork server re-runs its own script (``sys.argv[0]``) for the bus's gevent process, which
``python -m odoo`` cannot be: this script is that script. Where pkg_resources is too old to find
distributions whose metadata carry normalized names (setuptools < 69 and zope.event 5.1+ or
zope.interface 7+: gevent's ``monkey.patch_all()`` then dies in ``DistributionNotFound`` and the
server respawns that process over and over, a core's worth of CPU), gevent's own plugins are
loaded without that requirement check. Not imported by the tests.
"""

import sys


def _load_gevent_plugins_unchecked():
    try:
        import pkg_resources

        pkg_resources.require("gevent")
        return
    except ImportError:
        return
    except pkg_resources.DistributionNotFound:
        pass
    import gevent.events

    def iter_entry_points(group):
        for entry_point in pkg_resources.iter_entry_points(group):
            yield type("EntryPoint", (), {"load": lambda self, ep=entry_point: ep.resolve()})()

    gevent.events.iter_entry_points = iter_entry_points


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "gevent":
        _load_gevent_plugins_unchecked()
    from odoo.cli.command import main

    main()
