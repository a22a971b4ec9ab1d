"""release and grade: nbgrader's generate_assignment, autograde (one per submission, sandboxed) and
generate_feedback, with every submission ending with exactly one score (see ``cli``)."""

import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode

from course_tools import layout
from course_tools.classroom import integrity
from course_tools.classroom.feedback import scrub_graded, write_all
from course_tools.classroom.limits import Limits, check_sandbox
from course_tools.classroom.log import (
    cell_label,
    db_url,
    entry,
    gradebook,
    load_log,
    save_log,
)
from course_tools.classroom.repair import repair
from course_tools.classroom.report import print_report
from course_tools.guards import KILLED, STOPPED_AT_LIMIT


def release(course: Path, chapters: list[str]) -> None:
    """Regenerate chapters/<id>/ from solutions/<id>/ and register the chapter in gradebook.db."""
    for chapter in chapters or layout.chapter_ids(course, layout.SOURCE):
        result = layout.nbgrader(["generate_assignment", chapter, "--force", f"--db={db_url(course)}"], course)
        if result.returncode != 0:
            raise SystemExit(f"nbgrader generate_assignment {chapter} failed:\n{result.stdout[-3000:]}")
        print(f"released {chapter}: chapters/{chapter}/{chapter}.ipynb, registered in gradebook.db")


def record_zero(gb: Any, chapter: str, student: str) -> None:
    """Give a submission that could not be graded a score of 0 for every test in the gradebook ``gb``."""
    from nbgrader.api import MissingEntry

    gb.update_or_create_student(student)
    try:
        submission = gb.find_submission(chapter, student)
    except MissingEntry:
        submission = gb.add_submission(chapter, student)
    for notebook in submission.notebooks:
        for test_grade in notebook.grades:
            test_grade.auto_score, test_grade.manual_score, test_grade.needs_manual_grade = 0, None, False
    gb.db.commit()


def grading_problems(autograded_nb: NotebookNode, timeout: int | None) -> list[str]:
    """Problems visible in a graded notebook's outputs (``timeout``: seconds per cell, for the message), in an
    instructor's words."""
    problems = []
    for index, cell in enumerate(autograded_nb.cells):
        if cell.cell_type != "code":
            continue
        label, meta = cell_label(cell, index), cell.metadata.get("nbgrader", {})
        if layout.DISABLED_MARKER in cell.source:
            stopped = re.search(rf"{STOPPED_AT_LIMIT} (.*?)['\"]\)", cell.source)
            if stopped:
                problems.append(
                    f"{label} was stopped because {stopped.group(1)}; the grader disabled it and graded the rest"
                )
            elif KILLED in cell.source:
                problems.append(
                    f"{label} stopped the Python kernel (os._exit, a crash or too much memory); "
                    "the grader disabled it and graded the rest"
                )
            else:
                problems.append(
                    f"{label} ran past the time limit and its kernel did not respond; "
                    "the grader disabled it and graded the rest"
                )
            continue
        timed_out = any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", []))
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.output_type == "stream" else ""
            if layout.CUT_MARKER in text or "Output truncated" in text:
                problems.append(f"{label} printed too much output; it was cut")
            if output.output_type != "error":
                continue
            ename, evalue = output.get("ename", ""), str(output.get("evalue", ""))[:200]
            if ename == "CellTimeoutError":
                limit = f"{timeout} s" if timeout else "the time limit per cell"
                problems.append(f"{label} ran longer than {limit} and was stopped (an endless loop?)")
            elif ename == "KeyboardInterrupt" and timed_out:
                continue  # the interrupt that stopped a cell at its time limit
            elif ename == "SystemExit":
                problems.append(f"{label} called sys.exit(); the cell was stopped there")
            elif meta.get("solution") and ename == "NotImplementedError":
                problems.append(f"{label} was not answered")
            elif meta.get("solution") and ename in ("SyntaxError", "IndentationError", "TabError"):
                problems.append(f"{label} has a syntax error: {evalue}")
            elif meta.get("solution"):
                problems.append(f"{label} raised {ename}: {evalue}")
    return list(dict.fromkeys(problems))


def _grade_one(
    course: Path,
    chapter: str,
    student: str,
    timeout: int | None,
    notebook_timeout: int,
    max_chars: int | None,
    limits: Limits | None = None,
) -> tuple[str | None, float]:
    """Autograde one submission; return (why it could not be graded or None, seconds it took). ``timeout`` and
    ``max_chars`` None keep nbgrader_config.py's settings."""
    args = ["autograde", chapter, "--student", student, "--force", f"--db={db_url(course)}"]
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


DEFAULT_LIMITS = Limits()


