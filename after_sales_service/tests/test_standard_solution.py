from datetime import datetime, timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.misc import file_path

from .common import AfterSalesCommon


@tagged("post_install", "-at_install")
class TestStandardSolution(AfterSalesCommon):
    """Suggestions from a hand-computed history, and standard solutions.

    Product P (category C), units U1-U6; resolved requests, received at 09:00 and resolved at
    13:00 the same day, cause "defect" (D) unless "wear" (W); done lines (diag and replace are
    operations, filter, pump and seal parts):

    =====  ====  =====  ==========  ==========================  ======  =========================
    req    unit  cause  received    done lines                  visits  first-time fix
    =====  ====  =====  ==========  ==========================  ======  =========================
    R1     U1    D      2026-01-05  diag 1, filter 1            0       no: R2 within 30 days
    R2     U1    D      2026-01-20  diag 1, pump 1              0       yes
    R3     U2    D      2026-02-02  diag 1, filter 2            2       no: two visits
    R4     U3    D      2026-03-02  diag 1, filter 1 (pump 1    1       yes
                                    not done)
    R5     U4    D      2026-04-01  filter 1                    0       yes
    R6     U5    D      2026-05-04  diag 2, filter 1, seal 1    0       yes
    R7     U6    D      2026-06-01  replace 3, pump 1           0       yes
    R8     U2    W      2026-06-15  seal 2                      0       yes
    R9     U3    W      2026-07-01  seal 2, diag 1              0       no: R10 within 30 days
    R10    U3    W      2026-07-20  seal 2                      0       yes
    =====  ====  =====  ==========  ==========================  ======  =========================

    Not similar: an open request and a cancelled one of P (with filters), a resolved request of
    another product in another category, one of another company.

    A new request on U1 with cause D: similar are R1-R7 (7, first-time fixes R2 R4 R5 R6 R7:
    5/7 = 71.43 %). Lines, most used first: diag 5 (R1 R2 R3 R4 R6, 71.43 %, fixed 3/5 = 60 %,
    usually 1 h), filter 5 (R1 R3 R4 R5 R6, 71.43 %, 60 %, usually 1), pump 2 (R2 R7, 100 %),
    replace 1 (R7), seal 1 (R6). The kit (used by at least half): diag 1 and filter 1. Causes of P:
    D 7 of 10 (70 %, 71.43 %), W 3 (30 %, fixed R8 R10: 66.67 %).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.defect = cls.env["after_sales.cause"].create({"name": "Solutions defect"})
        cls.wear = cls.env["after_sales.cause"].create({"name": "Solutions wear"})
        cls.misuse = cls.env["after_sales.cause"].create({"name": "Solutions misuse"})
        cls.stage_resolved = cls.env.ref("after_sales_service.stage_resolved")
        cls.stage_cancelled = cls.env.ref("after_sales_service.stage_cancelled")
        cls.category = cls.env["product.category"].create({"name": "Solutions pumps"})
        cls.other_category = cls.env["product.category"].create({"name": "Solutions fans"})
        cls.product = cls._create_serial_product("Solutions Pump SP-1", categ_id=cls.category.id)
        cls.sibling = cls._create_serial_product("Solutions Pump SP-2", categ_id=cls.category.id)
        cls.other_product = cls._create_serial_product("Solutions Fan SF-1", categ_id=cls.other_category.id)
        hour = cls.env.ref("uom.product_uom_hour")
        cls.diag = cls.env["product.product"].create(
            {"name": "SP diagnosis", "type": "service", "uom_id": hour.id}
        )
        cls.replace = cls.env["product.product"].create(
            {"name": "SP impeller replacement", "type": "service", "uom_id": hour.id}
        )
        cls.filter = cls.env["product.product"].create({"name": "SP filter", "type": "consu"})
        cls.pump = cls.env["product.product"].create({"name": "SP pump head", "type": "consu"})
        cls.seal = cls.env["product.product"].create({"name": "SP seal", "type": "consu"})
        cls.engineer = new_test_user(
            cls.env, login="as_solution_engineer", groups="after_sales_service.group_after_sales_user"
        )
        cls.unit = {n: cls._create_unit(product=cls.product) for n in range(1, 7)}
        D, W = cls.defect, cls.wear
        history = [
            (1, D, "2026-01-05", [("work", cls.diag, 1), ("part", cls.filter, 1)], 0),
            (1, D, "2026-01-20", [("work", cls.diag, 1), ("part", cls.pump, 1)], 0),
            (2, D, "2026-02-02", [("work", cls.diag, 1), ("part", cls.filter, 2)], 2),
            (3, D, "2026-03-02", [("work", cls.diag, 1), ("part", cls.filter, 1)], 1),
            (4, D, "2026-04-01", [("part", cls.filter, 1)], 0),
            (5, D, "2026-05-04", [("work", cls.diag, 2), ("part", cls.filter, 1), ("part", cls.seal, 1)], 0),
            (6, D, "2026-06-01", [("work", cls.replace, 3), ("part", cls.pump, 1)], 0),
            (2, W, "2026-06-15", [("part", cls.seal, 2)], 0),
            (3, W, "2026-07-01", [("part", cls.seal, 2), ("work", cls.diag, 1)], 0),
            (3, W, "2026-07-20", [("part", cls.seal, 2)], 0),
        ]
        cls.past = [
            cls._past_request(cls.unit[n], cause, day, lines, visits)
            for n, cause, day, lines, visits in history
        ]
        # a pump head planned on R4 but not used
        cls.env["after_sales.request.line"].create(
            {"request_id": cls.past[3].id, "line_type": "part", "product_id": cls.pump.id, "quantity": 1}
        )
        # not similar: open, cancelled, another product, another company
        cls._past_request(cls.unit[4], D, "2026-08-03", [("part", cls.filter, 1)], 0, resolve=False)
        cancelled = cls._past_request(
            cls.unit[5], D, "2026-08-04", [("part", cls.filter, 1)], 0, resolve=False
        )
        cancelled.stage_id = cls.stage_cancelled
        fan = cls._create_unit(product=cls.other_product)
        cls._past_request(fan, D, "2026-08-05", [("part", cls.filter, 1)], 0)
        cls.other_company = cls.env["res.company"].create({"name": "Solutions Other Co"})
        cls.env["after_sales.request"].create(
            {
                "title": "Other company pump",
                "partner_id": cls.customer.id,
                "company_id": cls.other_company.id,
                "product_id": cls.product.id,
                "cause_id": D.id,
                "stage_id": cls.stage_resolved.id,
                "resolution": "<p>Done</p>",
            }
        )
        cls.request = cls.env["after_sales.request"].create(
            {"title": "Pump leaks again", "equipment_id": cls.unit[1].id, "cause_id": D.id}
        )
        cls.env.flush_all()

    @classmethod
    def _past_request(cls, unit, cause, day, lines, visits, resolve=True):
        moment = datetime.fromisoformat(f"{day} 09:00:00")
        with freeze_time(moment):
            request = cls.env["after_sales.request"].create(
                {"title": f"Pump problem of {day}", "equipment_id": unit.id, "cause_id": cause.id}
            )
            cls.env["after_sales.request.line"].create(
                [
                    {
                        "request_id": request.id,
                        "line_type": line_type,
                        "product_id": product.id,
                        "quantity": qty,
                        "done": True,
                    }
                    for line_type, product, qty in lines
                ]
            )
            for number in range(visits):
                cls.env["after_sales.visit"].create(
                    {
                        "request_id": request.id,
                        "planned_start": moment + timedelta(hours=number),
                        "planned_end": moment + timedelta(hours=number + 1),
                        "engineer_ids": cls.as_user.ids,
                    }
                )
        if resolve:
            with freeze_time(moment + timedelta(hours=4)):
                request.write({"stage_id": cls.stage_resolved.id, "resolution": f"<p>Fixed on {day}</p>"})
        return request

    def _solution(self, name, lines=(), user=None, **vals):
        """A standard solution of P created by ``user`` (a manager by default)."""
        return (
            self.env["after_sales.standard.solution"]
            .with_user(user or self.as_manager)
            .create(
                {
                    "name": name,
                    "product_id": self.product.id,
                    "line_ids": [
                        Command.create({"line_type": line_type, "product_id": product.id, "quantity": qty})
                        for line_type, product, qty in lines
                    ],
                    **vals,
                }
            )
        )

    def _line_values(self, request):
        return sorted(
            (line.line_type, line.product_id.name, line.quantity, line.quantity_method)
            for line in request.line_ids
        )

    # ------------------------------------------------------------ suggestions

    def test_suggestions_from_the_same_product_and_cause(self):
        suggestions = self.request.with_user(self.engineer)._get_solution_suggestions()
        self.assertEqual(suggestions["level"], "product_cause")
        self.assertEqual(suggestions["count"], 7)
        self.assertAlmostEqual(suggestions["ftf_rate"], 500 / 7)
        lines = [
            (line["line_type"], line["product"], line["count"], line["quantity"], line["in_kit"])
            for line in suggestions["lines"]
        ]
        self.assertEqual(
            lines,
            [
                ("work", self.diag, 5, 1.0, True),
                ("part", self.filter, 5, 1.0, True),
                ("part", self.pump, 2, 1.0, False),
                ("work", self.replace, 1, 3.0, False),
                ("part", self.seal, 1, 1.0, False),
            ],
        )
        rates = [(round(line["share"], 2), round(line["ftf_rate"], 2)) for line in suggestions["lines"]]
        self.assertEqual(
            rates, [(71.43, 60.0), (71.43, 60.0), (28.57, 100.0), (14.29, 100.0), (14.29, 100.0)]
        )
        causes = [
            (cause["cause"], cause["count"], round(cause["share"], 2), round(cause["ftf_rate"], 2))
            for cause in suggestions["causes"]
        ]
        self.assertEqual(causes, [(self.defect, 7, 70.0, 71.43), (self.wear, 3, 30.0, 66.67)])
        # the request form shows them
        html = str(self.request.with_user(self.engineer).solution_suggestion_html)
        self.assertIn("SP diagnosis", html)
        self.assertIn("71 %", html)
        self.assertTrue(self.request.with_user(self.engineer).has_solution_kit)

    def test_suggestions_fall_back_to_the_product_then_the_category(self):
        self.request.cause_id = self.misuse
        suggestions = self.request._get_solution_suggestions()
        self.assertEqual((suggestions["level"], suggestions["count"]), ("product", 10))
        # seal: R6 R8 R9 R10 (4 of 10, first-time fixes R6 R8 R10)
        seal = next(line for line in suggestions["lines"] if line["product"] == self.seal)
        self.assertEqual((seal["count"], seal["quantity"]), (4, 2.0))
        self.assertAlmostEqual(seal["ftf_rate"], 75.0)
        sibling_unit = self._create_unit(product=self.sibling)
        request = self.env["after_sales.request"].create(
            {"title": "SP-2 noise", "equipment_id": sibling_unit.id}
        )
        suggestions = request._get_solution_suggestions()
        self.assertEqual((suggestions["level"], suggestions["count"]), ("category", 10))
        # a product with no history at all: nothing to suggest, nothing to add
        lonely = self._create_serial_product("Solutions lonely")
        request.product_id = lonely
        self.assertEqual(request._get_solution_suggestions()["count"], 0)
        self.assertFalse(request.has_solution_kit)
        with self.assertRaises(UserError):
            request.with_user(self.engineer).action_apply_suggestions()
        self.assertFalse(request.line_ids)

    def test_suggestions_take_a_few_queries(self):
        """As many queries whatever the history holds (none per past request)."""
        request = self.request.with_user(self.engineer)
        request._get_solution_suggestions()
        self.env.invalidate_all()
        with self.assertQueryCount(9):
            request._get_solution_suggestions()
        for n in range(1, 7):
            self._past_request(self.unit[n], self.defect, "2026-09-01", [("part", self.seal, 1)], 1)
        self.env.invalidate_all()
        with self.assertQueryCount(9):
            self.assertEqual(request._get_solution_suggestions()["count"], 13)

    def test_kit_adds_exactly_its_lines_as_the_engineer(self):
        request = self.request.with_user(self.engineer)
        request.action_apply_suggestions()
        self.assertEqual(
            self._line_values(self.request),
            [("part", "SP filter", 1.0, "manual"), ("work", "SP diagnosis", 1.0, "manual")],
        )
        self.assertIn("First-time-fix kit of 7 similar requests added", self.request.message_ids[0].body)
        # applied again: nothing more to add, nothing written
        with self.assertRaises(UserError):
            request.action_apply_suggestions()
        self.assertEqual(len(self.request.line_ids), 2)

    def test_kit_goes_through_the_lines_checks(self):
        """A closed request refuses new lines to an engineer: the kit as much as a typed line."""
        self.request.write(
            {"stage_id": self.env.ref("after_sales_service.stage_closed").id, "resolution": "<p>x</p>"}
        )
        with self.assertRaisesRegex(UserError, "Closed and cancelled requests"):
            self.request.with_user(self.engineer).action_apply_suggestions()
        self.assertFalse(self.request.line_ids)

    def test_the_customer_reads_no_suggestion(self):
        portal = new_test_user(self.env, login="as_solution_portal", groups="base.group_portal")
        portal.partner_id.parent_id = self.customer
        request = self.request.with_user(portal)
        self.assertEqual(request.read(["title"])[0]["title"], "Pump leaks again")
        for fname in ("solution_suggestion_html", "matching_solution_ids", "standard_solution_id"):
            with self.subTest(fname=fname), self.assertRaises(AccessError):
                request.read([fname])

    # ------------------------------------------------------------ standard solutions

    def test_promote_a_resolved_request_to_a_draft(self):
        r6 = self.past[5]
        action = r6.with_user(self.engineer).action_promote_to_solution()
        solution = self.env["after_sales.standard.solution"].browse(action["res_id"])
        self.assertRecordValues(
            solution,
            [
                {
                    "name": r6.title,
                    "product_id": self.product.id,
                    "categ_id": self.category.id,
                    "cause_id": self.defect.id,
                    "is_published": False,
                    "author_id": self.engineer.id,
                    "source_request_id": r6.id,
                    "company_id": r6.company_id.id,
                }
            ],
        )
        self.assertIn("Fixed on 2026-05-04", str(solution.description))
        self.assertEqual(
            sorted((line.line_type, line.product_id, line.quantity) for line in solution.line_ids),
            sorted([("work", self.diag, 2.0), ("part", self.filter, 1.0), ("part", self.seal, 1.0)]),
        )
        # an open request has no resolution to promote
        with self.assertRaisesRegex(UserError, "Resolve request"):
            self.request.with_user(self.engineer).action_promote_to_solution()

    def test_only_managers_publish(self):
        draft = self._solution("Leak: seal", [("part", self.seal, 1)], user=self.engineer)
        as_engineer = draft.with_user(self.engineer)
        with self.assertRaisesRegex(AccessError, "Only After-Sales managers publish"):
            as_engineer.action_publish()
        with self.assertRaises(AccessError):
            as_engineer.write({"is_published": True})
        with self.assertRaises(AccessError):
            self._solution("Published by me", [("part", self.seal, 1)], user=self.engineer, is_published=True)
        with self.assertRaises(AccessError):
            as_engineer.write({"author_id": self.as_manager.id})
        self.assertFalse(draft.is_published)
        # the engineer edits the draft; another engineer does not even read it
        as_engineer.name = "Leak: change the seal"
        other = new_test_user(
            self.env, login="as_solution_other", groups="after_sales_service.group_after_sales_user"
        )
        Solution = self.env["after_sales.standard.solution"]
        self.assertFalse(Solution.with_user(other).search([("id", "=", draft.id)]))
        draft.with_user(self.as_manager).action_publish()
        self.assertTrue(draft.is_published)
        self.assertEqual(Solution.with_user(other).search([("id", "=", draft.id)]), draft)
        # published, it is the managers' to change
        with self.assertRaises(AccessError):
            as_engineer.write({"name": "Mine again"})
        with self.assertRaises(AccessError):
            draft.line_ids.with_user(self.engineer).write({"quantity": 5})
        # an empty solution is not published
        empty = self._solution("Nothing yet")
        with self.assertRaisesRegex(UserError, "is empty"):
            empty.action_publish()
        self.assertFalse(empty.is_published)

    def test_other_company_solutions_are_invisible(self):
        other_user = new_test_user(
            self.env,
            login="as_solution_other_company",
            groups="after_sales_service.group_after_sales_manager",
            company_id=self.other_company.id,
            company_ids=[self.other_company.id],
        )
        mine = self._solution("Ours", [("part", self.seal, 1)])
        mine.action_publish()
        Solution = self.env["after_sales.standard.solution"]
        self.assertFalse(Solution.with_user(other_user).search([("id", "=", mine.id)]))
        theirs = Solution.with_user(other_user).create(
            {"name": "Theirs", "categ_id": self.category.id, "description": "<p>Call us</p>"}
        )
        theirs.action_publish()
        self.assertFalse(Solution.with_user(self.engineer).search([("id", "=", theirs.id)]))
        self.assertNotIn(theirs, self.request.with_user(self.engineer).matching_solution_ids)
        with self.assertRaises(AccessError):
            self.env["after_sales.standard.solution"].with_user(self.internal_user).search([])

    def test_requests_list_matching_published_solutions(self):
        exact = self._solution("Pump defect", [("part", self.pump, 1)], cause_id=self.defect.id)
        any_cause = self._solution("Pump check", [("work", self.diag, 1)])
        family = self._solution(
            "Pump family", [("work", self.diag, 1)], product_id=False, categ_id=self.category.id
        )
        worn = self._solution("Pump wear", [("part", self.seal, 1)], cause_id=self.wear.id)
        fan = self._solution("Fan", [("part", self.seal, 1)], product_id=self.other_product.id)
        draft = self._solution("Pump draft", [("part", self.seal, 1)])
        (exact | any_cause | family | worn | fan).action_publish()
        self.assertFalse(draft.is_published)
        request = self.request.with_user(self.engineer)
        self.assertEqual(request.matching_solution_ids.ids, (exact | any_cause | family).ids)

    def test_solution_sharing_the_symptom_words_comes_first(self):
        """Of two solutions of the product and cause, the one whose name or symptoms share words
        with the request's description comes first, whatever their names' order."""
        starter = self._solution(
            "Engine does not crank", [("work", self.diag, 1)], cause_id=self.defect.id, symptoms="no start"
        )
        heat = self._solution(
            "Radiator cleaning",
            [("work", self.replace, 1)],
            cause_id=self.defect.id,
            symptoms="overheats, high temperature alarm",
        )
        (starter | heat).action_publish()
        request = self.request.with_user(self.engineer)
        self.assertEqual(request.matching_solution_ids.ids, (starter | heat).ids, "by name at first")
        with Form(request) as form:
            form.description = "<p>The pump overheating again: temperature alarm at noon</p>"
        self.assertEqual(request.matching_solution_ids.ids, (heat | starter).ids)
        # the product's own solutions still come before its category's, whatever they say
        family = self._solution(
            "Family overheating", [("work", self.diag, 1)], product_id=False, categ_id=self.category.id
        )
        family.action_publish()
        request.invalidate_recordset(["matching_solution_ids"])
        self.assertEqual(request.matching_solution_ids.ids, (heat | starter | family).ids)

    def test_symptom_words_match_in_russian(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.engineer.lang = "ru_RU"
        starter = self._solution("Starter relay", [("work", self.diag, 1)], cause_id=self.defect.id)
        heat = self._solution("Overheating", [("work", self.replace, 1)], cause_id=self.defect.id)
        starter.with_context(lang="ru_RU").write({"name": "Замена реле стартера", "symptoms": "не заводится"})
        heat.with_context(lang="ru_RU").write(
            {"name": "Чистка радиатора", "symptoms": "перегрев под нагрузкой, сигнал температуры"}
        )
        (starter | heat).action_publish()
        request = self.request.with_user(self.engineer).with_context(lang="ru_RU")
        self.assertEqual(request.matching_solution_ids.ids, (starter | heat).ids)
        request.description = "<p>Насос перегревается под нагрузкой, горит сигнал «Температура»</p>"
        self.assertEqual(request.matching_solution_ids.ids, (heat | starter).ids)

    def test_demo_solutions_read_in_russian(self):
        """The demo solutions' names, symptoms and descriptions are translated in ru.po, which
        Odoo loads for them as for its own demo data (``_load_module_terms``, as installing
        Russian does). With the demo data, its records; without, records under their ids."""
        demo = etree.parse(file_path("after_sales_service/demo/after_sales_standard_solution_demo.xml"))
        records = demo.xpath("//record[@model='after_sales.standard.solution']")
        self.assertEqual(len(records), 3)
        english = {}
        for record in records:
            xmlid = f"after_sales_service.{record.get('id')}"
            values = {
                fname: record.xpath(f"field[@name='{fname}']")[0].text
                for fname in ("name", "symptoms", "description")
            }
            english[xmlid] = values
            if not self.env.ref(xmlid, raise_if_not_found=False):
                solution = self._solution(
                    values["name"],
                    [("part", self.seal, 1)],
                    symptoms=values["symptoms"],
                    description=values["description"],
                )
                self.env["ir.model.data"]._update_xmlids([{"xml_id": xmlid, "record": solution}])
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["after_sales_service"], ["ru_RU"], overwrite=True)
        self.env.invalidate_all()
        for xmlid, values in english.items():
            solution = self.env.ref(xmlid)
            russian = solution.with_context(lang="ru_RU")
            for fname, text in values.items():
                with self.subTest(solution=xmlid, field=fname):
                    self.assertEqual(solution[fname], text)
                    self.assertNotEqual(russian[fname], text)
                    self.assertRegex(russian[fname], "[а-яё]{4}")

    def test_apply_a_solution_adds_its_lines(self):
        solution = self._solution(
            "Pump defect", [("work", self.replace, 2), ("part", self.pump, 1)], cause_id=self.defect.id
        )
        solution.action_publish()
        request = self.request.with_user(self.engineer)
        with Form(request) as form:
            form.standard_solution_id = solution
        request.action_apply_standard_solution()
        self.assertEqual(
            self._line_values(self.request),
            [("part", "SP pump head", 1.0, "manual"), ("work", "SP impeller replacement", 2.0, "manual")],
        )
        self.assertIn("Standard solution Pump defect applied", self.request.message_ids[0].body)

    def test_apply_refuses_bad_input_in_russian_and_writes_nothing(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.engineer.lang = "ru_RU"
        fan = self._solution("Fan", [("part", self.seal, 1)], product_id=self.other_product.id)
        empty = self._solution("Pump notes", description="<p>Look at it</p>")
        (fan | empty).action_publish()
        request = self.request.with_user(self.engineer).with_context(lang="ru_RU")
        with self.assertRaisesRegex(UserError, "Типовое решение Fan предназначено для"):
            request._apply_standard_solution(fan)
        with self.assertRaisesRegex(UserError, "Типовое решение Pump notes не содержит"):
            request._apply_standard_solution(empty)
        with self.assertRaisesRegex(UserError, "Выберите типовое решение"):
            request.action_apply_standard_solution()
        self.assertFalse(self.request.line_ids)
        with self.assertRaisesRegex(ValidationError, "укажите изделие или категорию"):
            self.env["after_sales.standard.solution"].with_user(self.engineer).with_context(
                lang="ru_RU"
            ).create({"name": "Nowhere"})

    def test_solutions_are_searched_by_words_in_russian_too(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        solution = self._solution(
            "Pump leaks at the shaft",
            [("part", self.seal, 1)],
            symptoms="leak, drips",
            description="<p>Replace the shaft seal</p>",
        )
        solution.with_context(lang="ru_RU").write(
            {
                "name": "Насос течёт по валу",
                "symptoms": "течь, капает",
                "description": "<p>Заменить уплотнение вала</p>",
            }
        )
        solution.action_publish()
        Solution = self.env["after_sales.standard.solution"].with_user(self.engineer)
        self.assertEqual(Solution.name_search("drips")[0][0], solution.id)
        self.assertEqual(Solution.with_context(lang="ru_RU").name_search("капает")[0][0], solution.id)
        self.assertEqual(
            Solution.with_context(lang="ru_RU").search([("description", "ilike", "уплотнение")]), solution
        )
        self.assertEqual(Solution.search([("product_id", "ilike", "SP-1")]), solution)
        self.assertEqual(solution.with_context(lang="ru_RU").name, "Насос течёт по валу")
        self.assertEqual(solution.name, "Pump leaks at the shaft")
