"""The instructor's classroom tool (course_tools.classroom) end to end, through its CLI and nbgrader's real CLI.

One inbox of files as students send them (Colab downloads, copies, duplicates, broken files, attacks) is collected,
repaired and graded in one run of the classroom command (the session fixture ``classroom_run`` of
tests/classroom_inbox.py, which tests/test_classroom_attacks.py reads too) on the toy assignment
(tests/toy_assignment.py: chapter 1's exercises in NumPy, so that a class grades in seconds); each bad input then
gets its own test of the outcome: the score in the gradebook, the problem in the grade sheet, and the other
students still graded. Several defects that touch different exercises share one notebook to keep the run short. The
real chapters go through the same collect, repair and grade in the round trip (tests/chapter_runs.py).
"""

import json

import nbformat
import pytest

from classroom_inbox import (
    CELL_TIMEOUT,
    CHAPTER,
    MEGABYTES_OF_OUTPUT,
    MEMORY_LIMIT,
    hidden_test_lines,
    snapshot,
)
from course_tools.classroom.log import gradebook
from helpers import scores

pytestmark = pytest.mark.slow


def graded(run, student):
    """(score, max score, {test cell: score}) of a student's chapter 1 in the gradebook."""
    score, max_score, cells = scores(run["course"], CHAPTER, student)
    return score, max_score, {name: cell_score for name, (cell_score, _) in cells.items()}


def row(run, student):
    rows = [r for r in run["sheet"] if r["student"] == student and r["assignment"] == CHAPTER]
    assert len(rows) == 1, (student, run["sheet"])
    return rows[0]


def test_every_student_gets_exactly_one_score_and_feedback(classroom_run):
    course = classroom_run["course"]
    for student, lost in classroom_run["expected"].items():
        score, max_score, _ = graded(classroom_run, student)
        if lost is not None:
            assert score == (0 if lost == "all" else max_score - lost), (student, row(classroom_run, student))
        assert (course / "feedback" / student / CHAPTER / f"{CHAPTER}.html").is_file(), student
        sheet_row = row(classroom_run, student)
        assert float(sheet_row["score"]) == score and float(sheet_row["max_score"]) == max_score
    with gradebook(course) as gb:
        students = sorted(s.student.id for s in gb.find_assignment(CHAPTER).submissions)
    assert students == sorted(classroom_run["expected"]), "exactly one submission per student"


def test_originals_are_never_modified_or_deleted(classroom_run):
    assert snapshot(classroom_run["inbox"]) == classroom_run["before"]


def test_colab_copy_with_all_metadata_stripped_is_repaired_and_scores_full_marks(classroom_run):
    assert (classroom_run["course"] / "submitted" / "cleo" / CHAPTER / f"{CHAPTER}.ipynb").is_file()
    assert "nbgrader metadata was missing" in row(classroom_run, "cleo")["problems"]
    assert row(classroom_run, "cleo")["file"] == f"cleo/Copy of {CHAPTER}.ipynb"


def test_old_notebook_format_is_upgraded(classroom_run):
    assert "old notebook format (nbformat 3)" in row(classroom_run, "cleo")["problems"]


def test_duplicates_from_one_student_newest_counts_and_others_are_listed(classroom_run):
    bob = row(classroom_run, "bob")
    assert bob["file"] == f"bob_{CHAPTER} (1).ipynb"
    assert "2 files received" in bob["problems"] and f"bob_{CHAPTER.title()}.ipynb" in bob["problems"]


def test_syntax_error_loses_only_that_exercise(classroom_run):
    _, _, cells = graded(classroom_run, "eve")
    assert cells["softmax_tests"] == 0 and cells["model_tests"] == 2
    assert "softmax_solution has a syntax error" in row(classroom_run, "eve")["problems"]


def test_sys_exit_stops_only_its_cell(classroom_run):
    _, _, cells = graded(classroom_run, "eve")
    assert cells["output_choice_tests"] == 0 and cells["scale_tests"] == 1
    assert "output_choice_solution called sys.exit()" in row(classroom_run, "eve")["problems"]


def test_megabytes_of_output_are_cut(classroom_run):
    _, _, cells = graded(classroom_run, "eve")
    assert cells["param_count_tests"] == 1, "printing a lot is not wrong"
    assert "param_count_solution printed too much output" in row(classroom_run, "eve")["problems"]
    graded_nb = classroom_run["course"] / "autograded" / "eve" / CHAPTER / f"{CHAPTER}.ipynb"
    assert graded_nb.stat().st_size < MEGABYTES_OF_OUTPUT / 4


