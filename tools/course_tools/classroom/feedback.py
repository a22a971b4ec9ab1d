"""feedback: nbgrader's feedback pages, with nothing of the hidden tests in them.

Before ``nbgrader generate_feedback`` the graded notebooks lose every output that shows a line of the hidden
tests (``integrity.scrub_outputs``); afterwards each page is read once more, and a page that still shows one is
replaced by a page with the score alone. Either is flagged for review in the log.
"""

import html
from pathlib import Path
from typing import Any

import nbformat

from course_tools import layout
from course_tools.classroom import integrity
from course_tools.classroom.log import db_url, entry


def write_plain(course: Path, chapter: str, student: str, title: str, score: str, items: list[str]) -> None:
    """A feedback page of its own: a title, the score and a list of ``items`` (no cell of the notebook)."""
    path = layout.notebook(course, layout.FEEDBACK, chapter, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    listed = "".join(f"<li>{html.escape(p)}</li>" for p in items)
    path.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(chapter)}</title></head>"
        f"<body><h1>{html.escape(chapter)}: {html.escape(title)}</h1><p>Score: {html.escape(score)}</p>"
        f"<ul>{listed}</ul><p>Your instructor will look at your submission.</p></body></html>",
        encoding="utf-8",
    )


def scrub_graded(course: Path, chapter: str, student: str, hidden: list[str]) -> list[str]:
    """Remove outputs showing hidden-test code from a graded notebook (rewritten only if changed); return
    the review notes for the cells whose printed output showed some."""
    path = layout.notebook(course, layout.AUTOGRADED, chapter, student)
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    printed = integrity.scrub_outputs(nb, hidden)
    if nbformat.writes(nb) != before:
        path.chmod(0o644)
        nbformat.write(nb, path)
    return [
        f"review by hand: {label} printed code of the hidden tests (removed from the feedback); the "
        "submission watches the tests, its score may be wrong"
        for label in printed
    ]


def _score_text(course: Path, chapter: str, student: str) -> str:
    from course_tools.classroom.log import gradebook

    with gradebook(course) as gb:
        submission = gb.find_submission(chapter, student)
        return f"{submission.score:g} of {submission.max_score:g}"


def check_pages(course: Path, log: dict[str, Any], chapter: str, students: list[str], hidden: list[str]) -> None:
    """Replace every feedback page of ``chapter`` that shows a hidden-test line by a page with the score alone."""
    for student in students:
        path = layout.notebook(course, layout.FEEDBACK, chapter, student)
        if not path.is_file() or not integrity.leaked_lines(path.read_text(encoding="utf-8"), hidden):
            continue
        write_plain(
            course,
            chapter,
            student,
            "graded",
            _score_text(course, chapter, student),
            ["The details of this feedback are withheld: they showed code of the hidden tests."],
        )
        entry(log, chapter, student).setdefault("review", []).append(
            "review by hand: the feedback page showed code of the hidden tests, so only the score was given"
        )


def write_all(course: Path, log: dict[str, Any], submitted: dict[str, list[str]], failed: dict[str, list[str]]) -> None:
    """Feedback for every submission: nbgrader's page, or a plain one for what could not be graded; then no
    page may show the hidden tests (``check_pages``)."""
    for chapter, students in submitted.items():
        if students:
            result = layout.nbgrader(["generate_feedback", chapter, "--force", f"--db={db_url(course)}"], course)
            if result.returncode != 0:
                print(f"nbgrader generate_feedback {chapter} reported a problem:\n{result.stdout[-2000:]}")
        for student in failed[chapter]:
            item = entry(log, chapter, student)
            write_plain(
                course,
                chapter,
                student,
                "could not be graded automatically",
                "0",
                item.get("repair", []) + item["grade"],
            )
        source_nb, release_nb = integrity.read_pair(course, chapter)
        check_pages(course, log, chapter, students, integrity.hidden_lines(source_nb, release_nb))
        for student in students:
            if not layout.notebook(course, layout.FEEDBACK, chapter, student).is_file():
                entry(log, chapter, student)["grade"].append("nbgrader could not write the feedback page")
