"""release and grade: nbgrader's generate_assignment, autograde (one per submission, sandboxed) and
generate_feedback, with every submission ending with exactly one score (see ``cli``)."""

import re
import shutil
import time
from pathlib import Path
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode

from course_tools import layout
from course_tools.classroom import integrity
from course_tools.classroom.autograde import Key, Outcome, grade_locally
from course_tools.classroom.cluster import digest, find_or_add_submission, make_writable
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
from course_tools.classroom.progress import Progress
from course_tools.classroom.repair import repair
from course_tools.classroom.report import print_report
from course_tools.guards import KILLED, STOPPED_AT_LIMIT


def release(course: Path, chapters: list[str]) -> None:
    """Regenerate chapters/<id>/ from solutions/<id>/ and register the chapter in the gradebook (``db_url``)."""
    for chapter in chapters or layout.chapter_ids(course, layout.SOURCE):
        result = layout.nbgrader(["generate_assignment", chapter, "--force", f"--db={db_url(course)}"], course)
        if result.returncode != 0:
            raise SystemExit(f"nbgrader generate_assignment {chapter} failed:\n{result.stdout[-3000:]}")
        print(f"released {chapter}: chapters/{chapter}/{chapter}.ipynb, registered in the gradebook")


def record_zero(gb: Any, chapter: str, student: str) -> None:
    """Give a submission that could not be graded a score of 0 for every test in the gradebook ``gb``."""
    for notebook in find_or_add_submission(gb, chapter, student).notebooks:
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


DEFAULT_LIMITS = Limits()
GRADED_SHA = "graded_sha256"  # the log's sha256 of the submission as it was last graded


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


def _scored_students(course: Path, chapter: str) -> set[str]:
    """The students with a submission of ``chapter`` in the gradebook."""
    with gradebook(course) as gb:
        return {submission.student_id for submission in gb.assignment_submissions(chapter)}


def _queue(
    course: Path, log: dict[str, Any], submitted: dict[str, list[str]], force: bool
) -> tuple[list[Key], list[Key], int]:
    """(submissions to autograde, unreadable ones, how many are unchanged since they were graded and still
    scored in the gradebook: skipped unless ``force``); each queued submission's review notes from its own cells.
    A submission the gradebook lacks (a new database, say) is graded again whatever the log says."""
    work, unreadable, skipped = [], [], 0
    for chapter, students in submitted.items():
        source_nb = integrity.read_pair(course, chapter)[0]
        scored = _scored_students(course, chapter)
        for student in students:
            path = layout.notebook(course, layout.SUBMITTED, chapter, student)
            item, sha = entry(log, chapter, student), digest(path.read_bytes())
            if not force and item.get(GRADED_SHA) == sha and student in scored:
                skipped += 1
                continue
            item["grade"], item["review"] = [], []
            if item.get("readable") is False:
                item["grade"] = ["nothing to run: the file is not a readable notebook, recorded as 0"]
                unreadable.append((chapter, student, sha))
                continue
            item["review"] = integrity.suspicions(nbformat.read(path, as_version=4), source_nb)
            work.append((chapter, student, sha))
    return work, unreadable, skipped


def _finish_one(course: Path, log: dict[str, Any], key: Key, outcome: Outcome, timeout: int | None) -> bool:
    """Record what grading found for one submission (problems, hidden-test code removed from its outputs; a 0
    and the graded notebook removed when it could not be graded), then save the log with the submission's
    sha256, so that a run interrupted after this point does not grade it again. Return whether it was graded."""
    chapter, student, sha = key
    failure, seconds = outcome
    item = entry(log, chapter, student)
    item["grade_seconds"] = round(seconds, 1)
    graded = layout.notebook(course, layout.AUTOGRADED, chapter, student)
    ok = failure is None and item.get("readable") is not False
    if failure:
        item["grade"] = [f"{failure}, recorded as 0 - grade it by hand"]
    if ok:
        source_nb, release_nb = integrity.read_pair(course, chapter)
        item["grade"] = grading_problems(nbformat.read(graded, as_version=4), timeout)
        item["review"] += scrub_graded(course, chapter, student, integrity.hidden_lines(source_nb, release_nb))
    else:
        if graded.parent.exists():
            make_writable(graded.parent)
            shutil.rmtree(graded.parent)
        with gradebook(course) as gb:
            record_zero(gb, chapter, student)
    item[GRADED_SHA] = sha
    save_log(course, log)
    return ok


