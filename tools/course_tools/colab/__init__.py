"""Colab's runtimes rebuilt on this machine, so that the chapters are tested on Colab's package versions.

Colab publishes what its runtimes have installed (``pip freeze``; copied into ``tools/course_tools/colab/lists/``,
see the README there). This package builds two virtual environments in the repository root from those lists:

* ``.venv-colab-cpu``: Colab's CPU runtime: tensorflow, keras, tensorflow-hub, numpy, matplotlib, mlxtend,
  pillow and ipykernel at Colab's versions, and the course's package ``course_utils`` with its extras.
* ``.venv-colab-tpu``: Colab's TPU runtime: keras, jax and jaxlib (CPU builds from PyPI; no libtpu),
  numpy, matplotlib, pillow, ipykernel and pytest at Colab's versions, and ``course_utils``. No TensorFlow.

Only what the course needs is installed (and Colab's pip), each package pinned by pip's constraints
(``-c``) generated from the Colab list (its ``name==version`` lines; URLs and local versions such as
``+cu128`` are left out), so the install fails rather than take another version. ``course_utils`` is installed
editable with its dependencies in the same run, under the same constraints, which also proves that
its declared dependencies admit Colab's versions. A stamp file inside each environment records how it was
built: a new Colab list, package set or interpreter builds it afresh; a changed ``pyproject.toml`` only
reinstalls ``course_utils`` into it (seconds); edits to ``course_utils`` need nothing. The two are built
at the same time (``build_all``), each by uv (from the development environment; it resolves like pip and
downloads in parallel, so a fresh environment takes about a minute), and then checked by its own ``pip check``.

Colab runs Python 3.13, so the environments are built with a Python 3.13 when the machine has one: the
``COURSE_COLAB_PYTHON`` environment variable if set, else ``python3.13`` on PATH if it runs (Debian 13's
``/usr/bin/python3.13``; a pyenv shim that refuses to run is skipped), else the newest pyenv
``3.13.*``, else the Python running this module (the dev environment's). Which one was used is printed
and kept in the stamp.

The notebooks are executed by nbval from the dev environment (``.venv``), but in a Jupyter kernel that
runs in the Colab environment: ``write_kernelspecs`` writes kernel specs named ``colab-cpu`` and
``colab-tpu`` into a folder that goes on ``JUPYTER_PATH``. The TPU kernel gets
``XLA_FLAGS=--xla_force_host_platform_device_count=8``: JAX then sees 8 virtual CPU devices, so that
data-parallel code runs with 8 replicas as on a multi-core TPU. Each kernel start is logged next to its
kernel.json (``kernel_launches``), so tests can prove which environment ran a notebook.

Modules: ``runtimes`` (the two runtimes and Colab's lists), ``interpreter`` (which Python builds them),
``build`` (building and describing the environments), ``kernels`` (kernel specs and nbval runs in them),
``cli`` (the command line)::

    course-colab build [cpu|tpu ...] [--force]     (``make colab-envs``)
    course-colab nbval cpu solutions/01_linear_models
    course-colab python                            (which Python 3.13 would be used)

tests/test_colab_runtimes.py and the nbgrader round trip use the same functions.
"""

from course_tools.colab.build import (
    build,
    build_all,
    compare_with_colab,
    describe,
    format_comparison,
    installed_versions,
    read_stamp,
)
from course_tools.colab.interpreter import find_python
from course_tools.colab.kernels import kernel_environ, kernel_launches, nbval, write_kernelspecs
from course_tools.colab.runtimes import LISTS, RUNTIMES, Runtime, constraints_text, read_freeze

__all__ = [
    "LISTS",
    "RUNTIMES",
    "Runtime",
    "build",
    "build_all",
    "compare_with_colab",
    "constraints_text",
    "describe",
    "find_python",
    "format_comparison",
    "installed_versions",
    "kernel_environ",
    "kernel_launches",
    "nbval",
    "read_freeze",
    "read_stamp",
    "write_kernelspecs",
]
