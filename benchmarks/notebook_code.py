"""What the benchmarks share besides the chapters' own code (``course_tools.notebooks.solution_namespace``, so
that what is measured is what learners read): a line describing the run, and rows for each data set."""


def environment_line():
    """One line naming the TensorFlow and Keras versions, the cores and the data folder of this run."""
    import os

    import keras
    import tensorflow as tf

    return (
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPU cores, "
        f"COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR') or '(unset: download)'}"
    )


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
