import json
import os

from odoo.modules.module import get_module_path, load_script
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, convert_file


def _load_migration(version):
    path = os.path.join(get_module_path("after_sales_service"), "migrations", version, "post-migrate.py")
    return load_script(path, f"after_sales_service_post_migrate_{version.replace('.', '_')}")


@tagged("post_install", "-at_install")
class TestMigration14(TransactionCase):
    """1.4 gives the acknowledgement template (``noupdate``) its new body ("reply to this message")
    where a database still has the old default, never where someone changed it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.migration = _load_migration("19.0.1.4.0")
        cls.template = cls.env.ref("after_sales_service.mail_template_request_created")
        new = cls.migration.NEW_BODY
        cls.old_en = new["en_US"].replace("reply to this message", "reply to this e-mail")
        cls.old_ru = new["ru_RU"].replace("ответьте на это сообщение", "ответьте на это письмо")

    def _stored(self):
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT body_html FROM mail_template WHERE id = %s", self.template.id))
        return self.env.cr.fetchone()[0]

    def _store(self, bodies):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE mail_template SET body_html = %s::jsonb WHERE id = %s",
                json.dumps(bodies),
                self.template.id,
            )
        )
        self.template.invalidate_recordset(["body_html"])

    def test_its_new_body_is_what_a_new_database_stores(self):
        """The script's bodies are the data file's and ru.po's, as Odoo stores them."""
        # the template as the data file makes it, whatever this database did to it
        convert_file(self.env, "after_sales_service", "data/mail_template_data.xml", None, mode="init")
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["after_sales_service"], ["ru_RU"], overwrite=True)
        stored = self._stored()
        self.assertEqual(stored["en_US"], self.migration.NEW_BODY["en_US"])
        self.assertEqual(stored["ru_RU"], self.migration.NEW_BODY["ru_RU"])
        self.assertNotEqual(self.old_en, stored["en_US"])
        self.assertNotEqual(self.old_ru, stored["ru_RU"])

    def test_old_defaults_get_the_new_body(self):
        new = self.migration.NEW_BODY
        french = self.old_en.replace("Dear", "Cher")
        self._store({"en_US": self.old_en, "ru_RU": self.old_ru, "fr_FR": french})
        self.assertEqual(self.migration.update_acknowledgement_template(self.env), ["en_US", "ru_RU"])
        self.assertEqual(self._stored(), {"en_US": new["en_US"], "ru_RU": new["ru_RU"], "fr_FR": french})
        self.assertIn("reply to this message", self.template.with_context(lang="en_US").body_html)

    def test_a_customised_body_is_kept(self):
        customised = {
            "en_US": self.old_en.replace("we have registered", "we registered"),
            "ru_RU": self.old_ru + " ",
        }
        self._store(customised)
        self.assertEqual(self.migration.update_acknowledgement_template(self.env), [])
        self.assertEqual(self._stored(), customised)
        # customised in one language, default in the other: only the default one changes
        self._store({"en_US": customised["en_US"], "ru_RU": self.old_ru})
        self.assertEqual(self.migration.update_acknowledgement_template(self.env), ["ru_RU"])
        self.assertEqual(
            self._stored(), {"en_US": customised["en_US"], "ru_RU": self.migration.NEW_BODY["ru_RU"]}
        )

    def test_runs_on_upgrades_only(self):
        self._store({"en_US": self.old_en})
        self.migration.migrate(self.env.cr, None)  # a new installation: nothing to convert
        self.assertEqual(self._stored(), {"en_US": self.old_en})
        self.migration.migrate(self.env.cr, "19.0.1.3.0")
        self.template.invalidate_recordset(["body_html"])
        self.assertEqual(self._stored(), {"en_US": self.migration.NEW_BODY["en_US"]})
        self.assertEqual(self.template.with_context(lang="en_US").body_html, self.migration.NEW_BODY["en_US"])
