"""Building the Colab environments (only what changed), and describing what they hold next to Colab's list."""

import fcntl
import hashlib
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from packaging.utils import canonicalize_name
from uv import find_uv_bin

from course_tools.colab.interpreter import Interpreter, find_python
from course_tools.colab.runtimes import COLAB_PYTHON, RUNTIMES, Runtime, constraints_text, read_freeze
from course_tools.layout import ROOT

SCHEMA = 1  # bump to force a rebuild when this package changes how it builds
# Seconds one step of a build (venv, install) may take: a fresh install takes under a minute.
STEP_TIMEOUT = 1200
# A built environment's stamp (see ``build``), and what prints a line of progress.
Stamp = dict[str, Any]
Echo = Callable[[str], object]


def _digest(*parts: object) -> str:
    """sha256 of the parts' text, each ended by a zero byte."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode() + b"\0")
    return digest.hexdigest()


def _base_key(runtime: Runtime, interpreter: Interpreter) -> str:
    """What forces a fresh environment: the Colab list, the package set, the interpreter, SCHEMA."""
    return _digest(
        SCHEMA,
        runtime.freeze_path.read_text(),
        runtime.packages,
        runtime.course_utils,
        interpreter.path,
        interpreter.version,
    )


def _project_key() -> str:
    """What makes pip install course_utils again (into the existing environment): pyproject.toml."""
    return _digest((ROOT / "pyproject.toml").read_text())


def read_stamp(runtime: Runtime) -> Stamp | None:
    """The stamp of a built environment (dict), or None."""
    try:
        stamp: Stamp = json.loads(runtime.stamp.read_text())
        return stamp
    except (OSError, ValueError):
        return None


def _run(command: Sequence[str | Path], log: IO[str], **kwargs: Any) -> None:
    """Run a step of the build with its output in ``log``; a step that takes longer than STEP_TIMEOUT counts as
    hung (``subprocess.TimeoutExpired``)."""
    log.write(f"$ {' '.join(map(str, command))}\n")
    log.flush()
    result = subprocess.run(
        [str(c) for c in command], stdout=log, stderr=subprocess.STDOUT, text=True, timeout=STEP_TIMEOUT, **kwargs
    )
    if result.returncode != 0:
        log.flush()
        tail = Path(log.name).read_text()[-6000:]
        raise RuntimeError(f"failed ({result.returncode}): {' '.join(map(str, command))}\n{tail}")


def installed_versions(runtime: Runtime) -> dict[str, str]:
    """``{canonical name: version}`` of every distribution in the environment, pip included."""
    code = (
        "import importlib.metadata as m, json; "
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    )
    result = subprocess.run(
        [str(runtime.python), "-c", code], stdout=subprocess.PIPE, text=True, check=True, timeout=120
    )
    return {canonicalize_name(name): version for name, version in json.loads(result.stdout).items()}


def compare_with_colab(runtime: Runtime) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """What the environment has next to Colab's list: (rows of the key packages, [(name, ours, Colab's)]
    for every other package whose version differs or that Colab's list lacks)."""
    colab, _ = read_freeze(runtime.freeze_path)
    ours = installed_versions(runtime)
    rows = [
        (name, ours.get(canonicalize_name(name), "-"), colab.get(canonicalize_name(name), "-"))
        for name in runtime.key_packages + runtime.absent
    ]
    shown = {canonicalize_name(name) for name in runtime.key_packages + runtime.absent}
    other = [
        (name, version, colab.get(name, "-"))
        for name, version in sorted(ours.items())
        if name not in shown and colab.get(name) != version
    ]
    return rows, other


def format_comparison(runtime: Runtime) -> str:
    """The environment's versions next to Colab's, as an indented table (``compare_with_colab``)."""
    rows, other = compare_with_colab(runtime)
    lines = [f"  {'package':<16} {'here':<12} Colab"]
    for name, ours, colab in rows:
        if name in runtime.absent:
            note = "   (left out on purpose)" if ours == "-" else "   <-- must not be installed"
        else:
            note = "" if ours == colab else "   <-- differs"
        lines.append(f"  {name:<16} {ours:<12} {colab}{note}")
    if other:
        lines.append(
            "  not at Colab's version (or not in Colab's list): "
            + ", ".join(f"{name} {ours} (Colab: {colab})" for name, ours, colab in other)
        )
    else:
        lines.append("  every other installed package is at Colab's version")
    return "\n".join(lines)


