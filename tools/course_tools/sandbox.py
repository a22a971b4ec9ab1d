"""Run a student's kernel in a bubblewrap sandbox, with limits, while nbgrader grades outside it.

``classroom grade`` (course_tools.classroom) sets ``SandboxedKernelManager`` as the kernel manager of nbgrader's execute
step (one ``nbgrader autograde`` per submission). The kernel then runs under ``bwrap`` (Debian's
``bubblewrap``) and sees:

* the system folders (``/usr``, ``/etc``) and the kernel's Python environment, read-only;
* the staged data (``COURSE_DATA_DIR``) and the ``course_utils`` package, read-only;
* its own submission's working folder (``work_dir``), read-write, and a private ``/tmp`` of ``tmp_size``;
* nothing else: not ``solutions/``, ``gradebook.db``, other students' folders, ``feedback/`` or the
  grader's home; no network (a loopback of its own), no environment variables but an allow-list.

The kernel talks to nbgrader through Jupyter's IPC transport (Unix sockets in a folder bound into the
sandbox), since TCP cannot cross the network namespace. It runs in a PID namespace of its own, so no
process it starts outlives it. A watchdog thread in the grader checks, five times a second, the memory
of the sandbox's processes, their number and the bytes added to ``work_dir``; past a limit it kills the sandbox
and remembers why (``limit_hit``), which ``course_tools.guards.KernelDeathGuard`` writes into the disabled cell.
"""

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import Float, Integer, List, Unicode

from course_tools.processes import kill_tree, process_tree, resident_bytes

GIB = 1024**3
# Environment variables a kernel keeps (the rest of the grader's environment, tokens included, is dropped).
KEPT_ENV_NAMES = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM", "PYTHONPATH", "PYTHONHASHSEED", "MPLBACKEND")
KEPT_ENV_PREFIXES = ("LC_", "COURSE_", "KERAS_", "TF_", "XLA_", "JAX_", "OMP_", "PYDEVD_")


