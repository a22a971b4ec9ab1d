"""The instructor's loop through nbgrader's real CLI and gradebook, for every chapter (tests/chapter_runs.py
runs each chapter once per environment; these tests read the results).

* The solutions ("perfect"), graded in a kernel with the package versions of Colab's CPU runtime, where
  learners run the chapters: full marks, and no cell raising (nbval's criterion, checked on this run instead
  of a separate nbval run).
* One wrong answer ("one_wrong", tests/roundtrip/<chapter>.json) and the untouched student version
  ("blank"), graded by the classroom command in the development environment, each kernel in the grading
  sandbox: the wrong answer costs exactly its points, the blank scores 0. The first chapter's one_wrong
  arrives whole as a Colab copy without nbgrader's metadata, so the repair is tested on a real chapter; the
  others stop after the test that catches the wrong answer, where no later cell can differ (tests/cell_flow.py).
* Feedback for every student, without hidden tests; nbgrader's validator on the first chapter's blank release.
"""

import nbformat
import pytest
from nbgrader.validator import Validator
from traitlets.config import Config

import cell_flow
from chapter_runs import CELL_TIMEOUT, COLAB_CPU, SANDBOX
from course_tools import colab, layout
from course_tools.notebooks import grade_id
from helpers import cell_errors, chapter_ids
from wrong_answers import wrong_answer

pytestmark = pytest.mark.slow
CHAPTER_RUNS = (COLAB_CPU, SANDBOX)  # the runs these tests read (tests/chapter_runs.py)

# Later chapters first: the order in which tests/chapter_runs.py starts them.
CHAPTERS = list(reversed(chapter_ids()))


@pytest.fixture(params=CHAPTERS)
def chapter(request):
    return request.param


def test_solutions_score_full_marks_in_colab_cpu(chapter_runs, chapter):
    run = chapter_runs.get(COLAB_CPU, chapter)
    score, max_score, grades = run.scores("perfect")
    assert max_score >= 4
    assert score == max_score, {name: g for name, g in grades.items() if g[0] != g[1]}


def test_solutions_run_without_error_in_colab_cpu_kernels(chapter_runs, chapter):
    """Every cell of the solutions ran without raising (nbval --nbval-lax's criterion), in kernels of the Colab
    CPU environment only."""
    run = chapter_runs.get(COLAB_CPU, chapter)
    venv = str(colab.RUNTIMES["cpu"].venv)
    assert run.kernels and set(run.kernels) == {venv}, f"kernels started in {run.kernels}, expected {venv}"
    problems = cell_errors(run.notebook("perfect"))
    assert not problems, f"{run.describe()}\n" + "\n\n".join(problems)


def test_untouched_student_version_scores_zero(chapter_runs, chapter):
    run = chapter_runs.get(SANDBOX, chapter)
    score, max_score, grades = run.scores("blank")
    assert max_score > 0 and score == 0, grades
    assert run.notebook("blank").is_file()


def test_one_wrong_answer_loses_exactly_its_points(chapter_runs, chapter):
    """Whole, the one_wrong submission scores the solutions' score less the catching test's points. Stopped after
    that test (tests/chapter_runs.py), it scores what the solutions score on every test before it, nothing on
    the unanswered rest, and no later test cell can score differently because of the wrong answer
    (tests/cell_flow.py), so the whole submission would lose exactly those points too."""
    wrong_cell, wrong_source, wrong_test = wrong_answer(chapter)
    perfect_score, max_score, perfect = chapter_runs.get(COLAB_CPU, chapter).scores("perfect")
    run = chapter_runs.get(SANDBOX, chapter)
    score, wrong_max, grades = run.scores("one_wrong")
    assert wrong_max == max_score
    assert grades[wrong_test][0] == 0, f"{wrong_test} did not catch the wrong answer"
    differing = {name: (g, perfect[name]) for name, g in grades.items() if g != perfect[name]}
    if run.stopped_after is None:
        assert score == perfect_score - grades[wrong_test][1], differing
        return
    solutions = nbformat.read(layout.solution_notebook(chapter), as_version=4)
    tests = [grade_id(cell) for cell in solutions.cells if cell.metadata.get("nbgrader", {}).get("grade")]
    before = tests[: tests.index(wrong_test)]
    assert {name: grades[name] for name in before} == {name: perfect[name] for name in before}, differing
    assert score == sum(perfect[name][0] for name in before), "the unanswered exercises after the stop score 0"
    reached = cell_flow.later_tests_reached(solutions, wrong_cell, wrong_source, wrong_test)
    assert not reached, f"the wrong answer reaches later test cells {reached}: the run must not stop early"


def test_feedback_is_written_for_every_student(chapter_runs, chapter):
    for environment, students in ((COLAB_CPU, ("perfect",)), (SANDBOX, ("one_wrong", "blank"))):
        run = chapter_runs.get(environment, chapter)
        for student in students:
            score, max_score, _ = run.scores(student)
            html = run.feedback(student).read_text(encoding="utf-8")
            assert f"Score: {score:.1f} / {max_score:.1f}" in html, f"{student}'s feedback must show the total"
    # the solutions pass every test, so no traceback quotes a hidden test (a failing one does today: issue 26)
    perfect = chapter_runs.get(COLAB_CPU, chapter).feedback("perfect").read_text(encoding="utf-8")
    assert layout.HIDDEN_TEST_MARKERS[0] not in perfect


def test_the_first_chapters_colab_copy_is_repaired_before_grading(chapter_runs):
    chapter = chapter_ids()[0]
    run = chapter_runs.get(SANDBOX, chapter)
    assert "nbgrader metadata was missing" in run.output, run.output[-3000:]


def test_blank_release_passes_no_test_in_the_validator(tmp_path):
    """nbgrader validate exits 0 even on failure, so ask its Python API; its behaviour on complete and
    one-wrong submissions is tested on the toy assignment (tests/test_toy_assignment.py)."""
    chapter = chapter_ids()[0]
    config = Config()
    config.Execute.timeout = CELL_TIMEOUT
    config.Execute.raise_on_iopub_timeout = False  # nbgrader's True fails a cell whose output is 4 s late
    blank = layout.release_notebook(chapter)
    assert Validator(config=config, invert=True).validate(str(blank)) == {}, "the blank release must pass no test"
