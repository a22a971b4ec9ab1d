"""Hidden tests stay hidden, and answers that tamper with the tests are flagged for review.

Student code runs in the kernel that runs the hidden tests, so it can watch the cells that run after it
(IPython's ``pre_run_cell`` event, the input history ``In``/``_ih``) and print their code, or replace a
function the tests call (a builtin, NumPy, Keras, ``course_utils``). Neither can be prevented in one kernel;
both can be seen: ``scrub_outputs`` removes every output line that shows a hidden test's code from a graded
notebook before its feedback is written, ``leaked_lines`` checks the feedback page itself, and ``suspicions``
reads the student's own cells for the tricks, so that the report asks a person to look.
"""

import ast
import builtins
import html
import re
from collections.abc import Iterable
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode

from course_tools import layout

REMOVED = "[output removed by the grader: it showed code of the hidden tests]"
MIN_HIDDEN_LINE = 12  # characters: shorter lines ("else:", "pass") are no secret and occur anywhere
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# What the tests use from outside the answer: replacing an attribute of these is tampering.
PROTECTED_MODULES = {"builtins", "__builtins__", "np", "numpy", "tf", "tensorflow", "keras", "course_utils"}
WATCHERS = {"_ih", "In", "_i", "_ii", "_iii", "_oh", "Out"}  # IPython's history of the cells run
WATCHING_ATTRIBUTES = {
    "events",
    "history_manager",
    "_getframe",
    "input_transformers_post",
    "input_transformers_cleanup",
    "ast_transformers",
    "set_custom_exc",
}
WATCHING_STRINGS = {"pre_run_cell", "post_run_cell", "pre_execute", "post_execute"}
DYNAMIC = {"exec", "eval", "compile", "__import__", "setattr", "delattr", "globals"}


def squash(text: str) -> str:
    """Text as it is compared: ANSI colours and HTML escapes removed, every run of white space one space."""
    return " ".join(html.unescape(_ANSI.sub("", text)).split())


def hidden_lines(source_nb: NotebookNode, release_nb: NotebookNode) -> list[str]:
    """The lines of the hidden tests of ``source_nb`` (solutions/) that are long enough to recognise and do
    not also occur in the student version ``release_nb`` (what students see is no secret), squashed."""
    begin, end = layout.HIDDEN_TEST_MARKERS
    public = {squash(line) for cell in release_nb.cells for line in cell.source.splitlines()}
    found = []
    for cell in source_nb.cells:
        for block in cell.source.split(begin)[1:]:
            for line in block.split(end)[0].splitlines():
                line = squash(line)
                if len(line) >= MIN_HIDDEN_LINE and line not in public:
                    found.append(line)
    return list(dict.fromkeys(found))


def leaked_lines(text: str, hidden: Iterable[str]) -> list[str]:
    """The hidden lines that occur in ``text`` (any output or page: colours, escapes, spacing ignored)."""
    flat = squash(text)
    return [line for line in hidden if line in flat]


def _output_text(output: NotebookNode) -> str:
    if output.output_type == "stream":
        return str(output.get("text", ""))
    if output.output_type == "error":
        return "\n".join([str(output.get("evalue", "")), *map(str, output.get("traceback", []))])
    return "\n".join(str(value) for value in output.get("data", {}).values())


def _scrub_error(output: NotebookNode, hidden: list[str]) -> bool:
    """Drop the frames of a traceback that show hidden code (a failing hidden test's own line); True if the
    error's message itself shows hidden code (then the whole output goes)."""
    output["traceback"] = [
        frame if not leaked_lines(str(frame), hidden) else f"{REMOVED}\n" for frame in output.get("traceback", [])
    ]
    return bool(leaked_lines(str(output.get("ename", "")) + " " + str(output.get("evalue", "")), hidden))


def scrub_outputs(nb: NotebookNode, hidden: list[str]) -> list[str]:
    """Remove from ``nb`` (changed in place) every output that shows a line of ``hidden``; return the labels of
    the cells whose printed outputs showed one (tracebacks of a failing hidden test are trimmed silently)."""
    from course_tools.classroom.log import cell_label

    printed = []
    for index, cell in enumerate(nb.cells):
        kept = []
        for output in cell.get("outputs", []):
            if (
                not leaked_lines(_output_text(output), hidden)
                or output.output_type == "error"
                and not _scrub_error(output, hidden)
            ):
                kept.append(output)
            else:
                kept.append(nbformat.v4.new_output("stream", name="stdout", text=REMOVED + "\n"))
                printed.append(cell_label(cell, index))
        if cell.cell_type == "code":
            cell.outputs = kept
    return list(dict.fromkeys(printed))


