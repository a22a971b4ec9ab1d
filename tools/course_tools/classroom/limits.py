"""What a sandboxed submission may use: the ``classroom grade`` side of ``course_tools.sandbox``'s limits.

Each limit is a trait of ``SandboxedKernelManager`` (one default, which ``nbgrader_config.py`` can set); a
``Limits`` passes nbgrader only the limits an instructor gave on the command line.
"""

import os
import re
from pathlib import Path
from typing import Any

from course_tools import layout
from course_tools.sandbox import SandboxedKernelManager, bwrap_problem


def parse_size(text: str | int) -> int:
    """Bytes in a size such as ``"8G"``, ``"512M"`` or ``"1000000"`` (K, M, G: powers of 1024)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)i?B?\s*", str(text), flags=re.IGNORECASE)
    if not match:
        raise ValueError(f"{text!r} is not a size: write a number of bytes or e.g. 512M, 8G")
    return int(float(match.group(1)) * 1024 ** " KMG".index(match.group(2).upper() or " "))


def sandbox_default(name: str) -> Any:
    """The default of the sandbox's setting ``name`` (a trait of ``SandboxedKernelManager``, which
    ``nbgrader_config.py`` can set too): the one place each limit is written."""
    return SandboxedKernelManager.class_traits()[name].default_value


class Limits:
    """What one sandboxed submission may use (see course_tools.sandbox). A limit given here overrides the
    sandbox's setting; ``None`` leaves it to ``nbgrader_config.py`` or else the trait's default."""

    def __init__(
        self,
        memory: str | int | None = None,
        processes: int | None = None,
        disk: str | int | None = None,
        bwrap: str | None = None,
    ) -> None:
        given = {
            "memory_limit": None if memory is None else parse_size(memory),
            "max_processes": None if processes is None else int(processes),
            "disk_limit": None if disk is None else parse_size(disk),
        }
        if any(value is not None and value <= 0 for value in given.values()):
            raise ValueError(f"sandbox limits must be positive, got {given}")
        self.given: dict[str, int | str] = {name: value for name, value in given.items() if value is not None}
        if bwrap is not None:
            self.given["bwrap"] = bwrap
        self.bwrap = str(self.given.get("bwrap", sandbox_default("bwrap")))

    def nbgrader_args(self, course: Path, chapter: str, student: str) -> list[str]:
        """nbgrader options that start this submission's kernel in the sandbox."""
        km = "SandboxedKernelManager"
        args = [
            f"--Execute.kernel_manager_class=course_tools.sandbox.{km}",
            f"--{km}.work_dir={layout.notebook(course, layout.AUTOGRADED, chapter, student).parent}",
            f"--{km}.hidden={course}",
        ]
        args += [f"--{km}.{name}={value}" for name, value in sorted(self.given.items())]
        data = os.environ.get(layout.DATA_DIR_ENV, "").strip()
        if data:
            args.append(f"--{km}.read_only={Path(data).resolve()}")
        return args


def check_sandbox(course: Path, limits: Limits | None) -> None:
    """Stop with a message when ``limits`` (a sandbox) is asked for but cannot be provided here."""
    if limits is None:
        print(
            "grading WITHOUT a sandbox (--no-sandbox): student code runs with your rights and can read the "
            "hidden tests and change other students' files (README: What grading does and does not protect "
            "against)"
        )
        return
    problem = bwrap_problem(limits.bwrap)
    if problem:
        raise SystemExit(f"cannot grade in a sandbox: {problem}")
