"""Tests of gen_readme.py: ``python3 -m unittest discover -s .ci -p 'test_*.py'`` (run by make lint)."""

import contextlib
import io
import os
import re
import sys
import tempfile
import textwrap
import unittest

from docutils.core import publish_parts

sys.path.insert(0, os.path.dirname(__file__))

import gen_readme


def html(rst):
    """The HTML body docutils makes of ``rst`` (fails on any warning)."""
    problems = gen_readme.rst_problems(rst, "<test>")
    assert not problems, problems
    return publish_parts(rst, writer_name="html", settings_overrides={"report_level": 5})["body"]


def md_html(markdown, depth=2):
    return html("\n".join(gen_readme.convert(textwrap.dedent(markdown), depth)))


class TestInline(unittest.TestCase):
    def test_code_bold_emphasis_links(self):
        body = md_html(
            "Run `make lint` **before** pushing, *always*; see [the docs](https://example.com/a_b)."
        )
        self.assertIn('<tt class="docutils literal">make lint</tt>', body)
        self.assertIn("<strong>before</strong>", body)
        self.assertIn("<em>always</em>", body)
        self.assertIn('<a class="reference external" href="https://example.com/a_b">the docs</a>', body)

    def test_markup_glued_to_words(self):
        """``x``s and (**y**) are not valid reST as such: the converter joins them with escapes."""
        body = md_html("the `_portal_fields`s of a unit's (**own**) lines, `a`/`b`")
        self.assertIn('<tt class="docutils literal">_portal_fields</tt>s of', body)
        self.assertIn("(<strong>own</strong>)", body)

    def test_special_characters_are_literal(self):
        body = md_html("a | b, 2 * 3, after_sales_ and name_ here, a\\b, `x` and ` in text")
        self.assertIn("a | b, 2 * 3, after_sales_ and name_ here, a\\b", body)

    def test_snake_case_is_not_emphasis(self):
        body = md_html("the field after_sales_team_id and __init__")
        self.assertIn("after_sales_team_id and __init__", body)
        self.assertNotIn("<em>", body)


class TestBlocks(unittest.TestCase):
    def test_headings_take_the_depth_given(self):
        rst = gen_readme.convert("## Back office\n\ntext\n\n### Detail\n\nmore", 2)
        self.assertEqual(rst[:2], ["Back office", "~~~~~~~~~~~"])
        self.assertIn("^^^^^^", rst)

    def test_nested_and_numbered_lists(self):
        body = md_html(
            """\
            Steps:

            1. open the request
               and press **Start**
            2. then:
               - a work line
               - a part line
                 with its serial
            3. resolve

            After.
            """
        )
        self.assertEqual(body.count("<ol"), 1)
        self.assertEqual(body.count("<ul"), 1)
        self.assertIn("open the request and press <strong>Start</strong>", body)
        self.assertIn("a part line with its serial", body)
        # The sublist is inside the second item, the third item is in the outer list.
        self.assertLess(body.index("<ul"), body.index("resolve"))
        self.assertLess(body.index("</ul>"), body.index("resolve"))
        self.assertGreater(body.index("After."), body.index("</ol>"))

    def test_blank_lines_between_items_keep_one_list(self):
        body = md_html("- one\n\n- two\n\ntext")
        self.assertEqual(body.count("<ul"), 1)

    def test_code_block_and_table(self):
        body = md_html(
            """\
            ```sh
            make test TAGS=/after_sales_service
            ```

            | setting | where |
            | --- | --- |
            | Default SLA Policy | Settings > `After-Sales` |
            """
        )
        self.assertIn('<pre class="code sh literal-block">', body)
        self.assertIn("make test TAGS=/after_sales_service", re.sub("<[^>]+>", "", body))
        self.assertIn("<table", body)
        self.assertIn('<th class="head">setting</th>', body)
        self.assertIn("Settings &gt;", body)

    def test_unsupported_markdown_is_refused(self):
        for text in ("Term\n: definition", "> quote", "a\n\n    indented code", "| a |\n| b |"):
            with self.subTest(text=text), self.assertRaises(gen_readme.MarkdownError):
                gen_readme.convert(text, 2, "X.md")


class TestReadme(unittest.TestCase):
    def _addon(self, root, **fragments):
        addon = os.path.join(root, "my_addon")
        os.makedirs(os.path.join(addon, "readme"))
        with open(os.path.join(addon, "__manifest__.py"), "w") as file:
            file.write(
                repr(
                    {
                        "name": "My Addon",
                        "summary": "Does things",
                        "version": "19.0.1.2.0",
                        "author": "Someone, Else",
                        "website": "https://github.com/org/repo",
                        "maintainers": ["alice"],
                        "license": "LGPL-3",
                        "development_status": "Alpha",
                    }
                )
            )
        for name, text in fragments.items():
            with open(os.path.join(addon, "readme", name + ".md"), "w") as file:
                file.write(text)
        return addon

    def test_sections_in_oca_order(self):
        with tempfile.TemporaryDirectory() as root:
            addon = self._addon(
                root,
                USAGE="Use it.",
                DESCRIPTION="What it is.",
                CONFIGURE="Set it.",
                HISTORY="## 19.0.1.2.0\n\n- new",
                CONTRIBUTORS="- A Person",
            )
            text = gen_readme.build(addon)
        titles = ["My Addon", "Description", "Configuration", "Usage", "Changelog", "Bug Tracker"]
        titles += ["Credits", "Authors", "Contributors", "Maintainers"]
        positions = [text.index("\n" + title + "\n") for title in titles]
        self.assertEqual(positions, sorted(positions))
        self.assertIn("Does things", text)
        self.assertNotIn("Installation", text)
        body = html(text)
        self.assertIn("A Person", body)
        self.assertIn("19.0.1.2.0", body)

    def test_check_fails_on_a_stale_readme_and_writes_nothing(self):
        with tempfile.TemporaryDirectory() as root:
            addon = self._addon(root, DESCRIPTION="What it is.")
            readme = os.path.join(addon, "README.rst")
            with contextlib.redirect_stderr(io.StringIO()) as err:
                self.assertEqual(gen_readme.main(["--check", addon]), 1)
            self.assertIn("stale", err.getvalue())
            self.assertFalse(os.path.exists(readme))
            with contextlib.redirect_stdout(io.StringIO()):
                self.assertEqual(gen_readme.main([addon]), 0)
            self.assertEqual(gen_readme.main(["--check", addon]), 0)
            with open(os.path.join(addon, "readme", "DESCRIPTION.md"), "a") as file:
                file.write("\nMore.")
            with contextlib.redirect_stderr(io.StringIO()):
                self.assertEqual(gen_readme.main(["--check", addon]), 1)

    def test_bad_markdown_writes_nothing(self):
        with tempfile.TemporaryDirectory() as root:
            addon = self._addon(root, DESCRIPTION="Term\n: definition")
            with contextlib.redirect_stderr(io.StringIO()) as err:
                self.assertEqual(gen_readme.main([addon]), 1)
            self.assertIn("DESCRIPTION.md:2", err.getvalue())
            self.assertFalse(os.path.exists(os.path.join(addon, "README.rst")))


if __name__ == "__main__":
    unittest.main()
