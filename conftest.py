"""Settings shared by every test, nbval's notebook runs and the nbgrader round trip.

Kernels started by nbval, nbgrader and Jupyter Book inherit this process's environment, so the
settings made here reach the notebooks too.
"""

import os

from course_tools import layout
from course_utils import runtime

# Quick mode: small data, same code (see course_utils.config).
os.environ.setdefault(layout.QUICK_ENV, "1")
# Offline data staged by `make data`, unless the caller chose another folder.
layout.use_staged_data()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Without TensorFlow (an environment like Colab's TPU runtimes) Keras runs on JAX, as chapter 5 chooses. The
# variable is left unset otherwise, so that kernels started in another environment choose for themselves.
if not runtime.installed("tensorflow"):
    os.environ.setdefault("KERAS_BACKEND", runtime.keras_backend())
# MPLBACKEND is left alone: kernels must keep matplotlib's inline backend to produce figures.


def pytest_configure(config):
    """nbval's time limit per cell (``pytest solutions/<chapter>``) is the course's (course_tools.layout)."""
    if hasattr(config.option, "nbval_cell_timeout"):
        config.option.nbval_cell_timeout = layout.CELL_TIMEOUT
