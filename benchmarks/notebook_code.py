"""Run a chapter's own solution code in a benchmark, so that what is measured is what learners read."""

import linecache
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def solution_namespace(chapter, cell_names, namespace):
    """Execute the named cells of ``solutions/<chapter>/<chapter>.ipynb`` in ``namespace``.

    Args:
        chapter: chapter id, e.g. ``"01_linear_models"``.
        cell_names: the cells to run, in order, each named by its nbgrader grade id (``"cnn_solution"``)
            or by its notebook cell id (``"cnn-training-settings"``).
        namespace: dict with the imports those cells expect (``np``, ``tf``, ``keras``); it is filled
            with the names they define and returned.

    Raises:
        KeyError: a name matches no cell of the notebook.
    """
    for name, source in zip(cell_names, solution_sources(chapter, cell_names)):
        filename = f"<{chapter}:{name}>"
        # register the source so that tf.function's AutoGraph can read it, as in a notebook
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), namespace)
    return namespace


def solution_sources(chapter, cell_names):
    """The sources of the named cells of ``solutions/<chapter>/<chapter>.ipynb``, in order, each named by its
    nbgrader grade id or its notebook cell id.

    Raises:
        KeyError: a name matches no cell of the notebook.
    """
    nb = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    cells = {cell.get("id"): cell for cell in nb.cells}
    cells.update({cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in nb.cells})
    cells.pop(None, None)
    missing = [name for name in cell_names if name not in cells]
    if missing:
        raise KeyError(f"{chapter} has no cell with nbgrader grade id or cell id {missing[0]!r}")
    return [cells[name].source for name in cell_names]


def environment_line():
    """One line naming the TensorFlow and Keras versions, the cores and the data folder of this run."""
    import os

    import keras
    import tensorflow as tf

    return (f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPU cores, "
            f"COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR') or '(unset: download)'}")


def rows_for_each_data_set(make_rows, columns):
    """Benchmark rows for MNIST and Fashion-MNIST, each as this machine can load it.

    Args:
        make_rows: ``make_rows(name, loader)`` returns a list of Markdown table rows for one data set.
        columns: cells per row; a data set that cannot be loaded gets one row saying why, padded to this.

    Returns:
        the rows of both data sets, MNIST first.
    """
    import course_utils

    rows = []
    for name, loader in (("MNIST", course_utils.load_mnist), ("Fashion-MNIST", course_utils.load_fashion_mnist)):
        try:
            rows.extend(make_rows(name, loader))
        except (ConnectionError, FileNotFoundError) as error:
            rows.append(f"| {name} | not available here: {str(error).splitlines()[0]} |" + " |" * (columns - 2))
    return rows