def test_infinite_loop_is_stopped_by_the_cell_timeout(classroom_run):
    _, _, cells = graded(classroom_run, "eve")
    assert cells["accuracy_tests"] == 0 and cells["pipeline_tests"] == 2
    assert f"ran longer than {CELL_TIMEOUT} s" in row(classroom_run, "eve")["problems"]


def test_code_that_kills_its_kernel_loses_that_cell_only(classroom_run):
    _, _, cells = graded(classroom_run, "jay")
    assert cells["param_count_tests"] == 0 and cells["model_tests"] == 2
    assert "param_count_solution stopped the Python kernel" in row(classroom_run, "jay")["problems"]


def test_deleted_answer_cell_is_put_back_blank(classroom_run):
    _, _, cells = graded(classroom_run, "jay")
    assert cells["accuracy_tests"] == 0
    assert "answer cell accuracy_solution is missing" in row(classroom_run, "jay")["problems"]


def test_deleted_test_cell_is_put_back_and_still_grades(classroom_run):
    _, _, cells = graded(classroom_run, "jay")
    assert cells["softmax_tests"] == 0, "the wrong softmax must be caught by the restored test"
    assert "test cell softmax_tests is missing" in row(classroom_run, "jay")["problems"]


def test_test_cell_rewritten_to_pass_is_restored(classroom_run):
    _, _, cells = graded(classroom_run, "jay")
    assert cells["output_choice_tests"] == 0, "the wrong answer must be caught by the original test"
    assert "test cell output_choice_tests was edited" in row(classroom_run, "jay")["problems"]


@pytest.mark.parametrize("student,words", [("may", "not valid JSON"), ("ned", "the file is empty")])
def test_unreadable_files_score_zero_with_a_reason(classroom_run, student, words):
    problems = row(classroom_run, student)["problems"]
    assert words in problems and "recorded as 0" in problems


def test_non_notebook_and_unknown_assignment_are_reported(classroom_run):
    by_file = {r["file"]: r for r in classroom_run["sheet"]}
    assert "not a notebook" in by_file["ada/notes.pdf"]["problems"]
    assert "unknown assignment" in by_file["ada/99_quantum_computing.ipynb"]["problems"]
    assert by_file["ada/notes.pdf"]["student"] == "ada" and by_file["ada/notes.pdf"]["score"] == ""


def test_log_and_report_are_readable(classroom_run):
    course = classroom_run["course"]
    log = json.loads((course / "submitted" / ".classroom.json").read_text())
    assert log["submissions"][f"{CHAPTER}/jay"]["grade"]
    report = classroom_run["report"]
    assert "jay" in report and "stopped the Python kernel" in report


def _outputs(notebook_path):
    nb = nbformat.read(notebook_path, as_version=4)
    return "\n".join(
        str(o.get("text", "")) + str(o.get("data", "")) + str(o.get("evalue", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.outputs
    )


def test_attacker_gets_what_its_answers_earn_and_reaches_nothing(classroom_run):
    course = classroom_run["course"]
    outputs = _outputs(course / "autograded" / "mallory" / CHAPTER / f"{CHAPTER}.ipynb")
    assert "ATTACK done" in outputs and "ATTACK refused" in outputs, "the attack code ran"
    assert "ATTACK read" not in outputs and "ATTACK overwrote" not in outputs and "ATTACK connected" not in outputs
    feedback = (course / "feedback" / "mallory" / CHAPTER / f"{CHAPTER}.html").read_text(encoding="utf-8")
    hidden = hidden_test_lines()
    assert hidden, "the assignment has hidden tests"
    for line in hidden:
        assert line not in outputs and line not in feedback, f"hidden test leaked: {line}"
    assert "SQLite format" not in outputs
    assert not classroom_run["connected"], "the sandbox has no network"
    assert not classroom_run["leftover"], "a process the student started outlived grading"


def test_other_students_work_is_untouched_by_the_attacker(classroom_run):
    course = classroom_run["course"]
    for student in ("bob", "zoë", "cleo"):
        for folder in ("submitted", "autograded"):
            nb = nbformat.read(course / folder / student / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
            assert len(nb.cells) > 10, (folder, student)


def test_memory_and_disk_limits_stop_only_their_cell(classroom_run):
    _, _, cells = graded(classroom_run, "oscar")
    assert cells["param_count_tests"] == 0 and cells["output_choice_tests"] == 0 and cells["model_tests"] == 2
    problems = row(classroom_run, "oscar")["problems"]
    assert f"param_count_solution was stopped because it used more than {MEMORY_LIMIT[:-1]}.0 GiB of memory" in problems
    assert "output_choice_solution was stopped because it wrote more than 100 MiB of files" in problems
    written = sum(p.stat().st_size for p in (classroom_run["course"] / "autograded" / "oscar").rglob("*"))
    assert written < 1024**3
