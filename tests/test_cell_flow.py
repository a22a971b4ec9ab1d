"""The argument that lets the round trip's one-wrong-answer run stop after the test that catches the wrong answer
(tests/cell_flow.py, tests/chapter_runs.py): it holds for the chapters' cases, and it fails when a later test
cell can see the wrong answer, directly or through the cells in between."""

import json

import nbformat
import pytest

import cell_flow
from course_tools import layout
from course_tools.notebooks import grade_id, solution_sources
from helpers import chapter_ids
from wrong_answers import CASES, stopped_after, wrong_answer


def notebook(*cells):
    """Code cells: a string is lesson code, (grade id, source) an answer ("..._solution") or a test cell."""
    made = []
    for cell in cells:
        if isinstance(cell, str):
            made.append(nbformat.v4.new_code_cell(cell))
            continue
        name, source = cell
        grade = name.endswith("_tests")
        metadata = {"grade_id": name, "solution": not grade, "grade": grade, "locked": grade}
        made.append(nbformat.v4.new_code_cell(source, metadata={"nbgrader": {**metadata, "points": 1}}))
    return nbformat.v4.new_notebook(cells=made)


def reached(*cells):
    return cell_flow.later_tests_reached(notebook(*cells), "f_solution", "def f(x):\n    return 0", "f_tests")


F = ("f_solution", "def f(x):\n    return x + 1")
F_TESTS = ("f_tests", "assert f(1) == 2")


@pytest.mark.parametrize("chapter", chapter_ids()[1:])
def test_no_later_test_cell_can_see_a_stopped_chapters_wrong_answer(chapter):
    solutions = nbformat.read(layout.solution_notebook(chapter), as_version=4)
    assert cell_flow.later_tests_reached(solutions, *wrong_answer(chapter)) == []


def test_a_real_wrong_answer_that_later_exercises_use_is_caught():
    """Chapter 2's best_epoch feeds the exercise after it: a run with it wrong could not stop early."""
    solutions = nbformat.read(layout.solution_notebook("02_deep_networks"), as_version=4)
    wrong = "def best_epoch(history):\n    return 0"
    assert "loss_changes_tests" in cell_flow.later_tests_reached(
        solutions, "best_epoch_solution", wrong, "best_epoch_tests"
    )


def test_a_later_test_that_calls_the_answer_is_reached():
    assert reached(F, F_TESTS, ("g_tests", "assert f(2) == 3")) == ["g_tests"]


def test_the_answer_reaches_a_test_through_lesson_code_and_a_mutated_object():
    assert reached(F, F_TESTS, "y = f(3)", "z = y * 2", ("g_tests", "assert z == 8")) == ["g_tests"]
    assert reached(F, F_TESTS, "log = []", "log.append(f(1))", ("g_tests", "assert log == [2]")) == ["g_tests"]


def test_a_function_defined_earlier_that_calls_the_answer_carries_it():
    assert reached("def twice(x):\n    return 2 * f(x)", F, F_TESTS, ("g_tests", "assert twice(1) == 4")) == ["g_tests"]


def test_a_test_cell_that_stops_early_changes_what_it_binds():
    """The catching test fails half-way in the wrong run: what it binds after the failing line differs."""
    catching = ("f_tests", "assert f(1) == 2\ngrid = [1, 2]")
    assert reached(F, catching, ("g_tests", "assert len(grid) == 2")) == ["g_tests"]


def test_a_name_bound_again_before_it_is_read_is_not_the_answer():
    """Chapter 5's pattern: a loop variable named like the exercise's function."""
    loop = "for f in (True, False):\n    print(f)"
    assert reached(F, F_TESTS, loop, ("g_tests", "assert True")) == []
    maybe_never = "for f in ():\n    pass\nprint(f)"  # the loop may not run: f may still be the answer
    assert reached(F, F_TESTS, maybe_never, ("g_tests", "assert True")) == []
    assert "f" in cell_flow.reads(maybe_never)


def test_code_that_reaches_globals_by_name_is_refused():
    with pytest.raises(ValueError, match="globals"):
        reached(F, F_TESTS, "print(globals()['f'](1))")


def test_ipython_magics_are_read_as_python():
    assert cell_flow.reads("%matplotlib inline\nprint(f(1))") >= {"f"}


def test_a_stopped_submission_answers_up_to_the_catching_test_and_keeps_every_graded_cell():
    chapter = chapter_ids()[-1]
    release = layout.release_notebook(chapter)
    wrong_cell, wrong_source, catching = wrong_answer(chapter)
    answers = {**solution_sources(layout.solution_notebook(chapter)), wrong_cell: wrong_source}
    stopped = stopped_after(release, answers, catching)
    released = nbformat.read(release, as_version=4)
    graded = [grade_id(cell) for cell in released.cells if "nbgrader" in cell.metadata]
    assert [grade_id(cell) for cell in stopped.cells if "nbgrader" in cell.metadata] == graded
    ids = [grade_id(cell) for cell in stopped.cells]
    after = stopped.cells[ids.index(catching) + 1 :]
    assert after and all(cell.cell_type == "markdown" or "nbgrader" in cell.metadata for cell in after)
    original = {grade_id(cell): cell.source for cell in released.cells}
    assert all(cell.source == original[grade_id(cell)] for cell in after if cell.cell_type == "code")
    sources = {grade_id(cell): cell.source for cell in stopped.cells}
    assert sources[wrong_cell] == wrong_source


def test_every_case_names_cells_of_its_chapter():
    for chapter in chapter_ids():
        case = json.loads((CASES / f"{chapter}.json").read_text())
        ids = {grade_id(cell) for cell in nbformat.read(layout.solution_notebook(chapter), as_version=4).cells}
        assert {case["wrong_cell"], case["catching_test"]} <= ids, chapter
