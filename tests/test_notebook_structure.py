"""Static checks of every solution notebook: the rules that keep nbgrader grading fair."""

import ast
import re

import nbformat
import pytest

from course_tools.layout import HIDDEN_TEST_MARKERS, QUICK_ENV, SOLUTION_MARKERS
from helpers import ROOT, chapter_ids, grade_id

HIDDEN_BEGIN, HIDDEN_END = HIDDEN_TEST_MARKERS
TENSORFLOW_NAMES = {"tf", "tensorflow", "keras"}


def _notebook(chapter):
    return nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)


def _nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def _test_cells(nb):
    return [cell for cell in nb.cells if _nbgrader(cell).get("grade") and cell.cell_type == "code"]


@pytest.mark.parametrize("chapter", chapter_ids())
def test_grade_ids_are_unique_and_exercises_are_enough(chapter):
    nb = _notebook(chapter)
    ids = [grade_id(cell) for cell in nb.cells if grade_id(cell)]
    assert len(ids) == len(set(ids)), "nbgrader grade_ids must be unique"
    tests = _test_cells(nb)
    assert len(tests) >= 4, "each chapter has at least four graded exercises"
    assert all(_nbgrader(cell).get("points", 0) > 0 for cell in tests)
    assert all(_nbgrader(cell).get("locked") for cell in tests), "test cells must be locked"


@pytest.mark.parametrize("chapter", chapter_ids())
def test_every_test_cell_has_helpful_visible_tests_and_hidden_tests(chapter):
    for cell in _test_cells(_notebook(chapter)):
        source = cell.source
        assert source.count(HIDDEN_BEGIN) == 1 and source.count(HIDDEN_END) == 1, grade_id(cell)
        visible = source.split(HIDDEN_BEGIN)[0]
        asserts = [node for node in ast.walk(ast.parse(visible)) if isinstance(node, ast.Assert)]
        assert asserts, f"{grade_id(cell)}: no visible test"
        assert all(node.msg is not None for node in asserts), (
            f"{grade_id(cell)}: every visible assert needs a message that says what is wrong"
        )
        hidden = source.split(HIDDEN_BEGIN)[1].split(HIDDEN_END)[0]
        for node in ast.walk(ast.parse(hidden)):
            if isinstance(node, ast.Assert):
                # nbgrader's feedback shows the message, not the hidden code: a bare assert or a tuple of values
                # tells the learner nothing they can act on.
                assert node.msg is not None and not isinstance(node.msg, ast.Tuple), (
                    f"{grade_id(cell)}: hidden assert without a message a learner can act on: {ast.unparse(node)[:80]}"
                )


@pytest.mark.parametrize("chapter", chapter_ids())
def test_multiple_choice_questions_weigh_at_most_one_point(chapter):
    for cell in _test_cells(_notebook(chapter)):
        if "ANSWER_" in cell.source and 'in {"a", "b"' in cell.source:
            assert _nbgrader(cell).get("points", 0) <= 1, (
                f"{grade_id(cell)}: a multiple-choice question is worth 1 point at most"
            )


@pytest.mark.parametrize("chapter", chapter_ids())
def test_test_cells_do_not_touch_tensorflow(chapter):
    """Anything a test cell writes to stderr scores it 0, and TensorFlow logs there."""
    for cell in _test_cells(_notebook(chapter)):
        source = cell.source.replace(HIDDEN_BEGIN, "").replace(HIDDEN_END, "")
        names = {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}
        imports = {
            alias.name.split(".")[0]
            for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
        }
        assert not (names | imports) & TENSORFLOW_NAMES, f"{grade_id(cell)} uses TensorFlow"


@pytest.mark.parametrize("chapter", chapter_ids())
def test_solution_cells_are_marked(chapter):
    for cell in _notebook(chapter).cells:
        if _nbgrader(cell).get("solution"):
            assert all(marker in cell.source for marker in SOLUTION_MARKERS), grade_id(cell)


@pytest.mark.parametrize("chapter", chapter_ids())
def test_solutions_are_committed_without_outputs(chapter):
    nb = _notebook(chapter)
    assert all(
        not cell.get("outputs") and cell.get("execution_count") is None for cell in nb.cells if cell.cell_type == "code"
    ), "clear outputs before committing solutions/"