def _lock(runtime: Runtime) -> IO[str]:
    """An exclusive lock per environment, so that parallel test sessions do not build it twice."""
    key = hashlib.sha1(str(runtime.venv).encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"colab-runtimes-{key}.lock"
    handle = open(path, "w")  # noqa: SIM115 (the caller holds the lock until it closes the handle)
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def build(runtime: Runtime, force: bool = False, interpreter: Interpreter | None = None, echo: Echo = print) -> Stamp:
    """Make ``runtime``'s environment current; return its stamp (a dict: python, python_version,
    python_source, seconds, ... and ``rebuilt``: False if nothing was done).

    A new Colab list, package set or interpreter (or ``force``) builds it afresh; a changed
    pyproject.toml only runs the same pip command again in the existing environment, which reinstalls
    course_utils (a dependency pyproject.toml no longer declares then stays installed until a rebuild)."""
    interpreter = interpreter or find_python()
    base, project = _base_key(runtime, interpreter), _project_key()
    with _lock(runtime):
        stamp = read_stamp(runtime)
        fresh = force or not stamp or stamp.get("base") != base or not runtime.python.exists()
        if not fresh and stamp is not None and stamp.get("project") == project:
            return {**stamp, "rebuilt": False}
        start = time.monotonic()
        constraints = runtime.venv / "colab-constraints.txt"
        if fresh:
            echo(f"{runtime.title}: building {runtime.venv.name} with {interpreter.describe()} ...")
            shutil.rmtree(runtime.venv, ignore_errors=True)
            runtime.venv.mkdir()
            # Keep git away from it (Python 3.13's venv does this itself; older ones do not).
            (runtime.venv / ".gitignore").write_text("# created by course_tools.colab\n*\n")
            constraints.write_text(constraints_text(runtime))
        else:
            echo(f"{runtime.title}: pyproject.toml changed, installing course_utils again ...")
        _install(runtime, interpreter if fresh else None, constraints)
        seconds = round(time.monotonic() - start, 1)
        if fresh:
            stamp = {
                "base": base,
                "python": interpreter.path,
                "python_version": interpreter.version,
                "python_source": interpreter.source,
                "seconds": seconds,
                "built": time.strftime("%Y-%m-%d %H:%M:%S"),
            }
        stamp = {**(stamp or {}), "project": project, "updated": time.strftime("%Y-%m-%d %H:%M:%S")}
        runtime.stamp.write_text(json.dumps(stamp, indent=1) + "\n")
        echo(
            f"{runtime.title}: {'built' if fresh else 'updated'} in {seconds:.0f} s; log in "
            f"{runtime.venv.name}/build.log\n" + format_comparison(runtime)
        )
        return {**stamp, "rebuilt": True}


def _install(runtime: Runtime, interpreter: Interpreter | None, constraints: Path) -> None:
    """Install the runtime's packages and course_utils under Colab's versions (``constraints``), into a new
    venv made by ``interpreter`` or, when it is None, into the existing one; the output goes to build.log."""
    with open(runtime.venv / "build.log", "a" if interpreter is None else "w") as log:
        if interpreter is not None:
            _run([interpreter.path, "-m", "venv", runtime.venv], log)
        # One resolution for everything: Colab's packages and course_utils (editable, so that edits to
        # course_utils need no rebuild) with its dependencies, all under Colab's versions. uv (from the
        # development environment) resolves like pip and downloads in parallel; pip itself then checks the result.
        packages = [*runtime.packages, "-e", f"{ROOT}{runtime.course_utils}"]
        uv: list[str | Path] = [find_uv_bin(), "pip", "install", "--python", runtime.python, "--no-progress"]
        _run([*uv, "-c", constraints, *packages], log, cwd=ROOT)
        _run([runtime.python, "-m", "pip", "--no-input", "check"], log)


def build_all(runtimes: Iterable[Runtime] | None = None, force: bool = False, echo: Echo = print) -> dict[str, Stamp]:
    """Build several environments at once (downloads and installs overlap); return {name: stamp}."""
    chosen = list(runtimes or RUNTIMES.values())
    interpreter = find_python()
    with ThreadPoolExecutor(len(chosen)) as pool:
        futures = {runtime.name: pool.submit(build, runtime, force, interpreter, echo) for runtime in chosen}
        return {name: future.result() for name, future in futures.items()}


def describe(runtime: Runtime, stamp: Stamp | None = None) -> str:
    """One line: which environment, built with which Python."""
    stamp = stamp or read_stamp(runtime) or {}
    if not stamp:
        return f"{runtime.title}: {runtime.venv.name} not built yet (would use {find_python().describe()})"
    colab = "" if stamp["python_version"].startswith(COLAB_PYTHON + ".") else f" (not Colab's {COLAB_PYTHON})"
    return (
        f"{runtime.title}: {runtime.venv.name} built with Python {stamp['python_version']}{colab} "
        f"at {stamp['python']} ({stamp['python_source']})"
    )