def _record_scores(course: Path, log: dict[str, Any], submitted: dict[str, list[str]]) -> dict[str, list[str]]:
    """Zeros for what could not be graded (no graded notebook); a problem for any submission still without a
    score. Return {chapter: students that could not be graded}."""
    from nbgrader.api import MissingEntry

    failed: dict[str, list[str]] = {}
    with gradebook(course) as gb:
        for chapter, students in submitted.items():
            failed[chapter] = [
                s for s in students if not layout.notebook(course, layout.AUTOGRADED, chapter, s).is_file()
            ]
            for student in failed[chapter]:
                record_zero(gb, chapter, student)
            for student in students:
                try:
                    gb.find_submission(chapter, student)
                except MissingEntry:
                    entry(log, chapter, student)["grade"].append("no score in the gradebook")
    return failed


def _run(
    course: Path,
    log: dict[str, Any],
    work: list[Key],
    jobs: int,
    options: dict[str, Any],
    scheduler: str | None,
    worker_course: Path | None,
    quiet: bool,
) -> float:
    """Grade ``work`` here or on the cluster at ``scheduler``, finishing each submission as it ends, with the
    progress shown; return the seconds it took."""
    started, progress = time.monotonic(), Progress(len(work), quiet=quiet)
    if scheduler:
        from course_tools.classroom.cluster import grade_on_cluster

        results = grade_on_cluster(course, scheduler, work, options, worker_course)
    else:
        results = grade_locally(course, work, jobs, options)
    for key, outcome in results:
        ok = _finish_one(course, log, key, outcome, options["timeout"])
        progress.update(f"{key[1]}/{key[0]}", ok, outcome[1])
    progress.close()
    return time.monotonic() - started


def grade(
    course: Path,
    chapters: list[str] | None = None,
    jobs: int = 1,
    timeout: int | None = None,
    notebook_timeout: int = 1800,
    max_chars: int | None = None,
    quiet: bool = False,
    limits: Limits | None = DEFAULT_LIMITS,
    scheduler: str | None = None,
    worker_course: Path | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Repair, autograde and write feedback for every submission of the chapters; return the log.

    ``limits`` (a ``Limits``) runs each submission's kernel in a sandbox; ``None`` runs it unprotected.
    ``scheduler``: a Dask scheduler's address (or scheduler file) whose workers grade (course_tools.classroom.
    cluster; ``worker_course``: the course folder on the workers); without it ``jobs`` at a time here.
    Submissions graded before and unchanged since (same sha256) are skipped unless ``force``. The log is saved
    after each graded submission, so an interrupted run loses nothing already graded."""
    course = Path(course).resolve()
    if scheduler is None:
        check_sandbox(course, limits)
    log, submitted = _prepare(course, chapters or layout.chapter_ids(course, layout.RELEASE))
    work, unreadable, skipped = _queue(course, log, submitted, force)
    options = {"timeout": timeout, "notebook_timeout": notebook_timeout, "max_chars": max_chars, "limits": limits}
    if not quiet and skipped:
        print(f"skipped {skipped} unchanged submissions (graded before; --force grades them again)")
    for key in unreadable:
        _finish_one(course, log, key, (None, 0.0), timeout)
    try:
        elapsed = _run(course, log, work, jobs, options, scheduler, worker_course, quiet)
    except KeyboardInterrupt:
        raise SystemExit(
            "\ninterrupted: what was graded is saved; run the same command again to grade the rest"
        ) from None
    failed = _record_scores(course, log, submitted)
    write_all(course, log, submitted, failed)
    where = f"on the cluster at {scheduler}" if scheduler else f"with {jobs} job(s)"
    log["last_grade"] = {"submissions": len(work), "skipped": skipped, "seconds": round(elapsed, 1), "jobs": jobs}
    save_log(course, log)
    if not quiet:
        print(f"graded {len(work)} notebooks in {elapsed:.0f} s {where}")
        print_report(course, list(submitted))
    return log
