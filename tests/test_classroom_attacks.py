"""Hidden tests stay hidden even from a student who prints them, and answers that tamper with the tests are
flagged: two attackers of the toy assignment graded with honest students through the real `classroom` CLI.

The watcher registers an IPython ``pre_run_cell`` hook that prints the code of every cell that runs after its
answer (the hidden tests among them) and prints the input history ``_ih``; the patcher replaces
``numpy.allclose``, which the tests call, so that its wrong softmax passes. Neither can be stopped inside one
kernel: the feedback must show no line of the hidden tests, both must be flagged for review, and the honest
students' grades must be what their answers earn."""

import csv
import html

import nbformat
import pytest

import toy_assignment
from classroom_inbox import (
    CHAPTER,
    answers,
    classroom,
    hidden_test_lines,
    student_notebook,
    write,
)

pytestmark = pytest.mark.slow

WATCHER = """def _show_every_cell(info):
    print("WATCHED", info.raw_cell)
get_ipython().events.register("pre_run_cell", _show_every_cell)
"""
HISTORY = 'print("HISTORY", "\\n".join(_ih))\n'
PATCHER = "import numpy\nnumpy.allclose = lambda *args, **kwargs: True\n"
WRONG_SOFTMAX = "def softmax(logits):\n    return logits"


def points(grade_id):
    """The points of a test cell of the toy assignment (from its source, not written here)."""
    return next(
        cell.metadata["nbgrader"]["points"]
        for cell in toy_assignment.source_notebook().cells
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    course = toy_assignment.write_course(tmp_path_factory.mktemp("attacks"))
    classroom(course, "release", CHAPTER)
    release = course / "chapters" / CHAPTER / f"{CHAPTER}.ipynb"
    inbox = tmp_path_factory.mktemp("inbox")
    right = answers()
    write(inbox / "alice" / f"{CHAPTER}.ipynb", student_notebook(release))
    write(inbox / "bob" / f"{CHAPTER}.ipynb", student_notebook(release, softmax_solution=WRONG_SOFTMAX))
    write(
        inbox / "watcher" / f"{CHAPTER}.ipynb",
        student_notebook(
            release,
            softmax_solution=WATCHER + right["softmax_solution"],
            model_solution=HISTORY + right["model_solution"],
        ),
    )
    write(inbox / "patcher" / f"{CHAPTER}.ipynb", student_notebook(release, softmax_solution=PATCHER + WRONG_SOFTMAX))
    classroom(course, "collect", str(inbox))
    classroom(
        course, "grade", CHAPTER, "--timeout", "60", "--notebook-timeout", "300", "--no-sandbox"
    )  # the attacks need no sandbox
    classroom(course, "export", "--output", str(course / "grades.csv"))
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        sheet = {row["student"]: row for row in csv.DictReader(handle)}
    return course, sheet, classroom(course, "report")


def test_the_watcher_really_saw_the_hidden_tests(graded_class):
    """The attack works inside the kernel: the graded notebook's history holds the hidden tests' cells, and
    its outputs say where the grader removed them."""
    course = graded_class[0]
    nb = nbformat.read(course / "autograded" / "watcher" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    outputs = "".join(str(o.get("text", "")) for cell in nb.cells for o in cell.get("outputs", []))
    assert "WATCHED" in outputs and "removed by the grader" in outputs


def test_no_feedback_page_shows_a_line_of_the_hidden_tests(graded_class):
    course = graded_class[0]
    hidden = hidden_test_lines()
    assert hidden, "the assignment has hidden tests"
    for student in ("alice", "bob", "watcher", "patcher"):
        page = html.unescape((course / "feedback" / student / CHAPTER / f"{CHAPTER}.html").read_text(encoding="utf-8"))
        for line in hidden:
            assert line not in page, f"{student}'s feedback shows the hidden test line {line!r}"


def test_both_attackers_are_flagged_for_review(graded_class):
    _, sheet, report = graded_class
    assert "softmax_solution watches the cells that run after it" in sheet["watcher"]["review"]
    assert "printed code of the hidden tests" in sheet["watcher"]["review"]
    assert "model_solution watches the cells" in sheet["watcher"]["review"], "reading _ih is watching too"
    assert "softmax_solution replaces numpy.allclose" in sheet["patcher"]["review"]
    assert "! review by hand: softmax_solution replaces numpy.allclose" in report


def test_honest_students_get_what_their_answers_earn_and_no_flag(graded_class):
    _, sheet, _ = graded_class
    full = float(sheet["alice"]["max_score"])
    assert float(sheet["alice"]["score"]) == full
    assert float(sheet["bob"]["score"]) == full - points("softmax_tests")
    assert sheet["alice"]["review"] == "" and sheet["bob"]["review"] == ""
