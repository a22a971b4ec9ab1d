"""Colab's runtimes rebuilt on this machine, so that the chapters are tested on Colab's package versions.

Colab publishes what its runtimes have installed (``pip freeze``; copied into ``tests/colab/``, see the
README there). This module builds two virtual environments in the repository root from those lists:

* ``.venv-colab-cpu``: Colab's CPU runtime: tensorflow, keras, tensorflow-hub, numpy, matplotlib, mlxtend,
  pillow and ipykernel at Colab's versions, and the course's package ``course_utils`` with its extras.
* ``.venv-colab-tpu``: Colab's TPU runtime: keras, jax and jaxlib (CPU builds from PyPI; no libtpu),
  numpy, matplotlib, pillow, ipykernel and pytest at Colab's versions, and ``course_utils``. No TensorFlow.

Only what the course needs is installed (and Colab's pip), each package pinned by pip's constraints
(``-c``) generated from the Colab list (its ``name==version`` lines; URLs and local versions such as
``+cu128`` are left out), so pip fails rather than install another version. ``course_utils`` is installed
editable with its dependencies in the same pip run, under the same constraints, which also proves that
its declared dependencies admit Colab's versions. A stamp file inside each environment records how it was
built: a new Colab list, package set or interpreter builds it afresh; a changed ``pyproject.toml`` only
reinstalls ``course_utils`` into it (seconds); edits to ``course_utils`` need nothing. The two are built
at the same time (``build_all``). pip's cache makes a rebuild faster where the index allows caching.

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

Command line (from the repository root, with the dev environment's Python; ``make colab-envs`` runs the
first)::

    .venv/bin/python tests/colab_runtimes.py build [cpu|tpu ...] [--force]
    .venv/bin/python tests/colab_runtimes.py nbval cpu solutions/01_linear_models
    .venv/bin/python tests/colab_runtimes.py python     # which Python 3.13 would be used

tests/test_colab_runtimes.py uses the same functions.
"""

import argparse
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]
LISTS = ROOT / "tests" / "colab"
DEV_PYTHON = Path(sys.executable)
COLAB_PYTHON = "3.13"
SCHEMA = 1  # bump to force a rebuild when this module changes how it builds
XLA_EIGHT_DEVICES = "--xla_force_host_platform_device_count=8"


@dataclass(frozen=True)
class Runtime:
    name: str  # "cpu" or "tpu"
    title: str
    freeze: str  # file name in tests/colab/
    packages: tuple  # what the course needs, besides course_utils (pip requirement strings, no versions)
    course_utils: str  # course_utils with extras, e.g. ".[tensorflow,hub,offline]"
    key_packages: tuple  # printed next to Colab's versions and checked by the tests
    absent: tuple = ()  # distributions that must not be installed
    env: dict = field(default_factory=dict)  # for the kernel

    @property
    def venv(self):
        return ROOT / f".venv-colab-{self.name}"

    @property
    def python(self):
        return self.venv / "bin" / "python"

    @property
    def kernel_name(self):
        return f"colab-{self.name}"

    @property
    def freeze_path(self):
        return LISTS / self.freeze

    @property
    def stamp(self):
        return self.venv / ".colab-stamp.json"


RUNTIMES = {
    "cpu": Runtime(
        name="cpu", title="Colab CPU runtime", freeze="pip-freeze.txt",
        packages=("tensorflow", "keras", "tensorflow-hub", "numpy", "matplotlib", "mlxtend", "pillow",
                  "ipykernel", "pip"),
        course_utils="[tensorflow,hub,offline]",
        key_packages=("tensorflow", "keras", "tensorflow-hub", "numpy", "matplotlib", "mlxtend", "ipykernel",
                      "ipython"),
    ),
    "tpu": Runtime(
        name="tpu", title="Colab TPU runtime (JAX on 8 virtual CPU devices)", freeze="pip-freeze.tpu.txt",
        packages=("keras", "jax", "jaxlib", "numpy", "matplotlib", "pillow", "ipykernel", "pytest", "pip"),
        course_utils="",
        key_packages=("keras", "jax", "jaxlib", "numpy", "matplotlib", "ipykernel", "ipython", "pytest"),
        absent=("tensorflow", "tensorflow-hub", "libtpu"),
        env={"XLA_FLAGS": XLA_EIGHT_DEVICES},
    ),
}


# --- the Colab lists ---------------------------------------------------------------------------------

_PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)\s*$")


