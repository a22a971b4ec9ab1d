"""Reading the chapters' own code out of their notebooks, and building throwaway courses from them.

The tests and the benchmarks both use this module (neither imports the other): a benchmark runs a chapter's
solution cells so that what it measures is what learners read; the grading tests type the solutions into
the student notebook and grade it.
"""

import linecache
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat

from course_tools import layout


def grade_id(cell: nbformat.NotebookNode) -> str | None:
    """A cell's nbgrader grade id, or ``None``."""
    value = cell.metadata.get("nbgrader", {}).get("grade_id")
    return None if value is None else str(value)


def solution_sources(solution_path: str | Path) -> dict[str, str]:
    """Map each solution cell's grade_id to its code without the nbgrader markers (what a student types)."""
    nb = nbformat.read(solution_path, as_version=4)
    return {
        str(grade_id(cell)): layout.solution_lines(cell.source)
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def fill_release(release_path: str | Path, answers: Mapping[str, str]) -> nbformat.NotebookNode:
    """Return the student notebook with the given solution cells answered (grade_id -> source)."""
    nb = nbformat.read(release_path, as_version=4)
    for cell in nb.cells:
        name = grade_id(cell)
        if name is not None and name in answers:
            cell.source = answers[name]
    return nb  # type: ignore[no-any-return]  # nbformat.read is untyped


def cell_sources(chapter: str, cell_names: Sequence[str], course: str | Path = layout.ROOT) -> list[str]:
    """The sources of the named cells of ``solutions/<chapter>/<chapter>.ipynb``, in order, each named by its
    nbgrader grade id or its notebook cell id.

    Raises:
        KeyError: a name matches no cell of the notebook.
    """
    nb = nbformat.read(layout.solution_notebook(chapter, course), as_version=4)
    cells = {cell.get("id"): cell for cell in nb.cells}
    cells.update({grade_id(cell): cell for cell in nb.cells})
    cells.pop(None, None)
    missing = [name for name in cell_names if name not in cells]
    if missing:
        raise KeyError(f"{chapter} has no cell with nbgrader grade id or cell id {missing[0]!r}")
    return [cells[name].source for name in cell_names]


def solution_namespace(
    chapter: str, cell_names: Sequence[str], namespace: dict[str, Any], replacements: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Execute the named cells of ``solutions/<chapter>/<chapter>.ipynb`` in ``namespace``.

    Args:
        chapter: chapter id, e.g. ``"01_linear_models"``.
        cell_names: the cells to run, in order, each named by its nbgrader grade id (``"cnn_solution"``)
            or by its notebook cell id (``"cnn-training-settings"``).
        namespace: dict with the imports those cells expect (``np``, ``tf``, ``keras``); it is filled
            with the names they define and returned.
        replacements: {cell name: source} to run instead of those cells' own code (e.g. a wrong answer).

    Raises:
        KeyError: a name matches no cell of the notebook.
    """
    for name, source in zip(cell_names, cell_sources(chapter, cell_names), strict=True):
        source = (replacements or {}).get(name, source)
        filename = f"<{chapter}:{name}>"
        # register the source so that tf.function's AutoGraph can read it, as in a notebook
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), namespace)
    return namespace


def make_course(folder: str | Path, root: str | Path = layout.ROOT) -> Path:
    """Fill ``folder`` with a throwaway copy of the course as nbgrader sees it: solutions/ and the committed
    nbgrader_config.py (which loads the grading guards from this package, so the copy grades exactly as
    instructors do). Returns ``folder``."""
    course = Path(folder)
    shutil.copytree(
        Path(root, layout.SOURCE), course / layout.SOURCE, ignore=shutil.ignore_patterns(".ipynb_checkpoints")
    )
    shutil.copy(Path(root, "nbgrader_config.py"), course)
    return course
