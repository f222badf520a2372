import ast
import os

from lxml import etree

from odoo.modules.module import get_manifest, get_module_path
from odoo.tests import TransactionCase, tagged

SUITE_MODULES = (
    "after_sales_service",
    "after_sales_warranty",
    "after_sales_parts",
    "after_sales_billing",
    "after_sales_suite_tests",
)
# Every module depends on base: its models and views need no declaration.
IMPLICIT = {"base"}


def inherited_models(module_path):
    """``{model: [file, ...]}`` of the models the module's classes extend (``_inherit`` and
    ``_inherits``), read from its Python files outside ``tests/``."""
    found = {}
    for root, dirs, files in os.walk(module_path):
        dirs[:] = [d for d in dirs if d not in ("tests", "static", "migrations", "__pycache__")]
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as file:
                tree = ast.parse(file.read(), path)
            for node in ast.walk(tree):
                if not isinstance(node, ast.ClassDef):
                    continue
                for stmt in node.body:
                    if not (
                        isinstance(stmt, ast.Assign)
                        and len(stmt.targets) == 1
                        and isinstance(stmt.targets[0], ast.Name)
                        and stmt.targets[0].id in ("_inherit", "_inherits")
                    ):
                        continue
                    value = ast.literal_eval(stmt.value)
                    models = [value] if isinstance(value, str) else list(value)
                    for model in models:
                        found.setdefault(model, []).append(os.path.relpath(path, module_path))
    return found


def inherited_views(module_path, module):
    """``{module: [file, ...]}`` of the modules whose views and templates the module's XML
    files inherit (the prefix of ``inherit_id``; none: the module itself)."""
    found = {}
    for root, dirs, files in os.walk(module_path):
        dirs[:] = [d for d in dirs if d not in ("tests", "static", "migrations", "__pycache__")]
        for name in files:
            if not name.endswith(".xml"):
                continue
            path = os.path.join(root, name)
            refs = etree.parse(path).xpath("//field[@name='inherit_id']/@ref | //template/@inherit_id")
            for ref in refs:
                owner = ref.split(".", 1)[0] if "." in ref else module
                found.setdefault(owner, []).append(os.path.relpath(path, module_path))
    return found


@tagged("post_install", "-at_install")
class TestManifestDepends(TransactionCase):
    """Each module declares in its manifest every module whose models or views it extends.

    Reaching them through another dependency is not enough: the manifest says what the module
    touches (warranty extends ``sale.order``: it depends on ``sale``, not on what ``repair``
    happens to bring). A model belongs to the module that defines its ``_name`` first
    (``_original_module`` of the registry's class, the first module listed on ``ir.model``).
    """

    def _undeclared(self, module):
        path = get_module_path(module)
        declared = set(get_manifest(module)["depends"]) | IMPLICIT | {module}
        missing = []
        for model, files in inherited_models(path).items():
            owner = self.env.registry[model]._original_module
            if owner not in declared:
                missing.append(f"{module}: model {model} ({', '.join(sorted(set(files)))}) is {owner}'s")
        for owner, files in inherited_views(path, module).items():
            if owner not in declared:
                missing.append(f"{module}: inherits views of {owner} ({', '.join(sorted(set(files)))})")
        return missing

    def test_models_and_views_extended_are_declared(self):
        missing = [line for module in SUITE_MODULES for line in self._undeclared(module)]
        self.assertFalse(missing, "Undeclared dependencies:\n" + "\n".join(missing))

    def test_the_check_reads_models_views_and_owners(self):
        """What the check compares is read: service's models extend mail.thread, warranty's the
        request, warranty's views inherit service's; each model's owner is its defining module."""
        service = inherited_models(get_module_path("after_sales_service"))
        warranty = inherited_models(get_module_path("after_sales_warranty"))
        self.assertIn("mail.thread", service)
        self.assertIn("after_sales.request", warranty)
        self.assertEqual(self.env.registry["sale.order"]._original_module, "sale")
        self.assertEqual(self.env.registry["after_sales.request"]._original_module, "after_sales_service")
        views = inherited_views(get_module_path("after_sales_warranty"), "after_sales_warranty")
        self.assertIn("after_sales_service", views)