def read_freeze(path):
    """Return ``{canonical name: version}`` for the ``name==version`` lines of a ``pip freeze`` file, and
    the other lines (``name @ url`` and versions PyPI cannot have, such as ``2.11.0+cu128``)."""
    pinned, other = {}, []
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _PINNED.match(line)
        try:
            version = Version(match.group(2)) if match else None
        except InvalidVersion:
            version = None
        if version is None or version.local:
            other.append(line)
        else:
            pinned[canonicalize_name(match.group(1))] = match.group(2)
    return pinned, other


def constraints_text(runtime):
    """pip constraints (``-c``) from a Colab list: its pinnable ``name==version`` lines."""
    pinned, other = read_freeze(runtime.freeze_path)
    lines = [f"# generated by tests/colab_runtimes.py from tests/colab/{runtime.freeze}",
             f"# {len(other)} lines left out (URLs, local versions): "
             + ", ".join(line.split()[0].split("==")[0] for line in other)]
    lines += [f"{name}=={version}" for name, version in sorted(pinned.items())]
    return "\n".join(lines) + "\n"


# --- which Python builds the environments -------------------------------------------------------------

@dataclass(frozen=True)
class Interpreter:
    path: str
    version: str
    source: str  # how it was found

    def describe(self):
        colab = "" if self.version.startswith(COLAB_PYTHON + ".") else f" (not Colab's {COLAB_PYTHON})"
        return f"Python {self.version}{colab} at {self.path}, {self.source}"