# Calls that draw a figure in the chapters (matplotlib, course_utils.plots and feature_maps, and the chapters'
# own plotting helpers); the book build and its tests check the figures themselves, this catches a missing
# alt text without building the book.
DRAWING_CALL = re.compile(
    r"plt\.show\(\)|\bplots\.(show|plot)_\w+\(|\bplot_feature_maps\(|\btrain_and_plot\(|"
    r"\bplot_gradient_norms\("
)


@pytest.mark.parametrize("chapter", chapter_ids())
def test_cells_that_draw_figures_carry_alt_texts(chapter):
    missing = []
    for cell in _notebook(chapter).cells:
        if cell.cell_type != "code" or not DRAWING_CALL.search(cell.source):
            continue
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt") or cell.metadata.get("alt_texts")
        if not alt:
            missing.append(cell.get("id"))
    assert not missing, (
        f"cells that draw without an alt text in their metadata (mystnb.image.alt or "
        f"alt_texts, see README, Accessibility): {missing}"
    )


def test_readme_counts_the_graded_exercises_and_points():
    """README.md's "N graded exercises (P points)" is what the notebooks hold: it stays true when an exercise
    is added or reweighted."""
    tests = [cell for chapter in chapter_ids() for cell in _test_cells(_notebook(chapter))]
    points = sum(_nbgrader(cell)["points"] for cell in tests)
    found = re.search(r"with (\d+) graded exercises \((\d+) points\)", (ROOT / "README.md").read_text())
    assert found, "README.md should say how many graded exercises (and points) the chapters hold"
    stated = (int(found.group(1)), int(found.group(2)))
    assert stated == (len(tests), points), (
        f"README.md says {stated[0]} graded exercises ({stated[1]} points); the notebooks hold {len(tests)} "
        f"({points:g} points)"
    )


def quick_mode_in_graded_cells(nb):
    """Grade ids of the cells with nbgrader metadata (answers, tests, facts, the locked cells that train a
    design) whose code asks for quick mode, and the ids of cells that read COURSE_QUICK themselves."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if re.search(rf"(environ|getenv)\b[^\n]*{QUICK_ENV}", cell.source):
            found.append(f"{cell.get('id')} reads {QUICK_ENV} itself instead of course_utils.quick_mode()")
        elif "quick_mode(" in cell.source and _nbgrader(cell):
            found.append(f"{grade_id(cell) or cell.get('id')} is graded or locked and changes with quick mode")
    return found


@pytest.mark.parametrize("chapter", chapter_ids())
def test_quick_mode_shortens_only_the_lessons_training(chapter):
    """Quick mode (COURSE_QUICK=1, the test suite's setting) shortens the lessons' training through one
    mechanism the learner can read, ``course_utils.quick_mode()``; a graded exercise trains as it does for
    a learner, because its threshold was measured with that training."""
    nb = _notebook(chapter)
    assert not quick_mode_in_graded_cells(nb), quick_mode_in_graded_cells(nb)
    if chapter != chapter_ids()[0]:
        return
    lesson = [cell for cell in nb.cells if "quick_mode()" in cell.source]
    assert lesson, "chapter 1's lesson training is shortened in quick mode"


def test_the_quick_mode_rule_catches_a_graded_cell_that_trains_less():
    """The rule above can fail: a locked cell that trains a design for a test, shortened in quick mode."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("EPOCHS = 2 if course_utils.quick_mode() else 10"),
            nbformat.v4.new_code_cell(
                "epochs = 1 if course_utils.quick_mode() else 3\nmodel.fit(x, y, epochs=epochs)",
                metadata={"nbgrader": {"grade_id": "design_trainer", "locked": True}},
            ),
            nbformat.v4.new_code_cell("import os\nQUICK = os.environ.get('COURSE_QUICK')"),
        ]
    )
    found = quick_mode_in_graded_cells(nb)
    assert len(found) == 2 and "design_trainer" in found[0] and "reads COURSE_QUICK" in found[1]
