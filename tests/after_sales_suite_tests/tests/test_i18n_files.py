import os
import re

import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged

from .test_manifest_depends import SUITE_MODULES

# how Odoo's PoFileReader finds an entry's module: an entry without it stops the loading
MODULE_COMMENT = re.compile(r"(module[s]?): (\w+)")


@tagged("post_install", "-at_install")
class TestI18nFiles(TransactionCase):
    def test_every_translation_names_its_module(self):
        """Each entry of a module's ru.po carries the ``#. module:`` comment Odoo loads it by
        (an entry pasted without it makes the loading of the file fail)."""
        for module in SUITE_MODULES:
            path = os.path.join(get_module_path(module), "i18n", "ru.po")
            if not os.path.exists(path):
                continue
            with self.subTest(module=module):
                orphans = [
                    entry.msgid
                    for entry in polib.pofile(path)
                    if not entry.obsolete and not MODULE_COMMENT.match(entry.comment)
                ]
                self.assertEqual(orphans, [], f"{path}: entries without '#. module:'")

    def test_russian_matches_the_exported_template(self):
        """A module's ``ru.po`` translates exactly the messages of its exported ``.pot``: Odoo loads
        ru.po through the .pot, so a message missing from either shows in English (a .pot not
        exported again after new strings drops their translations; ``make i18n`` exports the .pot
        files and merges ru.po)."""
        for module in SUITE_MODULES:
            path = get_module_path(module)
            pot_path = os.path.join(path, "i18n", f"{module}.pot")
            if not os.path.exists(pot_path):
                continue
            with self.subTest(module=module):
                russian = {
                    (entry.msgctxt, entry.msgid)
                    for entry in polib.pofile(os.path.join(path, "i18n", "ru.po"))
                    if entry.translated()
                }
                template = {
                    (entry.msgctxt, entry.msgid) for entry in polib.pofile(pot_path) if not entry.obsolete
                }
                self.assertEqual(
                    sorted(msgid for __, msgid in template - russian),
                    [],
                    f"{module}: messages without Russian",
                )
                self.assertEqual(
                    sorted(msgid for __, msgid in russian - template),
                    [],
                    f"{module}: translations the .pot does not have (run make i18n)",
                )
