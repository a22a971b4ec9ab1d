"""The course's layout (course_tools.layout), which every tool, test and benchmark asks, and the nbgrader
configuration that depends on the maintainers' package."""

import ast
import runpy
import sys

import pytest

from course_tools import layout


def test_every_chapter_has_a_source_and_a_release():
    chapters = layout.chapter_ids()
    assert chapters and chapters == layout.chapter_ids(folder=layout.RELEASE)
    for chapter in chapters:
        assert layout.solution_notebook(chapter) == layout.ROOT / "solutions" / chapter / f"{chapter}.ipynb"
        assert layout.release_notebook(chapter).is_file()


def test_per_student_paths_follow_nbgrader(tmp_path):
    assert (
        layout.notebook(tmp_path, layout.SUBMITTED, "ch", "ada") == tmp_path / "submitted" / "ada" / "ch" / "ch.ipynb"
    )
    assert layout.notebook(tmp_path, layout.FEEDBACK, "ch", "ada") == tmp_path / "feedback" / "ada" / "ch" / "ch.html"
    (tmp_path / "submitted" / "bob" / "ch").mkdir(parents=True)
    (tmp_path / "submitted" / "bob" / "ch" / "ch.ipynb").write_text("{}")
    assert layout.students(tmp_path, "ch") == ["bob"]


def test_staged_data_is_the_default_unless_the_variable_is_set(tmp_path):
    assert layout.use_staged_data({}, root=tmp_path) == ""
    (tmp_path / "data").mkdir()
    environ = {}
    assert layout.use_staged_data(environ, root=tmp_path) == str(tmp_path / "data")
    assert environ == {layout.DATA_DIR_ENV: str(tmp_path / "data")}
    assert layout.use_staged_data({layout.DATA_DIR_ENV: ""}, root=tmp_path) == "", "empty means: download"


def test_solution_lines_drop_only_the_markers():
    begin, end = layout.SOLUTION_MARKERS
    source = f"x = 1\n    {begin}\ny = 2\n{end}"
    assert layout.solution_lines(source) == "x = 1\ny = 2"


def test_nbgrader_config_stops_with_the_fix_when_the_guards_are_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "course_tools", None)  # as if the package were not installed
    with pytest.raises(SystemExit, match=r"pip install -e tools"):
        runpy.run_path(str(layout.ROOT / "nbgrader_config.py"), init_globals={"get_config": lambda: None})


MAX_MODULE_LINES = 300


def test_every_python_module_reads_in_one_sitting():
    """No Python file the repository tracks is longer than about 300 lines (CONTRIBUTING.md's rule of the house):
    split a module by job before it grows past that."""
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=layout.ROOT, stdout=subprocess.PIPE, text=True, check=True, timeout=60
    ).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    lengths = {
        path: len((layout.ROOT / path).read_text(encoding="utf-8").splitlines())
        for path in tracked
        if (layout.ROOT / path).is_file()
    }
    long = {path: n for path, n in sorted(lengths.items()) if n > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split them by job): {long}"


MAX_FUNCTION_LINES = 50


def long_functions(source):
    """``{name: lines}`` of the functions in Python ``source`` whose body (docstring left out) is longer than
    MAX_FUNCTION_LINES."""
    long = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body[1:] if ast.get_docstring(node) is not None and len(node.body) > 1 else node.body
            lines = node.end_lineno - body[0].lineno + 1
            if lines > MAX_FUNCTION_LINES:
                long[node.name] = lines
    return long


def test_every_function_of_the_two_packages_fits_on_a_screen():
    """No function of course_utils or course_tools has a body over 50 lines: split it into named steps."""
    found = {
        f"{path.relative_to(layout.ROOT)}:{name}": lines
        for folder in (layout.ROOT / "course_utils", layout.ROOT / "tools" / "course_tools")
        for path in sorted(folder.rglob("*.py"))
        for name, lines in long_functions(path.read_text(encoding="utf-8")).items()
    }
    assert not found, f"functions over {MAX_FUNCTION_LINES} lines: {found}"


def test_the_function_rule_counts_the_body_not_the_docstring():
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    docstring = '    """' + "\n" * 20 + '    """\n'
    assert long_functions(f"def f():\n{docstring}{body}\n") == {}
    assert long_functions(f"def f():\n{docstring}{body}\n    return x0\n") == {"f": MAX_FUNCTION_LINES + 1}
