"""Run a chapter's own solution code in a benchmark, so that what is measured is what learners read."""

import linecache
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def solution_namespace(chapter, grade_ids, namespace):
    """Execute the named solution cells of ``solutions/<chapter>/<chapter>.ipynb`` in ``namespace``.

    Args:
        chapter: chapter id, e.g. ``"01_linear_models"``.
        grade_ids: nbgrader ids of the cells to run, in order.
        namespace: dict with the imports those cells expect (``np``, ``tf``, ``keras``); it is filled
            with the functions they define and returned.

    Raises:
        KeyError: a grade id is not in the notebook.
    """
    nb = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    cells = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in nb.cells}
    for grade_id in grade_ids:
        if grade_id not in cells:
            raise KeyError(f"{chapter} has no cell with nbgrader id {grade_id!r}")
        source, filename = cells[grade_id].source, f"<{chapter}:{grade_id}>"
        # register the source so that tf.function's AutoGraph can read it, as in a notebook
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), namespace)
    return namespace
