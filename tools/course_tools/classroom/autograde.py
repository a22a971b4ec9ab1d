"""One ``nbgrader autograde --student`` per submission, and grading a list of them on this machine, ``jobs`` at a
time (the local counterpart of course_tools.classroom.cluster: both yield (key, outcome) as each one ends)."""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from course_tools import layout
from course_tools.classroom.limits import Limits
from course_tools.classroom.log import db_url

Key = tuple[str, str, str]  # (chapter, student, sha256 of the submitted notebook)
Outcome = tuple[str | None, float]  # (why it could not be graded or None, seconds)


def grade_one(
    course: Path,
    chapter: str,
    student: str,
    timeout: int | None,
    notebook_timeout: int,
    max_chars: int | None,
    limits: Limits | None = None,
    db: str | None = None,
) -> tuple[str | None, float]:
    """Autograde one submission into the gradebook ``db`` (default: the course's); return (why it could not be
    graded or None, seconds it took). ``timeout`` and ``max_chars`` None keep nbgrader_config.py's settings."""
    args = ["autograde", chapter, "--student", student, "--force", f"--db={db or db_url(course)}"]
    args += [f"--LimitOutputSize.max_chars={max_chars}"] if max_chars is not None else []
    args += [f"--Execute.timeout={timeout}"] if timeout else []
    if limits is not None:
        args += limits.nbgrader_args(course, chapter, student)
    started = time.monotonic()
    result = layout.nbgrader(args, course, timeout=notebook_timeout)
    code, output = result.returncode, result.stdout
    graded = layout.notebook(course, layout.AUTOGRADED, chapter, student)
    if code is None:
        return f"grading took longer than {notebook_timeout} s and was stopped", time.monotonic() - started
    if code != 0 or not graded.is_file():
        errors = [line for line in output.splitlines() if "Error" in line or "error" in line]
        return (
            f"nbgrader could not grade it ({(errors or [f'exit code {code}'])[-1].strip()[:200]})",
            time.monotonic() - started,
        )
    return None, time.monotonic() - started


def grade_locally(course: Path, work: list[Key], jobs: int, options: dict[str, Any]) -> Iterator[tuple[Key, Outcome]]:
    """Autograde ``work`` on this machine, ``jobs`` at a time; yield (key, outcome) as each one ends."""
    args = [options[name] for name in ("timeout", "notebook_timeout", "max_chars", "limits")]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_one, course, *key[:2], *args): key for key in work}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            pool.shutdown(cancel_futures=True)  # interrupted: start no other submission
