"""Processes: running a command whose process tree must not outlive it (nbgrader, whose kernels run in sessions
of their own, the classroom command, the book build), and reading or ending a process tree (the grading
sandbox's watchdog). The ground floor of the maintainers' package: it imports nothing of the course."""

import contextlib
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

import psutil


def run(
    command: Sequence[str | Path],
    *,
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` (a list) with stdout and stderr merged; return a ``CompletedProcess``.

    ``returncode`` is ``None`` when ``timeout`` (seconds) passed: the command and every process it started
    are then killed, as they are when waiting is interrupted (Ctrl-C, a test's time limit)."""
    args = [str(part) for part in command]
    proc = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)
        output, _ = proc.communicate()
        return subprocess.CompletedProcess(args, None, output)  # type: ignore[arg-type]  # None: timed out
    except BaseException:
        kill_tree(proc.pid)
        raise
    return subprocess.CompletedProcess(args, proc.returncode, output)


def process_tree(pid: int) -> list[int]:
    """The process ``pid`` and its descendants, as a list of PIDs (empty when ``pid`` has ended).

    Reads Linux's ``/proc/<pid>/task/<tid>/children``: a few file reads per poll, where listing children
    through psutil scans every process on the machine."""
    if not os.path.exists(f"/proc/{pid}/task/{pid}/children"):
        try:
            root = psutil.Process(pid)
            if root.status() == psutil.STATUS_ZOMBIE:
                return []
            return [pid] + [p.pid for p in root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/stat", "rb") as handle:
                if handle.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                    continue  # a zombie: ended, waiting for its parent
            tasks = os.listdir(f"/proc/{current}/task")
        except (OSError, IndexError):
            continue
        found.append(current)
        for task in tasks:
            with contextlib.suppress(OSError), open(f"/proc/{current}/task/{task}/children") as handle:
                todo += [int(child) for child in handle.read().split()]
    return found


def resident_bytes(pid: int) -> int:
    """Resident memory of the process ``pid`` in bytes (0 when it has ended)."""
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def kill_tree(pid: int) -> None:
    """Kill the process ``pid`` and all its descendants, and wait for them (gone ones are skipped)."""
    processes: list[psutil.Process] = []
    for member in process_tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            processes.append(psutil.Process(member))
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(processes, timeout=10)
