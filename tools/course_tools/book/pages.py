"""A chapter as the book shows it: its solution notebook without hidden tests or solution markers, the test
and facts cells collapsed; and the pages that ``_toc.yml`` lists."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat
import yaml
from nbgrader.preprocessors import ClearHiddenTests

from course_tools.layout import solution_lines

# Cells collapsed in the book (both editions) behind a toggle, closed by default: a visible test cell as a
# whole (its output only reports on the tests), and the code of a cell that only gathers facts for the tests
# (see is_facts_cell); what such a cell prints stays in view, for example the model summary that chapter 1's
# text then discusses. The tags change the cells' metadata, which Jupyter Book's cache hashes: both editions
# get the same tags, so they share one execution.
FACTS_SUFFIX = "_facts"
# (Jupyter Book tag, the toggle's text when closed, when open)
TEST_CELL_COLLAPSE = ("hide-cell", "Show the visible tests", "Hide the visible tests")
FACTS_CELL_COLLAPSE = (
    "hide-input",
    "Show the code that gathers facts for the tests",
    "Hide the code that gathers facts for the tests",
)


def toc_files(toc_path: str | Path) -> list[str]:
    """Return every page path (without suffix) named in a Jupyter Book ``_toc.yml``, in order."""
    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    pages: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            if "root" in node:
                pages.append(node["root"])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return pages


def _grading(cell: nbformat.NotebookNode) -> dict[str, Any]:
    """A cell's nbgrader metadata (empty for a cell nbgrader does not know)."""
    return dict(cell.metadata.get("nbgrader", {}))


def is_test_cell(cell: nbformat.NotebookNode) -> bool:
    """A visible test cell: a code cell that nbgrader grades (``grade: true``) and that is not an answer."""
    return cell.cell_type == "code" and bool(_grading(cell).get("grade")) and not _grading(cell).get("solution")


def is_facts_cell(cells: Sequence[nbformat.NotebookNode], index: int) -> bool:
    """A cell that only gathers facts for the tests. nbgrader has no marker for it; the chapters follow a rule
    that this recognises (both parts must hold): a locked code cell that is neither graded nor an answer,
    whose grade id ends with FACTS_SUFFIX (``scale_facts``: it builds the dict ``scale_facts``), placed right
    before a test cell (``scale_tests``)."""
    cell = cells[index]
    grading = _grading(cell)
    return bool(
        cell.cell_type == "code"
        and bool(grading.get("locked"))
        and not grading.get("grade")
        and not grading.get("solution")
        and str(grading.get("grade_id", "")).endswith(FACTS_SUFFIX)
        and index + 1 < len(cells)
        and is_test_cell(cells[index + 1])
    )


def collapse_grading_cells(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Collapse the visible test cells (``hide-cell``) and the code of the facts cells (``hide-input``) behind
    a toggle that says what they hold (TEST_CELL_COLLAPSE, FACTS_CELL_COLLAPSE), so that a chapter reads as a
    lesson. Returns {grade id: tag} of the cells collapsed."""
    collapsed: dict[str, str] = {}
    for index, cell in enumerate(nb.cells):
        if is_test_cell(cell):
            tag, show, hide = TEST_CELL_COLLAPSE
        elif is_facts_cell(nb.cells, index):
            tag, show, hide = FACTS_CELL_COLLAPSE
        else:
            continue
        tags = cell.metadata.setdefault("tags", [])
        if tag not in tags:
            tags.append(tag)
        mystnb = cell.metadata.setdefault("mystnb", {})
        mystnb["code_prompt_show"], mystnb["code_prompt_hide"] = show, hide
        collapsed[str(_grading(cell).get("grade_id"))] = tag
    return collapsed


def book_notebook(solution_path: str | Path) -> nbformat.NotebookNode:
    """Return the book version of a solution notebook: no hidden tests, no solution markers, the test and
    facts cells collapsed (``collapse_grading_cells``)."""
    nb = nbformat.read(solution_path, as_version=4)
    nb, _ = ClearHiddenTests().preprocess(nb, {})
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = solution_lines(cell.source)
    collapse_grading_cells(nb)
    return nb  # type: ignore[no-any-return]  # nbgrader's preprocessors are untyped
