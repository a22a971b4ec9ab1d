"""The round trip's wrong answers (tests/roundtrip/<id>.json: the answer cell, what to write there, the test cell
that must catch it), and the submission of a student who stopped after that test (tests/chapter_runs.py grades
it in the sandbox; tests/cell_flow.py shows that no later test cell could have scored differently)."""

import json

import nbformat

from course_tools import layout
from course_tools.notebooks import grade_id

CASES = layout.ROOT / "tests" / "roundtrip"


def wrong_answer(chapter):
    """(solution cell to get wrong, what to write there, the test cell that must catch it) of ``chapter``."""
    path = CASES / f"{chapter}.json"
    assert path.is_file(), f"add {path.relative_to(layout.ROOT)}: the wrong answer that the round trip submits"
    case = json.loads(path.read_text())
    return case["wrong_cell"], case["wrong_source"], case["catching_test"]


def stopped_after(release, answers, last_test):
    """The student version with ``answers`` (grade id -> source) typed in up to the test cell ``last_test``,
    the later exercises left as released and the later lesson code (cells nbgrader does not track) deleted."""
    nb = nbformat.read(release, as_version=4)
    ids = [grade_id(cell) for cell in nb.cells]
    stop = ids.index(last_test)
    for cell in nb.cells[:stop]:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    nb.cells = nb.cells[: stop + 1] + [
        cell for cell in nb.cells[stop + 1 :] if cell.cell_type != "code" or "nbgrader" in cell.metadata
    ]
    return nb