def _prepare(course: Path, chapters: list[str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Release what the gradebook lacks, repair every submission; return (log, {chapter: students})."""
    with gradebook(course) as gb:
        known = {a.name for a in gb.assignments}
    unregistered = [chapter for chapter in chapters if chapter not in known]
    if unregistered:
        release(course, unregistered)
    log = load_log(course)
    repair(course, chapters, quiet=True, log=log)
    return log, {chapter: layout.students(course, chapter) for chapter in chapters}


def _queue(course: Path, log: dict[str, Any], submitted: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The (chapter, student) pairs to autograde; each submission's review notes from its own cells."""
    work = []
    for chapter, students in submitted.items():
        source_nb = integrity.read_pair(course, chapter)[0]
        for student in students:
            item = entry(log, chapter, student)
            item["grade"], item["review"] = [], []
            if item.get("readable") is False:
                item["grade"] = ["nothing to run: the file is not a readable notebook, recorded as 0"]
                continue
            nb = nbformat.read(layout.notebook(course, layout.SUBMITTED, chapter, student), as_version=4)
            item["review"] = integrity.suspicions(nb, source_nb)
            work.append((chapter, student))
    return work


def _outcomes(
    course: Path,
    log: dict[str, Any],
    submitted: dict[str, list[str]],
    results: dict[tuple[str, str], tuple[str | None, float]],
    timeout: int | None,
) -> dict[str, list[str]]:
    """Record what grading found per submission (problems, and hidden-test code removed from its outputs);
    return {chapter: students that could not be graded} (their graded notebooks removed)."""
    failed: dict[str, list[str]] = {chapter: [] for chapter in submitted}
    for chapter, students in submitted.items():
        source_nb, release_nb = integrity.read_pair(course, chapter)
        hidden = integrity.hidden_lines(source_nb, release_nb)
        for student in students:
            item = entry(log, chapter, student)
            failure, seconds = results.get((chapter, student), (None, 0.0))
            item["grade_seconds"] = round(seconds, 1)
            if failure:
                item["grade"] = [f"{failure}, recorded as 0 - grade it by hand"]
            graded = layout.notebook(course, layout.AUTOGRADED, chapter, student)
            if item.get("readable") is False or failure:
                if graded.parent.exists():
                    _make_writable(graded.parent)
                    shutil.rmtree(graded.parent)
                failed[chapter].append(student)
                continue
            item["grade"] = grading_problems(nbformat.read(graded, as_version=4), timeout)
            item["review"] += scrub_graded(course, chapter, student, hidden)
    return failed


def _record_scores(
    course: Path, log: dict[str, Any], submitted: dict[str, list[str]], failed: dict[str, list[str]]
) -> None:
    """Zeros for what could not be graded; a problem for any submission still without a score."""
    from nbgrader.api import MissingEntry

    with gradebook(course) as gb:
        for chapter, students in submitted.items():
            for student in failed[chapter]:
                record_zero(gb, chapter, student)
            for student in students:
                try:
                    gb.find_submission(chapter, student)
                except MissingEntry:
                    entry(log, chapter, student)["grade"].append("no score in the gradebook")


def grade(
    course: Path,
    chapters: list[str] | None = None,
    jobs: int = 1,
    timeout: int | None = None,
    notebook_timeout: int = 1800,
    max_chars: int | None = None,
    quiet: bool = False,
    limits: Limits | None = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Repair, autograde and write feedback for every submission of the chapters; return the log.

    ``limits`` (a ``Limits``) runs each submission's kernel in a sandbox; ``None`` runs it unprotected.
    The log is loaded and saved once; the gradebook is opened twice: before grading (which chapters are
    registered) and after it (zeros for what could not be graded, a score for every submission)."""
    course = Path(course).resolve()
    check_sandbox(course, limits)
    log, submitted = _prepare(course, chapters or layout.chapter_ids(course, layout.RELEASE))
    work = _queue(course, log, submitted)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {
            key: pool.submit(_grade_one, course, *key, timeout, notebook_timeout, max_chars, limits) for key in work
        }
        results = {key: future.result() for key, future in futures.items()}
    elapsed = time.monotonic() - started
    failed = _outcomes(course, log, submitted, results, timeout)
    _record_scores(course, log, submitted, failed)
    write_all(course, log, submitted, failed)
    log["last_grade"] = {"submissions": len(work), "seconds": round(elapsed, 1), "jobs": jobs}
    save_log(course, log)
    if not quiet:
        print(f"graded {len(work)} notebooks in {elapsed:.0f} s with {jobs} job(s)")
        print_report(course, list(submitted))
    return log


def _make_writable(folder: Path) -> None:
    """Let a graded folder be removed (nbgrader may leave its files read-only)."""
    for path in [folder, *Path(folder).rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
