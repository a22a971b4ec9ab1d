"""What the runtime a notebook runs on offers: the Keras backend to use, and a clear stop when it lacks
what a chapter needs.

Colab's CPU and GPU runtimes ship TensorFlow; its TPU runtimes ship Keras 3 with JAX and no TensorFlow.
Keras 3 picks its backend once, from the ``KERAS_BACKEND`` environment variable, when it is first
imported, so a chapter that runs on both decides before ``import keras``::

    os.environ["KERAS_BACKEND"] = runtime.keras_backend()
    import keras

None of these functions imports TensorFlow, JAX or Keras.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping

BACKEND_ENV = "KERAS_BACKEND"
KNOWN_BACKENDS = ("tensorflow", "jax", "torch", "numpy")

# What to do about a missing package, in one sentence each (shown to learners).
_FIXES = {
    "tensorflow": (
        "Colab's TPU runtimes come without it: in Colab choose Runtime > Change runtime type > T4 GPU "
        "(or CPU) and run the notebook again; on your own machine run `pip install tensorflow`."
    ),
    "tensorflow_hub": "run `pip install tensorflow-hub` (Colab's CPU and GPU runtimes have it).",
    "jax": "run `pip install jax` (Colab's TPU runtimes have it).",
}


def installed(module: str) -> bool:
    """Return ``True`` if the top-level ``module`` (e.g. ``"tensorflow"``) can be imported here."""
    if not isinstance(module, str) or not module or "." in module:
        raise ValueError(f"expected a top-level module name such as 'tensorflow', got {module!r}.")
    return importlib.util.find_spec(module) is not None


def keras_backend(environ: Mapping[str, str] | None = None) -> str:
    """Return the Keras backend a backend-neutral chapter should use on this machine.

    The backend named by ``KERAS_BACKEND`` if it is set; otherwise ``"tensorflow"`` where TensorFlow is
    installed, else ``"jax"`` where JAX is (a Colab TPU runtime).

    Args:
        environ: mapping to read instead of ``os.environ`` (for tests).

    Raises:
        ValueError: ``KERAS_BACKEND`` names no Keras backend.
        RuntimeError: neither TensorFlow nor JAX is installed (the message says what to install).
    """
    chosen = (os.environ if environ is None else environ).get(BACKEND_ENV, "").strip().lower()
    if chosen:
        if chosen not in KNOWN_BACKENDS:
            raise ValueError(f"{BACKEND_ENV}={chosen!r} is not a Keras backend; use one of {KNOWN_BACKENDS}.")
        return chosen
    for backend in ("tensorflow", "jax"):
        if installed(backend):
            return backend
    raise RuntimeError(
        "This chapter needs TensorFlow or JAX and this runtime has neither: "
        "run `pip install tensorflow` (or `pip install jax`) and start again."
    )


def require(*modules: str) -> None:
    """Stop a notebook with one clear sentence if any of ``modules`` cannot be imported here.

    Call it before the imports it protects, e.g. ``runtime.require("tensorflow")`` before ``import keras``
    in a chapter that needs TensorFlow.

    Raises:
        ValueError: no module was named.
        RuntimeError: the first missing module, what it is missing on, and how to get it.
    """
    if not modules:
        raise ValueError("name at least one module, e.g. require('tensorflow').")
    for module in modules:
        if not installed(module):
            fix = _FIXES.get(module, f"run `pip install {module}`.")
            raise RuntimeError(f"This chapter needs {module}, which this runtime does not have: {fix}")
