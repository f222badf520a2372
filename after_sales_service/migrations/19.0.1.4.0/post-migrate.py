"""1.4: the acknowledgement of a new request says "reply to this message" (it reaches customers in
Telegram too), no longer "reply to this e-mail".

Its template is ``noupdate``: the databases installed before keep the old text. Here each language
of its body that is still the old default (English, Russian) gets the new one; a body someone
changed, even slightly, is left as it is. The group chats the Telegram bots answered are recorded on
their updates from 1.4 on (a new column, nothing to convert).
"""

import json

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

TEMPLATE = "after_sales_service.mail_template_request_created"

# the body of 1.4 as a new database stores it (English from the data file, Russian from ru.po)
NEW_BODY = {
    "en_US": (
        '<div style="margin: 0px; padding: 0px;">\n'
        '    <p style="margin: 0px; padding: 0px; font-size: 13px;">\n'
        '        Dear <t t-out="(object.contact_id or object.partner_id).name or '
        "''\">Customer</t>,<br/><br/>\n"
        '        we have registered your request <strong t-out="object.name or '
        "''\">SR/2026/00001</strong>\n"
        '        "<t t-out="object.title or \'\'">Subject</t>"<t '
        't-if="object.equipment_id"> for\n'
        "        <t t-out=\"object.equipment_id.display_name or ''\">unit</t></t>.<br/>\n"
        '        <t t-if="object.sla_resolution_deadline">\n'
        "            We will answer by <t "
        't-out="object._format_datetime_tz(object.sla_response_deadline, '
        'object.contact_id or object.partner_id)">date</t>\n'
        "            and aim to resolve it by <strong "
        't-out="object._format_datetime_tz(object.sla_resolution_deadline, '
        'object.contact_id or object.partner_id)">date</strong>.<br/>\n'
        "        </t>\n"
        "        You can reply to this message to add information.<br/><br/>\n"
        "        <t t-out=\"object.company_id.name or ''\">Company</t>\n"
        "    </p>\n"
        "</div>\n"
        "        "
    ),
    "ru_RU": (
        '<div style="margin: 0px; padding: 0px;">\n'
        '    <p style="margin: 0px; padding: 0px; font-size: 13px;">\n'
        '        Здравствуйте, <t t-out="(object.contact_id or object.partner_id).name '
        "or ''\">Клиент</t>!<br/><br/>\n"
        '        Мы зарегистрировали Вашу заявку <strong t-out="object.name or '
        "''\">SR/2026/00001</strong>\n"
        "        «<t t-out=\"object.title or ''\">Тема</t>»<t "
        't-if="object.equipment_id"> по оборудованию\n'
        "        <t t-out=\"object.equipment_id.display_name or ''\">единица "
        "оборудования</t></t>.<br/>\n"
        '        <t t-if="object.sla_resolution_deadline">\n'
        "            Мы ответим Вам до <t "
        't-out="object._format_datetime_tz(object.sla_response_deadline, '
        'object.contact_id or object.partner_id)">дата</t>\n'
        "            и планируем решить вопрос до <strong "
        't-out="object._format_datetime_tz(object.sla_resolution_deadline, '
        'object.contact_id or object.partner_id)">дата</strong>.<br/>\n'
        "        </t>\n"
        "        Чтобы дополнить заявку, просто ответьте на это сообщение.<br/><br/>\n"
        "        <t t-out=\"object.company_id.name or ''\">Компания</t>\n"
        "    </p>\n"
        "</div>\n"
        "        "
    ),
}
# what 1.4 changed in it: (new words, old words)
CHANGED_WORDS = {
    "en_US": ("reply to this message", "reply to this e-mail"),
    "ru_RU": ("ответьте на это сообщение", "ответьте на это письмо"),
}


def old_bodies():
    """{old default body: its 1.4 body}, for each language of the defaults."""
    return {body.replace(*CHANGED_WORDS[lang]): body for lang, body in NEW_BODY.items()}


def update_acknowledgement_template(env):
    """Give the acknowledgement template its 1.4 body in each language where it is still the old
    default; the languages updated."""
    template = env.ref(TEMPLATE, raise_if_not_found=False)
    if not template:
        return []
    env.cr.execute(SQL("SELECT body_html FROM mail_template WHERE id = %s", template.id))
    stored = env.cr.fetchone()[0] or {}
    defaults = old_bodies()
    updates = {lang: defaults[body] for lang, body in stored.items() if body in defaults}
    if updates:
        env.cr.execute(
            SQL(
                "UPDATE mail_template SET body_html = body_html || %s::jsonb WHERE id = %s",
                json.dumps(updates),
                template.id,
            )
        )
        template.invalidate_recordset(["body_html"])
    return sorted(updates)


def migrate(cr, version):
    if not version:
        return
    update_acknowledgement_template(api.Environment(cr, SUPERUSER_ID, {}))
