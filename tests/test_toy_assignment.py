"""The toy assignment (tests/toy_assignment.py) stands for the chapters in the tests of the grading tools; these
tests keep it a fair stand-in, and check nbgrader's validator on it (the validator runs a whole notebook, and
its behaviour does not depend on the chapter: the first chapter's blank release is validated in the round trip).
"""

import nbformat
import pytest
from nbgrader.validator import Validator

import toy_assignment
from classroom_inbox import classroom
from course_tools import layout
from course_tools.book import is_facts_cell
from helpers import chapter_ids, fill_release


def cell_kinds(nb):
    """The kinds of cells of a notebook: (cell type, answer, graded, locked, facts cell before a test)."""
    kinds = set()
    for index, cell in enumerate(nb.cells):
        grading = cell.metadata.get("nbgrader", {})
        kinds.add(
            (
                cell.cell_type,
                bool(grading.get("solution")),
                bool(grading.get("grade")),
                bool(grading.get("locked")),
                is_facts_cell(nb.cells, index),
            )
        )
    return kinds


def test_the_toy_assignment_has_every_kind_of_cell_the_chapters_have():
    """If a chapter gains a kind of cell the toy lacks, the grading tools' tests no longer stand for it."""
    chapters = set().union(
        *(cell_kinds(nbformat.read(layout.solution_notebook(chapter), as_version=4)) for chapter in chapter_ids())
    )
    missing = chapters - cell_kinds(toy_assignment.source_notebook())
    assert not missing, f"kinds of cells the chapters have and tests/toy_assignment.py lacks: {missing}"


def test_the_kinds_check_notices_a_kind_the_toy_lacks():
    nb = toy_assignment.source_notebook()
    nb.cells = [
        cell for cell in nb.cells if not cell.metadata.get("nbgrader", {}).get("grade_id", "").endswith("_facts")
    ]
    assert cell_kinds(toy_assignment.source_notebook()) - cell_kinds(nb) == {("code", False, False, True, True)}


def test_the_toy_assignment_is_chapter_1s_exercises_with_their_points():
    """tests/classroom_inbox.py breaks chapter 1's exercises one by one and counts the points lost."""

    def points(nb):
        return {
            cell.metadata["nbgrader"]["grade_id"]: cell.metadata["nbgrader"]["points"]
            for cell in nb.cells
            if cell.metadata.get("nbgrader", {}).get("grade")
        }

    chapter_1 = points(nbformat.read(layout.solution_notebook(chapter_ids()[0]), as_version=4))
    toy = points(toy_assignment.source_notebook())
    assert toy == {name: chapter_1[name] for name in toy}


@pytest.fixture(scope="module")
def toy_release(tmp_path_factory):
    course = toy_assignment.write_course(tmp_path_factory.mktemp("toy"))
    classroom(course, "release", toy_assignment.ASSIGNMENT)
    return layout.release_notebook(toy_assignment.ASSIGNMENT, course)


@pytest.mark.slow
def test_validator_passes_the_solutions_and_catches_one_wrong_answer(toy_release, tmp_path):
    """nbgrader validate exits 0 even on failure, so ask its Python API (it runs the visible tests only)."""
    answers = toy_assignment.answers()
    perfect, wrong = tmp_path / "perfect.ipynb", tmp_path / "wrong.ipynb"
    nbformat.write(fill_release(toy_release, answers), perfect)
    nbformat.write(
        fill_release(toy_release, {**answers, "accuracy_solution": "def accuracy(labels, p):\n    return 0.0"}), wrong
    )
    assert Validator().validate(str(perfect)) == {}
    failed = Validator().validate(str(wrong))
    assert len(failed.get("failed", [])) == 1, failed


@pytest.mark.slow
def test_validator_finds_no_passing_test_in_the_blank_release(toy_release):
    assert Validator(invert=True).validate(str(toy_release)) == {}
