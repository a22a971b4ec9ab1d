"""Jupyter kernels that run in the Colab environments, and nbval runs in them from the dev environment."""

import json
import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from course_tools.colab.interpreter import DEV_PYTHON
from course_tools.colab.runtimes import RUNTIMES, Runtime
from course_tools.layout import CELL_TIMEOUT, ROOT
from course_tools.processes import run

# What the kernel runs: ipykernel_launcher's own code (drop the current folder from sys.path, then start the
# kernel), plus one line appended to launches.log next to kernel.json, so that tests can prove which
# environment's kernel nbval or nbgrader started (nbgrader does not say which kernel it used).
_LAUNCH = (
    "import sys; del sys.path[0]; "
    "open({log!r}, 'a').write(sys.prefix + '\\n'); "
    "from ipykernel import kernelapp; kernelapp.launch_new_instance()"
)


def write_kernelspecs(folder: str | Path, runtimes: Iterable[Runtime] | None = None) -> Path:
    """Write a Jupyter kernel spec per runtime into ``folder/kernels/``; return ``folder`` (for JUPYTER_PATH).

    The kernel runs ipykernel in the venv's Python with the venv's bin first on PATH (so that a notebook's
    ``!pip`` would use the Colab environment) and the runtime's environment (XLA_FLAGS); each start is
    recorded (see ``kernel_launches``)."""
    for runtime in runtimes or RUNTIMES.values():
        target = Path(folder) / "kernels" / runtime.kernel_name
        target.mkdir(parents=True, exist_ok=True)
        spec = {
            "argv": [
                str(runtime.python),
                "-c",
                _LAUNCH.format(log=str(target / "launches.log")),
                "-f",
                "{connection_file}",
            ],
            "display_name": f"Python 3 ({runtime.title})",
            "language": "python",
            "env": {"PATH": f"{runtime.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", **runtime.env},
            "metadata": {"debugger": False},
        }
        (target / "kernel.json").write_text(json.dumps(spec, indent=1))
    return Path(folder)


def kernel_launches(folder: str | Path, runtime: Runtime) -> list[str]:
    """The ``sys.prefix`` of every kernel started from ``runtime``'s spec in ``folder``, in order."""
    log = Path(folder) / "kernels" / runtime.kernel_name / "launches.log"
    return log.read_text().splitlines() if log.is_file() else []


def kernel_environ(jupyter_dir: str | Path, runtime: Runtime, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a process (nbval, nbgrader) that must start ``runtime``'s kernel."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(jupyter_dir), env.get("JUPYTER_PATH")]))
    env.update(runtime.env)
    return env


def nbval(
    runtime: Runtime,
    path: str | Path,
    jupyter_dir: str | Path,
    cell_timeout: int = CELL_TIMEOUT,
    extra: Sequence[str] = (),
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``path`` (a notebook or folder) with nbval from the dev environment in ``runtime``'s kernel, in
    quick mode with the staged data (the root conftest.py sets both); return the CompletedProcess (stdout
    and stderr merged; ``returncode`` None when ``timeout`` seconds passed and the run was stopped)."""
    command = [
        str(DEV_PYTHON),
        "-m",
        "pytest",
        "-o",
        "addopts=",
        "-p",
        "no:cacheprovider",
        "-q",
        "-rfE",
        "--nbval-lax",
        "--nbval-kernel-name",
        runtime.kernel_name,
        f"--nbval-cell-timeout={cell_timeout}",
        *extra,
        str(path),
    ]
    env = kernel_environ(jupyter_dir, runtime)
    env.pop("PYTEST_ADDOPTS", None)  # the caller's options (e.g. -n 2) are not meant for this inner run
    return run(command, cwd=ROOT, env=env, timeout=timeout)
