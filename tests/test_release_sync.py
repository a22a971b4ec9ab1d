"""chapters/ is generated from solutions/ by nbgrader: regenerate it and compare byte for byte."""

import nbformat
import pytest

from course_tools import layout
from helpers import ROOT, chapter_ids, grade_id, make_course, nbgrader


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("release"))
    for chapter in chapter_ids():
        result = nbgrader("generate_assignment", chapter, "--force", "--no-db", cwd=course)
        assert result.returncode == 0, result.stdout
    return course / "chapters"


def test_every_chapter_has_a_release():
    assert sorted(p.name for p in (ROOT / "chapters").iterdir() if p.is_dir()) == chapter_ids()


@pytest.mark.parametrize("chapter", chapter_ids())
def test_committed_release_matches_nbgrader_output(regenerated, chapter):
    fresh = sorted(p.relative_to(regenerated) for p in (regenerated / chapter).rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(ROOT / "chapters") for p in (ROOT / "chapters" / chapter).rglob("*") if p.is_file()
    )
    assert committed == fresh, "chapters/ holds other files than nbgrader generates: run `make release`"
    for path in fresh:
        assert (ROOT / "chapters" / path).read_bytes() == (regenerated / path).read_bytes(), (
            f"chapters/{path} differs from what nbgrader generates from solutions/: run `make release` and commit"
        )


@pytest.mark.parametrize("chapter", chapter_ids())
def test_release_has_no_solutions_and_no_hidden_tests(chapter):
    text = (layout.release_notebook(chapter)).read_text()
    for marker in (*layout.HIDDEN_TEST_MARKERS, *layout.SOLUTION_MARKERS):
        assert marker not in text
    nb = nbformat.read(layout.release_notebook(chapter), as_version=4)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert answers and all("raise NotImplementedError()" in c.source for c in answers)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "the release has no outputs"
    assert grade_id(nb.cells[1]) == "colab_badge"
