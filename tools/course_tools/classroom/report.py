"""report: scores from the gradebook and every problem from the log, one row per student and chapter.

Every student on the roster has a row for every chapter (0 and "no submission" when nothing came); a submission
from someone not on the roster is graded and listed as such. A late penalty (``late``) is shown apart from the
score: ``score`` is what the tests gave, ``late_penalty`` what lateness takes off, ``final_score`` the rest.
"""

import contextlib
from pathlib import Path
from typing import Any

from course_tools import layout
from course_tools.classroom.late import policy_of
from course_tools.classroom.log import SEPARATOR, gradebook, load_log

FIELDS = [
    "student",
    "name",
    "lms_user_id",
    "assignment",
    "score",
    "max_score",
    "late_penalty",
    "final_score",
    "submitted_at",
    "late",
    "problems",
    "review",
    "failed_tests",
    "file",
]
NO_SUBMISSION = "no submission"
NOT_ON_ROSTER = "not on the roster (graded all the same)"


def _score(gb: Any, chapter: str, student: str, row: dict[str, Any], submitted: bool) -> list[str]:
    """Fill the score fields of ``row`` from the gradebook; return problems ("no submission", "not graded yet")."""
    from nbgrader.api import MissingEntry

    try:
        submission = gb.find_submission(chapter, student)
    except MissingEntry:
        if submitted:
            return ["not graded yet"]
        with contextlib.suppress(MissingEntry):  # a chapter nobody submitted has no maximum yet
            row["max_score"] = round(gb.find_assignment(chapter).max_score, 2)
        row["score"] = 0
        return [NO_SUBMISSION]
    row["score"], row["max_score"] = round(submission.score, 2), round(submission.max_score, 2)
    row["failed_tests"] = "; ".join(
        f"{g.name} {g.score:g}/{g.max_score:g}"
        for nb in submission.notebooks
        for g in nb.grades
        if g.score < g.max_score
    )
    return []


def _late(log: dict[str, Any], chapter: str, item: dict[str, Any], row: dict[str, Any]) -> None:
    """Fill the late fields of ``row``: days late by the chapter's policy, the LMS's own mark, the penalty."""
    policy, submitted_at = policy_of(log, chapter), item.get("submitted_at", "")
    notes = ["marked late by the LMS"] if item.get("lms_late") else []
    penalty = 0.0
    if policy is not None and row["score"] != "" and submitted_at:
        days = policy.days_late(submitted_at)
        if days:
            notes.insert(0, f"{days} day{'s' * (days > 1)} late")
        penalty = round(policy.penalty(submitted_at, float(row["score"]), float(row["max_score"] or 0)), 2)
    row["late"], row["late_penalty"] = "; ".join(notes), penalty if row["score"] != "" else ""
    row["final_score"] = round(float(row["score"]) - penalty, 2) if row["score"] != "" else ""


def one_row(gb: Any, log: dict[str, Any], chapter: str, student: str) -> dict[str, Any]:
    """The report's row of ``student``'s ``chapter``."""
    item = log["submissions"].get(f"{chapter}/{student}", {})
    person = log.get("roster", {}).get(student, {})
    row: dict[str, Any] = {
        "student": student,
        "assignment": chapter,
        "score": "",
        "max_score": "",
        "failed_tests": "",
        "file": item.get("file", ""),
        "submitted_at": item.get("submitted_at", ""),
        "name": person.get("name") or item.get("name", ""),
        "lms_user_id": person.get("user_id") or item.get("lms_user_id", ""),
        "review": SEPARATOR.join(item.get("review", [])),
    }
    problems = item.get("collect", []) + item.get("repair", []) + item.get("grade", [])
    problems += _score(gb, chapter, student, row, bool(item))
    if log.get("roster") and not person:
        problems.append(NOT_ON_ROSTER)
    _late(log, chapter, item, row)
    row["problems"] = SEPARATOR.join(problems)
    return row


def rows(course: Path, chapters: list[str] | None = None) -> list[dict[str, Any]]:
    """One dict per student and chapter (and per file that could not be placed), with the fields of FIELDS."""
    from nbgrader.api import MissingEntry

    course = Path(course)
    log = load_log(course)
    result = []
    with gradebook(course) as gb:
        names = chapters or sorted(
            {a.name for a in gb.assignments} | {item["chapter"] for item in log["submissions"].values()}
        )
        for chapter in names:
            students = set(layout.students(course, chapter)) | set(log.get("roster", {}))
            with contextlib.suppress(MissingEntry):  # a chapter not yet in the gradebook
                students |= {s.student.id for s in gb.find_assignment(chapter).submissions}
            result += [one_row(gb, log, chapter, student) for student in sorted(students)]
    for problem in (p for _, p in sorted(log["inbox"].items())):
        if not chapters or not problem["chapter"] or problem["chapter"] in chapters:
            result.append(
                {
                    **dict.fromkeys(FIELDS, ""),
                    "student": problem["student"],
                    "assignment": problem["chapter"],
                    "problems": problem["problem"],
                    "file": problem["file"],
                }
            )
    return result


def print_report(course: Path, chapters: list[str] | None = None) -> None:
    """Print every row: score (and late penalty), the file graded, problems, review notes, points lost."""
    for row in rows(course, chapters):
        score = f"{row['score']}/{row['max_score']}" if row["score"] != "" else "-"
        if row["late_penalty"]:
            score += f" -{row['late_penalty']} late = {row['final_score']}"
        print(f"{row['student'] or '?':<16} {row['assignment'] or '?':<20} {score:>9}  file: {row['file']}")
        for problem in filter(None, [*row["problems"].split(SEPARATOR), row["late"]]):
            print(f"{'':<16}   - {problem}")
        for note in filter(None, row["review"].split(SEPARATOR)):
            print(f"{'':<16}   ! {note}")
        if row["failed_tests"]:
            print(f"{'':<16}   lost points: {row['failed_tests']}")