def _root(node: ast.AST) -> str:
    """The name an attribute chain starts from (``np`` for ``np.linalg.norm``), or ""."""
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def _module_level(tree: ast.Module) -> Iterable[ast.AST]:
    """Every node of ``tree`` outside function and class bodies (what binds names the tests can see)."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))


def _bound(node: ast.AST) -> list[str]:
    """The names a module-level node binds (assignment, def, class, import)."""
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
        return [node.id]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    return []


def _modules(trees: Iterable[ast.Module]) -> set[str]:
    """PROTECTED_MODULES and the names ``import`` statements give modules in ``trees``."""
    names = set(PROTECTED_MODULES)
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def _findings(tree: ast.Module, modules: set[str], test_names: set[str]) -> list[str]:
    """What one student cell does that watches the hidden tests or tampers with what they call."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Name)
            and node.id in WATCHERS
            or (isinstance(node, ast.Attribute) and node.attr in WATCHING_ATTRIBUTES)
            or (isinstance(node, ast.Constant) and node.value in WATCHING_STRINGS)
        ):
            found.append("watches the cells that run after it (IPython's input history or events)")
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del) and _root(node) in modules:
            found.append(f"replaces {_root(node)}.{node.attr}, which the tests may call")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in DYNAMIC:
            found.append(f"runs code it builds at run time ({node.func.id}), which cannot be checked")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("setattr", "delattr")
            and node.args
            and _root(node.args[0]) in modules
        ):
            found.append(f"replaces an attribute of {_root(node.args[0])} with {node.func.id}")
        elif isinstance(node, ast.Import | ast.ImportFrom) and "mock" in " ".join(
            [getattr(node, "module", "") or "", *(alias.name for alias in node.names)]
        ):
            found.append("imports mock, which replaces functions")
    shadowed = {
        name
        for node in _module_level(tree)
        for name in _bound(node)
        if not isinstance(node, ast.Import | ast.ImportFrom)
    }
    found += [
        f"replaces {name}, which the tests use"
        for name in sorted(shadowed & test_names)
        if name in modules or hasattr(builtins, name)
    ]
    return found


def suspicions(nb: NotebookNode, source_nb: NotebookNode) -> list[str]:
    """Why a person should look at this submission (``nb``, repaired; ``source_nb`` from solutions/ with the
    hidden tests), one line per student cell that watches the hidden tests or tampers with what they call."""
    from course_tools.classroom.log import cell_label, nbgrader_meta

    def parsed(source: str) -> ast.Module | None:
        try:
            return ast.parse(source)
        except SyntaxError:  # IPython magics, or the student's syntax error (reported by grading)
            return None

    tests = [parsed(c.source) for c in source_nb.cells if c.cell_type == "code" and nbgrader_meta(c).get("grade")]
    test_names = {n.id for tree in tests if tree for n in ast.walk(tree) if isinstance(n, ast.Name)}
    own = [
        (cell_label(c, i), parsed(c.source))
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and not nbgrader_meta(c).get("locked")
    ]
    modules = _modules([tree for _, tree in own if tree] + [tree for tree in tests if tree])
    problems = []
    for label, tree in own:
        for finding in dict.fromkeys(_findings(tree, modules, test_names) if tree else []):
            problems.append(f"review by hand: {label} {finding}; its score may be wrong")
    return problems


def check_feedback(page: str, hidden: list[str]) -> bool:
    """True when a feedback page shows no line of the hidden tests."""
    return not leaked_lines(page, hidden)


def read_pair(course: Any, chapter: str) -> tuple[NotebookNode, NotebookNode]:
    """(source notebook with the hidden tests, student version) of a chapter of ``course``."""
    return (
        nbformat.read(layout.notebook(course, layout.SOURCE, chapter), as_version=4),
        nbformat.read(layout.notebook(course, layout.RELEASE, chapter), as_version=4),
    )
