"""Hidden tests stay hidden even from a student who prints them, and answers that tamper with the tests are
flagged: two attackers of the toy assignment, graded with the rest of the class through the real `classroom`
CLI (the session fixture ``classroom_run`` of tests/classroom_inbox.py).

The watcher registers an IPython ``pre_run_cell`` hook that prints the code of every cell that runs after its
answer (the hidden tests among them) and prints the input history ``_ih``; the patcher replaces
``numpy.allclose``, which the tests call, so that its wrong softmax passes. Neither can be stopped inside one
kernel: the feedback must show no line of the hidden tests, both must be flagged for review, and the honest
students' grades must be what their answers earn."""

import html

import nbformat
import pytest

from classroom_inbox import ATTACKERS, CHAPTER, hidden_test_lines

pytestmark = pytest.mark.slow


def sheet(classroom_run):
    """{student: their row of the grade sheet} (one chapter)."""
    return {row["student"]: row for row in classroom_run["sheet"] if row["assignment"] == CHAPTER}


def test_the_watcher_really_saw_the_hidden_tests(classroom_run):
    """The attack works inside the kernel: the graded notebook's history holds the hidden tests' cells, and
    its outputs say where the grader removed them."""
    course = classroom_run["course"]
    nb = nbformat.read(course / "autograded" / "watcher" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    outputs = "".join(str(o.get("text", "")) for cell in nb.cells for o in cell.get("outputs", []))
    assert "WATCHED" in outputs and "removed by the grader" in outputs


def test_no_feedback_page_shows_a_line_of_the_hidden_tests(classroom_run):
    course = classroom_run["course"]
    hidden = hidden_test_lines()
    assert hidden, "the assignment has hidden tests"
    for student in ("zoë", "bob", "watcher", "patcher"):
        page = html.unescape((course / "feedback" / student / CHAPTER / f"{CHAPTER}.html").read_text(encoding="utf-8"))
        for line in hidden:
            assert line not in page, f"{student}'s feedback shows the hidden test line {line!r}"


def test_both_attackers_are_flagged_for_review(classroom_run):
    rows = sheet(classroom_run)
    assert "softmax_solution watches the cells that run after it" in rows["watcher"]["review"]
    assert "printed code of the hidden tests" in rows["watcher"]["review"]
    assert "model_solution watches the cells" in rows["watcher"]["review"], "reading _ih is watching too"
    assert "softmax_solution replaces numpy.allclose" in rows["patcher"]["review"]
    assert "! review by hand: softmax_solution replaces numpy.allclose" in classroom_run["report"]


def test_honest_students_get_what_their_answers_earn_and_no_flag(classroom_run):
    rows = sheet(classroom_run)
    assert float(rows["zoë"]["score"]) == float(rows["zoë"]["max_score"])
    honest = [student for student in classroom_run["expected"] if student not in ATTACKERS]
    assert honest and all(rows[student]["review"] == "" for student in honest), {s: rows[s]["review"] for s in honest}
    # the scores their answers earn, broken files and defects included: tests/test_classroom.py
