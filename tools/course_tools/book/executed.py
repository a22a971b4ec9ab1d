"""Pages from notebooks that were already executed: Jupyter Book's execution cache filled from elsewhere.

A chapter's page runs the same code as the chapter's solutions graded by nbgrader (the student version with the
solutions typed in; nbgrader puts the hidden tests back into the test cells). ``course-book --executed DIR``
takes such executed notebooks (``DIR/<id>.ipynb``, for example nbgrader's ``autograded/`` notebooks of a
complete submission) and stores each, with the page's own cells and the executed cells' outputs, in Jupyter
Book's cache (jupyter-cache), where the build then finds it instead of running the chapter again.

It refuses what would make a page lie: an executed notebook whose code is not the page's code (an out-of-date
run, another chapter), one whose cells did not all run in order, or one whose outputs nbgrader cut.
"""

import copy
from collections.abc import Iterable
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from nbgrader.preprocessors import ClearHiddenTests

from course_tools.layout import CUT_MARKER, solution_lines

# What nbgrader's own LimitOutput writes into an output it cut.
NBGRADER_CUT_MARKER = "Output truncated"


class StaleExecutionError(ValueError):
    """An executed notebook does not belong to the page it was offered for."""


def _code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The code cells of a notebook, in order."""
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _as_on_the_page(executed: nbformat.NotebookNode) -> list[str]:
    """The executed notebook's code as the book shows it: hidden tests and solution markers removed."""
    nb = copy.deepcopy(executed)
    nb, _ = ClearHiddenTests(enforce_metadata=False).preprocess(nb, {})
    return [solution_lines(cell.source) for cell in _code_cells(nb)]


def _cut_outputs(cell: nbformat.NotebookNode) -> bool:
    """True when the grader's or nbgrader's output limit cut one of a cell's outputs."""
    texts = [output.get("text", "") for output in cell.get("outputs", [])]
    texts += [str(value) for output in cell.get("outputs", []) for value in output.get("data", {}).values()]
    return any(CUT_MARKER in text or NBGRADER_CUT_MARKER in text for text in texts)


def page_with_outputs(
    page: nbformat.NotebookNode, executed: nbformat.NotebookNode, name: str = "the executed notebook"
) -> nbformat.NotebookNode:
    """Return a copy of ``page`` (the book's notebook of a chapter) with the outputs and execution counts of
    ``executed`` (that chapter executed elsewhere).

    Raises:
        StaleExecutionError: the two notebooks do not hold the same code, cell for cell, or ``executed`` has
            a code cell that did not run, or an output cut by the grader's output limits.
    """
    page_cells, executed_cells = _code_cells(page), _code_cells(executed)
    if len(page_cells) != len(executed_cells):
        raise StaleExecutionError(
            f"{name} has {len(executed_cells)} code cells, the page {len(page_cells)}: "
            "execute the chapter again from its current solutions."
        )
    for index, (ours, theirs) in enumerate(zip(page_cells, _as_on_the_page(executed), strict=True)):
        if ours.source != theirs:
            raise StaleExecutionError(
                f"{name}: code cell {index} ({ours.get('id')}) is not the page's code; "
                "execute the chapter again from its current solutions."
            )
    result = copy.deepcopy(page)
    for index, (cell, source) in enumerate(zip(_code_cells(result), executed_cells, strict=True)):
        if source.get("execution_count") is None:
            raise StaleExecutionError(f"{name}: code cell {index} ({cell.get('id')}) did not run.")
        if _cut_outputs(source):
            raise StaleExecutionError(
                f"{name}: the output of code cell {index} ({cell.get('id')}) was cut by "
                "the grader's output limits; run it without them."
            )
        cell.outputs, cell.execution_count = copy.deepcopy(source.outputs), source.execution_count
    return result


def fill_cache(cache_dir: str | Path, pages: Iterable[str | Path], executed_dir: str | Path) -> list[Path]:
    """Store each page of ``pages`` (paths of the book source's chapter notebooks, ``.../<id>.ipynb``) for
    which ``executed_dir/<id>.ipynb`` exists in the execution cache ``cache_dir``, with that notebook's
    outputs. Returns the pages stored.

    Raises:
        StaleExecutionError: an executed notebook does not match its page (see ``page_with_outputs``).
        jupyter_cache's NbValidityError: its execution counts do not run 1, 2, 3, ... without a gap.
    """
    cache = get_cache(str(cache_dir))
    stored = []
    for page_path in map(Path, pages):
        executed_path = Path(executed_dir) / page_path.name
        if page_path.suffix != ".ipynb" or not executed_path.is_file():
            continue
        page = nbformat.read(page_path, as_version=4)
        executed = nbformat.read(executed_path, as_version=4)
        nb = page_with_outputs(page, executed, name=str(executed_path))
        cache.cache_notebook_bundle(CacheBundleIn(nb, str(page_path)), check_validity=True, overwrite=True)
        stored.append(page_path)
    return stored
