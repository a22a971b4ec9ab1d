"""The instructor's loop through nbgrader's real CLI and sqlite gradebook, for every chapter.

Submissions: the solutions typed into the student notebook (full marks), the untouched student notebook
(zero, and the grader survives it), and a submission with exactly one wrong answer (loses exactly that
exercise's points), described per chapter in tests/roundtrip/<chapter>.json. Then feedback is generated,
and nbgrader's own validator is asked the same questions.

Each chapter runs twice at full length, in two environments:

* the solutions ("perfect") in a kernel with the package versions of Colab's CPU runtime (the
  ``colab-cpu`` kernel of course_tools.colab), where learners run the chapters: full marks there, and
  no cell raising, is the check that each chapter works in Colab (nbval's criterion, on this run instead of
  a separate nbval run);
* the one-wrong-answer and blank submissions in the development environment, each kernel in the sandbox
  of ``classroom grade`` (course_tools.sandbox), as an instructor grades: the wrong answer costs exactly
  its points, so every other answer scores there too.
"""

import json
import os

import pytest
from nbgrader.api import Gradebook
from nbgrader.validator import Validator
from traitlets.config import Config

from course_tools import colab
from helpers import ROOT, autograde_in_colab, cell_errors, chapter_ids, nbgrader, released_course

CPU = colab.RUNTIMES["cpu"]

CASES = ROOT / "tests" / "roundtrip"


def wrong_answer(chapter):
    """(solution cell to get wrong, what to write there, the test cell that must catch it)."""
    path = CASES / f"{chapter}.json"
    assert path.is_file(), f"add {path.relative_to(ROOT)}: the wrong answer that the round trip submits"
    case = json.loads(path.read_text())
    return case["wrong_cell"], case["wrong_source"], case["catching_test"]


@pytest.fixture(scope="module", params=chapter_ids())
def graded(request, tmp_path_factory, cpu_env, colab_kernels):
    chapter = request.param
    course = released_course(tmp_path_factory.mktemp(f"course-{chapter}"), chapter, wrong_answer(chapter)[:2])
    # the solutions in Colab's CPU package versions
    autograde_in_colab(CPU, chapter, course, colab_kernels, cpu_env, request, "--student=perfect")

    # the others with each kernel in the sandbox of course_tools.sandbox, as `classroom grade` runs it:
    # every chapter must run there (data and Python read-only, a private home, no network)
    sandbox = ["--Execute.kernel_manager_class=course_tools.sandbox.SandboxedKernelManager",
               f"--SandboxedKernelManager.hidden={course}"]
    if os.environ.get("COURSE_DATA_DIR"):
        sandbox.append(f"--SandboxedKernelManager.read_only={os.environ['COURSE_DATA_DIR']}")
    autograde = nbgrader("autograde", chapter, "--CourseDirectory.student_id_exclude=perfect", *sandbox,
                         cwd=course)
    assert autograde.returncode == 0, autograde.stdout[-5000:]
    for student in ("blank", "one_wrong"):
        assert (course / "autograded" / student / chapter / f"{chapter}.ipynb").is_file(), autograde.stdout[-3000:]
    feedback = nbgrader("generate_feedback", chapter, cwd=course)
    assert feedback.returncode == 0, feedback.stdout[-5000:]
    return chapter, course


def _submission(course, chapter, student):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(chapter, student)
        grades = {grade.name: (grade.score, grade.max_score) for notebook in submission.notebooks
                  for grade in notebook.grades if grade.cell_type == "code"}
        return submission.score, submission.max_score, grades


def test_solutions_score_full_marks(graded):
    chapter, course = graded
    score, max_score, grades = _submission(course, chapter, "perfect")
    assert max_score >= 4
    assert score == max_score, {name: g for name, g in grades.items() if g[0] != g[1]}


def test_solutions_run_without_error_on_colab_cpu(graded, cpu_env):
    """Every cell of the solutions ran without raising in the colab-cpu kernel (nbval --nbval-lax's criterion)."""
    chapter, course = graded
    problems = cell_errors(course / "autograded" / "perfect" / chapter / f"{chapter}.ipynb")
    assert not problems, f"{cpu_env}\n" + "\n\n".join(problems)


def test_untouched_student_version_scores_zero(graded):
    chapter, course = graded
    score, max_score, grades = _submission(course, chapter, "blank")
    assert max_score > 0 and score == 0, grades
    assert (course / "autograded" / "blank" / chapter / f"{chapter}.ipynb").is_file()


def test_one_wrong_answer_loses_exactly_its_points(graded):
    chapter, course = graded
    _, _, wrong_test = wrong_answer(chapter)
    perfect_score, max_score, _ = _submission(course, chapter, "perfect")
    score, _, grades = _submission(course, chapter, "one_wrong")
    lost = grades[wrong_test][1]
    assert grades[wrong_test][0] == 0
    assert score == perfect_score - lost, {name: g for name, g in grades.items() if g[0] != g[1]}


def test_feedback_is_written_for_every_student(graded):
    chapter, course = graded
    for student in ("perfect", "blank", "one_wrong"):
        score, max_score, _ = _submission(course, chapter, student)
        html = (course / "feedback" / student / chapter / f"{chapter}.html").read_text()
        assert f"Score: {score:.1f} / {max_score:.1f}" in html, f"{student}'s feedback must show the total"
    perfect = (course / "feedback" / "perfect" / chapter / f"{chapter}.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in perfect


def validator(**options):
    """nbgrader's Validator in this process (it does not read nbgrader_config.py), with the timeouts that
    nbgrader_config.py sets for grading: on a loaded machine importing TensorFlow alone can pass nbgrader's
    defaults (30 s per cell, 4 s for late output)."""
    config = Config()
    config.Execute.timeout = 600
    config.Execute.raise_on_iopub_timeout = False  # nbgrader's True fails a cell whose output is 4 s late
    return Validator(config=config, **options)


def test_blank_release_passes_no_test_in_the_validator(graded):
    """nbgrader validate exits 0 even on failure, so ask its Python API (cheap: a blank notebook stops early)."""
    chapter, course = graded
    blank = course / "chapters" / chapter / f"{chapter}.ipynb"
    assert validator(invert=True).validate(str(blank)) == {}, "the blank release must pass no test"


def test_validator_passes_solutions_and_catches_one_wrong_answer(graded):
    """The validator runs the whole notebook, so this check runs for the first chapter only."""
    chapter, course = graded
    if chapter != chapter_ids()[0]:
        pytest.skip("the validator's behaviour does not depend on the chapter; checked on the first one")
    perfect = course / "submitted" / "perfect" / chapter / f"{chapter}.ipynb"
    wrong = course / "submitted" / "one_wrong" / chapter / f"{chapter}.ipynb"
    assert validator().validate(str(perfect)) == {}
    failed = validator().validate(str(wrong))
    assert len(failed.get("failed", [])) == 1
