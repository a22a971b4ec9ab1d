"""Helpers for the course *Image Classification with TensorFlow*.

Modules, named by what they do:

* ``course_utils.datasets``: load MNIST and Fashion-MNIST online or from a staged folder
* ``course_utils.pipelines``: the tf.data input pipeline taught in chapter 1
* ``course_utils.plots``: image grids, training curves, weight images, confusion matrices
* ``course_utils.evaluation``: confusion matrix and misclassified examples in NumPy
* ``course_utils.layer_facts``: describe a Keras model's layers as plain data
* ``course_utils.spirals``: the 2-D spiral data set of chapter 2 and decision-boundary plots
* ``course_utils.feature_maps``: kernels and feature maps drawn for chapter 3
* ``course_utils.window_diagrams``: one convolution or pooling step drawn with its numbers (chapter 3)
* ``course_utils.image_folders``: JPEG class folders and ``path,label`` CSV files (flowers online,
  the staged Fashion-MNIST JPEG stand-in offline) for chapter 4
* ``course_utils.hub``: TF Hub feature-vector modules as Keras 3 layers (offline: the staged stand-in module)
* ``course_utils.distribute``: pick the tf.distribute strategy (TPU, GPUs or default) for chapter 5
* ``course_utils.gradients``: gradient norms per layer on the TensorFlow and JAX backends (chapter 5)
* ``course_utils.runtime``: the Keras backend to use here, and a clear stop when a chapter's needs are missing
* ``course_utils.config``: the two environment settings, ``COURSE_DATA_DIR`` and ``COURSE_QUICK``

Staging data for offline machines, chapter 4's stand-ins included, is the maintainers' job:
``course-data stage DIR`` (the package ``course_tools.staging`` in ``tools/``); the loaders here only read it.

None of them imports TensorFlow, JAX or Keras until a function needs it, so the package imports on Colab's
TPU runtimes, which have no TensorFlow.
"""

from importlib.metadata import PackageNotFoundError, version

from course_utils.config import data_dir, quick_mode
from course_utils.datasets import load_fashion_mnist, load_mnist

try:
    __version__ = version("course-utils")  # the one version, set in pyproject.toml
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "unknown"

__all__ = ["data_dir", "load_fashion_mnist", "load_mnist", "quick_mode", "__version__"]