def _probe(path):
    """Return the version of the Python at ``path`` if it runs and can create a venv with pip, else None."""
    try:
        result = subprocess.run([str(path), "-c", "import sys, venv, ensurepip; print(sys.version.split()[0])"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def _version_key(folder):
    try:
        return Version(folder.name)
    except InvalidVersion:
        return Version("0")


def find_python():
    """The interpreter that builds the Colab environments (see the module's docstring for the order)."""
    candidates = []
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
    return Interpreter(str(DEV_PYTHON), _probe(DEV_PYTHON) or "?",
                       f"the dev environment's Python: no working Python {COLAB_PYTHON} ({tried})")


# --- building -----------------------------------------------------------------------------------------

def _digest(*parts):
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode() + b"\0")
    return digest.hexdigest()


def _base_key(runtime, interpreter):
    """What forces a fresh environment: the Colab list, the package set, the interpreter, this module's SCHEMA."""
    return _digest(SCHEMA, runtime.freeze_path.read_text(), runtime.packages, runtime.course_utils,
                   interpreter.path, interpreter.version)


def _project_key():
    """What makes pip install course_utils again (into the existing environment): pyproject.toml."""
    return _digest((ROOT / "pyproject.toml").read_text())


def read_stamp(runtime):
    """The stamp of a built environment (dict), or None."""
    try:
        return json.loads(runtime.stamp.read_text())
    except (OSError, ValueError):
        return None


def _run(command, log, **kwargs):
    log.write(f"$ {' '.join(map(str, command))}\n")
    log.flush()
    result = subprocess.run([str(c) for c in command], stdout=log, stderr=subprocess.STDOUT, text=True, **kwargs)
    if result.returncode != 0:
        log.flush()
        tail = Path(log.name).read_text()[-6000:]
        raise RuntimeError(f"failed ({result.returncode}): {' '.join(map(str, command))}\n{tail}")


def installed_versions(runtime):
    """``{canonical name: version}`` of every distribution in the environment, pip included."""
    code = ("import importlib.metadata as m, json; "
            "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))")
    result = subprocess.run([str(runtime.python), "-c", code], stdout=subprocess.PIPE, text=True, check=True)
    return {canonicalize_name(name): version for name, version in json.loads(result.stdout).items()}


def compare_with_colab(runtime):
    """What the environment has next to Colab's list: (rows of the key packages, [(name, ours, Colab's)]
    for every other package whose version differs or that Colab's list lacks)."""
    colab, _ = read_freeze(runtime.freeze_path)
    ours = installed_versions(runtime)
    rows = [(name, ours.get(canonicalize_name(name), "-"), colab.get(canonicalize_name(name), "-"))
            for name in runtime.key_packages + runtime.absent]
    shown = {canonicalize_name(name) for name in runtime.key_packages + runtime.absent}
    other = [(name, version, colab.get(name, "-")) for name, version in sorted(ours.items())
             if name not in shown and colab.get(name) != version]
    return rows, other


def format_comparison(runtime):
    rows, other = compare_with_colab(runtime)
    lines = [f"  {'package':<16} {'here':<12} Colab"]
    for name, ours, colab in rows:
        if name in runtime.absent:
            note = "   (left out on purpose)" if ours == "-" else "   <-- must not be installed"
        else:
            note = "" if ours == colab else "   <-- differs"
        lines.append(f"  {name:<16} {ours:<12} {colab}{note}")
    if other:
        lines.append("  not at Colab's version (or not in Colab's list): "
                     + ", ".join(f"{name} {ours} (Colab: {colab})" for name, ours, colab in other))
    else:
        lines.append("  every other installed package is at Colab's version")
    return "\n".join(lines)


def _lock(runtime):
    """An exclusive lock per environment, so that parallel test sessions do not build it twice."""
    path = Path(tempfile.gettempdir()) / f"colab-runtimes-{hashlib.sha1(str(runtime.venv).encode()).hexdigest()[:12]}.lock"
    handle = open(path, "w")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def build(runtime, force=False, interpreter=None, echo=print):
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
        if not fresh and stamp.get("project") == project:
            return {**stamp, "rebuilt": False}
        start = time.monotonic()
        constraints = runtime.venv / "colab-constraints.txt"
        if fresh:
            echo(f"{runtime.title}: building {runtime.venv.name} with {interpreter.describe()} ...")
            shutil.rmtree(runtime.venv, ignore_errors=True)
            runtime.venv.mkdir()
            # Keep git away from it (Python 3.13's venv does this itself; older ones do not).
            (runtime.venv / ".gitignore").write_text("# created by tests/colab_runtimes.py\n*\n")
            constraints.write_text(constraints_text(runtime))
        else:
            echo(f"{runtime.title}: pyproject.toml changed, installing course_utils again ...")
        with open(runtime.venv / "build.log", "w" if fresh else "a") as log:
            if fresh:
                _run([interpreter.path, "-m", "venv", runtime.venv], log)
            pip = [runtime.python, "-m", "pip", "--no-input"]
            # One resolution for everything: Colab's packages and course_utils (editable, so that edits to
            # course_utils need no rebuild) with its dependencies, all under Colab's versions.
            _run([*pip, "install", "--progress-bar", "off", "-c", constraints, *runtime.packages,
                  "-e", f"{ROOT}{runtime.course_utils}"], log, cwd=ROOT)
            _run([*pip, "check"], log)
        seconds = round(time.monotonic() - start, 1)
        if fresh:
            stamp = {"base": base, "python": interpreter.path, "python_version": interpreter.version,
                     "python_source": interpreter.source, "seconds": seconds,
                     "built": time.strftime("%Y-%m-%d %H:%M:%S")}
        stamp = {**stamp, "project": project, "updated": time.strftime("%Y-%m-%d %H:%M:%S")}
        runtime.stamp.write_text(json.dumps(stamp, indent=1) + "\n")
        echo(f"{runtime.title}: {'built' if fresh else 'updated'} in {seconds:.0f} s; log in "
             f"{runtime.venv.name}/build.log\n" + format_comparison(runtime))
        return {**stamp, "rebuilt": True}


def build_all(runtimes=None, force=False, echo=print):
    """Build several environments at once (downloads and installs overlap); return {name: stamp}."""
    runtimes = list(runtimes or RUNTIMES.values())
    interpreter = find_python()
    with ThreadPoolExecutor(len(runtimes)) as pool:
        futures = {runtime.name: pool.submit(build, runtime, force, interpreter, echo) for runtime in runtimes}
        return {name: future.result() for name, future in futures.items()}


def describe(runtime, stamp=None):
    """One line: which environment, built with which Python."""
    stamp = stamp or read_stamp(runtime) or {}
    if not stamp:
        return f"{runtime.title}: {runtime.venv.name} not built yet (would use {find_python().describe()})"
    colab = "" if stamp["python_version"].startswith(COLAB_PYTHON + ".") else f" (not Colab's {COLAB_PYTHON})"
    return (f"{runtime.title}: {runtime.venv.name} built with Python {stamp['python_version']}{colab} "
            f"at {stamp['python']} ({stamp['python_source']})")


# --- running notebooks in the Colab environments ------------------------------------------------------

# What the kernel runs: ipykernel_launcher's own code (drop the current folder from sys.path, then start the
# kernel), plus one line appended to launches.log next to kernel.json, so that tests can prove which
# environment's kernel nbval or nbgrader started (nbgrader does not say which kernel it used).
_LAUNCH = ("import sys; del sys.path[0]; "
           "open({log!r}, 'a').write(sys.prefix + '\\n'); "
           "from ipykernel import kernelapp; kernelapp.launch_new_instance()")


def write_kernelspecs(folder, runtimes=None):
    """Write a Jupyter kernel spec per runtime into ``folder/kernels/``; return ``folder`` (for JUPYTER_PATH).

    The kernel runs ipykernel in the venv's Python with the venv's bin first on PATH (so that a notebook's
    ``!pip`` would use the Colab environment) and the runtime's environment (XLA_FLAGS); each start is
    recorded (see ``kernel_launches``)."""
    for runtime in runtimes or RUNTIMES.values():
        target = Path(folder) / "kernels" / runtime.kernel_name
        target.mkdir(parents=True, exist_ok=True)
        spec = {
            "argv": [str(runtime.python), "-c", _LAUNCH.format(log=str(target / "launches.log")),
                     "-f", "{connection_file}"],
            "display_name": f"Python 3 ({runtime.title})",
            "language": "python",
            "env": {"PATH": f"{runtime.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", **runtime.env},
            "metadata": {"debugger": False},
        }
        (target / "kernel.json").write_text(json.dumps(spec, indent=1))
    return Path(folder)


def kernel_launches(folder, runtime):
    """The ``sys.prefix`` of every kernel started from ``runtime``'s spec in ``folder``, in order."""
    log = Path(folder) / "kernels" / runtime.kernel_name / "launches.log"
    return log.read_text().splitlines() if log.is_file() else []


def kernel_environ(jupyter_dir, runtime, base=None):
    """The environment for a process (nbval, nbgrader) that must start ``runtime``'s kernel."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(jupyter_dir), env.get("JUPYTER_PATH")]))
    env.update(runtime.env)
    return env


def nbval(runtime, path, jupyter_dir, cell_timeout=900, extra=()):
    """Run ``path`` (a notebook or folder) with nbval from the dev environment in ``runtime``'s kernel, in
    quick mode with the staged data (the root conftest.py sets both); return the CompletedProcess."""
    command = [str(DEV_PYTHON), "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider", "-q", "-rfE",
               "--nbval-lax", "--nbval-kernel-name", runtime.kernel_name, f"--nbval-cell-timeout={cell_timeout}",
               *extra, str(path)]
    env = kernel_environ(jupyter_dir, runtime)
    env.pop("PYTEST_ADDOPTS", None)  # the caller's options (e.g. -n 2) are not meant for this inner run
    return subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build_cmd = sub.add_parser("build", help="build the Colab environments (only if out of date)")
    build_cmd.add_argument("runtimes", nargs="*", metavar="{cpu,tpu}", help="default: both")
    build_cmd.add_argument("--force", action="store_true", help="rebuild even if up to date")
    run_cmd = sub.add_parser("nbval", help="run notebooks with nbval in a Colab environment's kernel")
    run_cmd.add_argument("runtime", choices=list(RUNTIMES))
    run_cmd.add_argument("paths", nargs="+")
    sub.add_parser("python", help="print which Python would build the environments")
    args = parser.parse_args(argv)

    if args.command == "python":
        print(find_python().describe())
        return 0
    if args.command == "build":
        unknown = set(args.runtimes) - set(RUNTIMES)
        if unknown:
            parser.error(f"unknown runtime(s) {sorted(unknown)}; choose from {list(RUNTIMES)}")
        stamps = build_all([RUNTIMES[name] for name in args.runtimes or RUNTIMES], force=args.force)
        for name, stamp in stamps.items():
            if not stamp["rebuilt"]:
                print(f"{describe(RUNTIMES[name], stamp)}: up to date\n{format_comparison(RUNTIMES[name])}")
        return 0
    runtime = RUNTIMES[args.runtime]
    build(runtime)
    print(describe(runtime))
    with tempfile.TemporaryDirectory() as jupyter_dir:
        write_kernelspecs(jupyter_dir, [runtime])
        status = 0
        for path in args.paths:
            start = time.monotonic()
            result = nbval(runtime, Path(path).resolve(), jupyter_dir)
            print(result.stdout[-4000:])
            print(f"{path}: exit {result.returncode} in {time.monotonic() - start:.0f} s")
            status = status or result.returncode
        return status


if __name__ == "__main__":
    sys.exit(main())
