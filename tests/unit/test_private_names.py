"""course_utils uses public names only: no module imports another module's underscore names, and no module
reaches into an underscore attribute of an object it did not define (private API of Keras, TensorFlow, matplotlib,
which a release may change without notice)."""

import ast
from pathlib import Path

import pytest

import course_utils

PACKAGE = Path(course_utils.__file__).parent
# The one known exception, documented where it is used: describe_pipeline walks tf.data's private
# `_input_dataset` chain (there is no public way to list a pipeline's stages); only the course's own tests call it.
ALLOWED = {("pipelines.py", "_input_dataset")}


def _private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _private_uses(tree):
    """(line, name, what) for each underscore name that a module takes from elsewhere."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            yield from (
                (node.lineno, alias.name, f"from {node.module} import {alias.name}")
                for alias in node.names
                if _private(alias.name)
            )
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                yield node.lineno, node.attr, ast.unparse(node)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
        ):
            yield node.lineno, node.args[1].value, ast.unparse(node)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_modules_use_only_public_names_of_other_modules_and_libraries(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [f"line {line}: {what}" for line, name, what in _private_uses(tree) if (path.name, name) not in ALLOWED]
    assert not found, (
        f"{path.relative_to(PACKAGE.parent)} uses private names: {found}. Make the name public in "
        "its own module (and document it), or find the library's public API for it."
    )


def test_the_rule_finds_what_it_forbids():
    source = "from course_utils.feature_maps import _annotate\nlayer._track_variable(v)\ngetattr(d, '_input')\n"
    assert {name for _, name, _ in _private_uses(ast.parse(source))} == {"_annotate", "_track_variable", "_input"}
