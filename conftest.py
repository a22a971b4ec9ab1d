"""Settings shared by every test, nbval's notebook runs and the nbgrader round trip.

Kernels started by nbval, nbgrader and Jupyter Book inherit this process's environment, so the
settings made here reach the notebooks too.
"""

import os
from pathlib import Path

from course_utils import runtime

ROOT = Path(__file__).resolve().parent

# Quick mode: small data, same code (see course_utils.config).
os.environ.setdefault("COURSE_QUICK", "1")
# Offline data staged by `make data`, unless the caller chose another folder.
if "COURSE_DATA_DIR" not in os.environ and (ROOT / "data").is_dir():
    os.environ["COURSE_DATA_DIR"] = str(ROOT / "data")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Without TensorFlow (an environment like Colab's TPU runtimes) Keras runs on JAX, as chapter 5 chooses. The
# variable is left unset otherwise, so that kernels started in another environment choose for themselves.
if not runtime.installed("tensorflow"):
    os.environ.setdefault("KERAS_BACKEND", runtime.keras_backend())
# MPLBACKEND is left alone: kernels must keep matplotlib's inline backend to produce figures.
