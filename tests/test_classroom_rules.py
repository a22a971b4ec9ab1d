"""The classroom tool's rules, checked without grading a class: student ids from names in any alphabet, no
grading without a sandbox, which file names name which chapter, and the repair of a stripped notebook."""

import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from classroom_inbox import classroom, strip_nbgrader_metadata, write
from course_tools import layout
from course_tools.classroom import collect, repair
from helpers import chapter_ids, fill_release, make_course, solution_sources

# The rules are checked on the real first chapter (its committed student version), nothing is executed.
CHAPTER, OTHER_CHAPTER = chapter_ids()[:2]


def student_notebook(release):
    """The student version ``release`` of the first chapter with every exercise answered."""
    return fill_release(release, solution_sources(layout.solution_notebook(CHAPTER)))


def test_names_that_differ_only_outside_ascii_stay_different_students(tmp_path):
    course = make_course(tmp_path / "course")
    shutil.copytree(layout.release_notebook(CHAPTER).parent, course / "chapters" / CHAPTER)
    release = course / "chapters" / CHAPTER / f"{CHAPTER}.ipynb"
    inbox = tmp_path / "inbox"
    for name in ("Zoë", "Zoé", "ZOË", "Ada Lovelace", "ada_lovelace", "Zoe\u0308"):  # the last is Zoë in NFD
        write(inbox / name / f"{CHAPTER}.ipynb", student_notebook(release))
    classroom(course, "collect", str(inbox))
    log = json.loads((course / "submitted" / ".classroom.json").read_text())
    students = sorted(item["student"] for item in log["submissions"].values())
    assert students[0] == "ada_lovelace" and re.fullmatch(r"ada_lovelace-[0-9a-f]{6}", students[1]), students
    assert students[2:] == ["zoé", "zoë"], "Zoë, ZOË and its NFD spelling are one student; Zoé another"
    suffixed = log["submissions"][f"{CHAPTER}/{students[1]}"]
    assert "reads as 'ada_lovelace', the id of another student" in suffixed["collect"][0]
    classroom(course, "collect", str(inbox))
    again = json.loads((course / "submitted" / ".classroom.json").read_text())
    assert sorted(item["student"] for item in again["submissions"].values()) == students, "ids are stable"


def test_grading_refuses_without_a_sandbox_unless_asked(tmp_path):
    course = make_course(tmp_path / "course")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "course_tools.classroom",
            "--course",
            str(course),
            "grade",
            "--bwrap",
            "/nonexistent/bwrap",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "install Debian's package bubblewrap" in result.stdout and "--no-sandbox" in result.stdout
    assert not (course / "autograded").exists()


@pytest.mark.parametrize(
    "name,chapter,rest",
    [
        (f"{CHAPTER}.ipynb", CHAPTER, ""),
        (f"Copy of {CHAPTER}.ipynb", CHAPTER, ""),
        (f"{CHAPTER} (3).ipynb", CHAPTER, ""),
        (f"{CHAPTER.title().replace('_', '-')}-Copy1.ipynb", CHAPTER, ""),
        (f"Ada Lovelace - Copy of {CHAPTER.upper()} (1).ipynb", CHAPTER, "ada_lovelace"),
        (f"{CHAPTER}_s1234.ipynb", CHAPTER, "s1234"),
        (f"{CHAPTER}_extra_notes.ipynb", CHAPTER, "extra_notes"),
        ("Untitled0.ipynb", None, None),
        (f"0{CHAPTER}.ipynb", None, None),
    ],
)
def test_file_names_name_their_chapter(name, chapter, rest):
    assert collect.match_chapter_name(name, [CHAPTER, OTHER_CHAPTER]) == (chapter, rest)


def test_copy_numbers_order_duplicates():
    assert [collect.copy_number(n) for n in ("a.ipynb", "a (1).ipynb", "a (12).ipynb", "a-Copy2.ipynb")] == [
        0,
        1,
        12,
        2,
    ]


def test_repair_restores_metadata_among_scratch_cells_and_deleted_cells():
    release = nbformat.read(layout.release_notebook(CHAPTER), as_version=4)
    nb = strip_nbgrader_metadata(student_notebook(layout.release_notebook(CHAPTER)))
    scratch = nbformat.v4.new_code_cell("print('trying things')")
    nb.cells.insert(15, scratch)  # after the softmax answer
    tests = [i for i, c in enumerate(release.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "scale_tests"]
    del nb.cells[tests[0] + 1]  # the scale tests (shifted by one)
    problems = repair.repair_notebook(nb, release)
    order = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert order == [c.metadata["nbgrader"]["grade_id"] for c in release.cells if "nbgrader" in c.metadata]
    assert "nbgrader" not in nb.cells[15].metadata and nb.cells[15].source == scratch.source
    solution = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax_solution")
    assert "YOUR CODE HERE" not in solution.source, "the student's answer, not the blank, must carry the id"
    assert any("test cell scale_tests is missing" in p for p in problems), problems