def bwrap_problem(bwrap: str = "bwrap") -> str | None:
    """Return ``None`` when a bubblewrap sandbox can be started here, else a sentence that says why not."""
    path = shutil.which(bwrap)
    if path is None:
        return (
            f"{bwrap} is not installed: install Debian's package bubblewrap (apt-get install bubblewrap) "
            "or grade with --no-sandbox"
        )
    probe = [
        path,
        "--ro-bind",
        "/",
        "/",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--unshare-all",
        "--die-with-parent",
        "--",
        "true",
    ]
    result = subprocess.run(probe, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    if result.returncode != 0:
        return (
            f"bubblewrap cannot create a sandbox on this machine ({result.stdout.strip()[:200]}); "
            "unprivileged user namespaces may be disabled. Grade as root, enable them, or pass --no-sandbox"
        )
    return None


def python_paths(python: str | Path, env: Mapping[str, str] | None = None) -> list[Path]:
    """Folders and files the interpreter ``python`` reads its standard library and packages from."""
    code = (
        "import importlib.util, json, sys\n"
        "spec = importlib.util.find_spec('course_utils')\n"
        "extra = list(spec.submodule_search_locations) if spec and spec.submodule_search_locations else []\n"
        "print(json.dumps([sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,"
        " *sys.path, *extra]))"
    )
    output = subprocess.run(
        [python, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        timeout=120,
        text=True,
        env=env,
        check=True,
        cwd="/",
    ).stdout
    return [Path(p).resolve() for p in json.loads(output) if p]


def _contains(folder: Path, path: Path) -> bool:
    """True when ``path`` is ``folder`` or inside it."""
    return path == folder or folder in path.parents


def read_only_paths(candidates: Iterable[str | Path], hidden: Iterable[Path]) -> list[Path]:
    """Keep the existing paths of ``candidates`` that do not contain a ``hidden`` folder, without repeats
    and without paths already inside another kept path."""
    kept: list[Path] = []
    for path in sorted({Path(p).resolve() for p in candidates}, key=lambda p: len(p.parts)):
        if not path.exists() or any(_contains(path, h) for h in hidden):
            continue
        if not any(_contains(k, path) for k in kept):
            kept.append(path)
    return kept


def kept_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The part of ``environ`` a sandboxed kernel may see (see KEPT_ENV_NAMES and KEPT_ENV_PREFIXES)."""
    return {k: v for k, v in environ.items() if k in KEPT_ENV_NAMES or k.startswith(KEPT_ENV_PREFIXES)}


def bwrap_command(
    kernel_cmd: list[str],
    work_dir: Path,
    socket_dir: str | Path,
    read_only: Iterable[Path],
    environ: Mapping[str, str],
    tmp_size: int,
    bwrap: str = "bwrap",
) -> list[str]:
    """The ``bwrap`` command line that runs ``kernel_cmd`` in the sandbox described in the module doc."""
    args = [
        shutil.which(bwrap) or bwrap,
        "--unshare-all",
        "--die-with-parent",
        "--cap-drop",
        "ALL",
        "--clearenv",
        "--ro-bind",
        "/usr",
        "/usr",
        "--ro-bind",
        "/etc",
        "/etc",
    ]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        top = Path("/", name)
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(tmp_size), "--tmpfs", "/tmp", "--dir", "/tmp/home"]
    for path in read_only:
        args += ["--ro-bind", str(path), str(path)]
    args += [
        "--bind",
        str(socket_dir),
        str(socket_dir),
        "--bind",
        str(work_dir),
        str(work_dir),
        "--chdir",
        str(work_dir),
    ]
    # JPY_PARENT_PID=1: the kernel's parent is PID 1 of its namespace (bwrap), so ipykernel need not watch it
    # and does not print its connection details to the grader's terminal.
    for key, value in sorted({**kept_environment(environ), "HOME": "/tmp/home", "JPY_PARENT_PID": "1"}.items()):
        args += ["--setenv", key, value]
    return args + ["--", *kernel_cmd]


def folder_bytes(folder: str | Path) -> int:
    """Bytes in the regular files under ``folder`` (0 when it is gone)."""
    total = 0
    for base, _, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):  # a file the kernel removed meanwhile
                total += os.lstat(os.path.join(base, name)).st_size
    return total


def _size(nbytes: float) -> str:
    """``nbytes`` for a person: in GiB from a tenth of one, else in MiB."""
    return f"{nbytes / GIB:.1f} GiB" if nbytes >= GIB / 10 else f"{nbytes / 1024**2:.0f} MiB"


class SandboxedKernelManager(AsyncKernelManager):
    """A Jupyter kernel manager that starts the kernel under bubblewrap (see the module doc)."""

    work_dir = Unicode(
        help="The submission's working folder, the only one the kernel may write to "
        "(default: the folder the kernel is started in, for nbgrader the notebook's)."
    ).tag(config=True)
    read_only = List(Unicode(), help="More folders the kernel may read (e.g. the staged data).").tag(config=True)
    hidden = List(
        Unicode(),
        help="Folders never bound into the sandbox, even when the Python environment "
        "lies in them (the course folder, the grader's home).",
    ).tag(config=True)
    memory_limit = Integer(8 * GIB, help="Bytes of memory (resident) the kernel's processes may use.").tag(config=True)
    max_processes = Integer(64, help="Processes the kernel may run at once, itself included.").tag(config=True)
    disk_limit = Integer(GIB, help="Bytes the kernel may keep in its working folder.").tag(config=True)
    tmp_size = Integer(GIB, help="Size of the kernel's private /tmp (in memory) in bytes.").tag(config=True)
    poll_interval = Float(
        0.2,
        help="Seconds between two checks of the limits (each costs about 2 ms of CPU for a kernel with its threads).",
    ).tag(config=True)
    bwrap = Unicode("bwrap", help="The bubblewrap program.").tag(config=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._socket_dir = tempfile.mkdtemp(prefix="kernel-sockets-")
        self.transport = "ipc"
        self.ip = os.path.join(self._socket_dir, "kernel")
        self.connection_file = os.path.join(self._socket_dir, "connection.json")
        self.limit_hit: str | None = None
        self.peak_memory = 0  # the most resident memory seen, in bytes
        self._watchdog: threading.Thread | None = None

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        # A signal to the kernel's process group would reach bwrap first and end the sandbox, so a cell past
        # its time limit is interrupted by a message on the control channel instead (ipykernel then sends
        # SIGINT to itself).
        if self.kernel_spec is None:
            raise RuntimeError(f"no kernel spec named {self.kernel_name!r}: install the kernel first")
        self.kernel_spec.interrupt_mode = "message"
        cmd = super().format_kernel_cmd(extra_arguments)
        work_dir = Path(self.work_dir).resolve()
        hidden = [Path(h).resolve() for h in self.hidden]
        if Path.home().resolve() != Path("/"):
            hidden.append(Path.home().resolve())
        candidates = python_paths(cmd[0], env=os.environ) + [Path(p) for p in self.read_only]
        read_only = [p for p in read_only_paths(candidates, hidden) if not _contains(p, work_dir)]
        return bwrap_command(cmd, work_dir, self._socket_dir, read_only, os.environ, self.tmp_size, self.bwrap)

    # AsyncKernelManager's start_kernel is a coroutine; jupyter_client types it through the synchronous base.
    async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
        if not self.work_dir:
            if not kw.get("cwd"):
                raise ValueError(
                    "SandboxedKernelManager needs a working folder: set work_dir or start the kernel with cwd"
                )
            self.work_dir = str(kw["cwd"])
        await super().start_kernel(**kw)
        pid = getattr(self.provisioner, "pid", None)
        if pid:
            self._watchdog = threading.Thread(target=self._watch, args=(pid,), daemon=True)
            self._watchdog.start()

    def _watch(self, pid: int) -> None:
        """Poll the sandbox's processes until they are gone; kill them all when one limit is passed."""
        try:
            self._poll(pid)
        finally:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self.log.info("Sandboxed kernel ended; its processes used at most %s of memory", _size(self.peak_memory))

    def _poll(self, pid: int) -> None:
        stop = threading.Event()
        before = folder_bytes(self.work_dir)  # what was there at the start (a rerun finds the first run's files)
        while True:
            processes = process_tree(pid)
            if not processes:
                return
            memory = sum(resident_bytes(p) for p in processes)
            self.peak_memory = max(self.peak_memory, memory)
            # bwrap itself and its init (PID 1 of the namespace) are not the kernel's processes
            count = max(len(processes) - 2, 0)
            if memory > self.memory_limit:
                self.limit_hit = (
                    f"it used more than {_size(self.memory_limit)} of memory (the grader's limit; "
                    f"{_size(memory)} when stopped)"
                )
            elif count > self.max_processes:
                self.limit_hit = f"it started more than {self.max_processes} processes (the grader's limit)"
            elif folder_bytes(self.work_dir) - before > self.disk_limit:
                self.limit_hit = f"it wrote more than {_size(self.disk_limit)} of files (the grader's limit)"
            if self.limit_hit:
                self.log.warning("Sandboxed kernel stopped: %s", self.limit_hit)
                kill_tree(pid)
                return
            stop.wait(self.poll_interval)
