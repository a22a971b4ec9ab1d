"""Which Python builds the Colab environments: a Python 3.13 (Colab's) when the machine has one."""

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from course_tools.colab.runtimes import COLAB_PYTHON

DEV_PYTHON = Path(sys.executable)


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: str
    source: str  # how it was found

    def describe(self) -> str:
        """One line: the version, whether it is Colab's, where it is and how it was found."""
        colab = "" if self.version.startswith(COLAB_PYTHON + ".") else f" (not Colab's {COLAB_PYTHON})"
        return f"Python {self.version}{colab} at {self.path}, {self.source}"


def _probe(path: str | Path) -> str | None:
    """Return the version of the Python at ``path`` if it runs and can create a venv with pip, else None."""
    try:
        result = subprocess.run(
            [str(path), "-c", "import sys, venv, ensurepip; print(sys.version.split()[0])"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def _version_key(folder: Path) -> Version:
    """The version a pyenv folder is named after (0 for a name that is not a version)."""
    try:
        return Version(folder.name)
    except InvalidVersion:
        return Version("0")


def find_python() -> Interpreter:
    """The interpreter that builds the Colab environments (see the module's docstring for the order)."""
    candidates: list[tuple[str | Path, str]] = []
    if os.environ.get("COURSE_COLAB_PYTHON"):
        candidates.append((os.environ["COURSE_COLAB_PYTHON"], "from COURSE_COLAB_PYTHON"))
    on_path = shutil.which(f"python{COLAB_PYTHON}")
    if on_path:
        candidates.append((on_path, f"python{COLAB_PYTHON} on PATH"))
    pyenv_versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv_versions.is_dir():
        for folder in sorted(pyenv_versions.glob(f"{COLAB_PYTHON}.*"), key=_version_key, reverse=True):
            if re.fullmatch(r"\d+\.\d+\.\d+", folder.name):
                candidates.append((folder / "bin" / f"python{COLAB_PYTHON}", f"pyenv {folder.name}"))
    for path, source in candidates:
        version = _probe(path)
        if version and version.startswith(COLAB_PYTHON + "."):
            return Interpreter(str(path), version, source)
    tried = ", ".join(str(path) for path, _ in candidates) or "none found"
    return Interpreter(
        str(DEV_PYTHON),
        _probe(DEV_PYTHON) or "?",
        f"the dev environment's Python: no working Python {COLAB_PYTHON} ({tried})",
    )
