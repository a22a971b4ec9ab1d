"""One class end to end, as an instructor with an LMS works: the roster from the LMS, its bulk download, a due
date with a late policy, grading, and the grade sheet the LMS imports, for Canvas and for Moodle, through the
real `classroom` CLI on the toy assignment. The exported files are read back with the column rules of each LMS's
documented gradebook import (Canvas: "How do I import grades in the Gradebook?"; Moodle: MoodleDocs "Grade
import"), written out here rather than taken from the code under test."""

import csv

import pytest

import toy_assignment
from classroom_inbox import CHAPTER, classroom
from lms_archives import (
    CLASS,
    DUE,
    ON_ROSTER_ONLY,
    canvas_gradebook_export,
    canvas_zip,
    moodle_zip,
    plain_roster,
    stranger_in_canvas_zip,
)

pytestmark = pytest.mark.slow
ROSTER = [*CLASS, ON_ROSTER_ONLY]
CANVAS_IMPORT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def run_class(course, roster, archive, policy):
    """The loop after the release (the caller released the assignment to build the LMS's download from it):
    roster, collect, due date, grading, export; returns the grade sheet's rows."""
    classroom(course, "roster", str(roster))
    classroom(course, "collect", str(archive))
    classroom(course, "due", CHAPTER, DUE.isoformat(), "--policy", *policy)
    classroom(course, "grade", CHAPTER, "--no-sandbox", "--jobs", "2", "--timeout", "60")
    classroom(course, "export", "--output", str(course / "grades.csv"))
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def canvas_class(tmp_path_factory):
    course = toy_assignment.write_course(tmp_path_factory.mktemp("canvas"))
    files = tmp_path_factory.mktemp("canvas-files")
    release = course / "chapters" / CHAPTER / f"{CHAPTER}.ipynb"
    classroom(course, "release", CHAPTER)
    archive = stranger_in_canvas_zip(canvas_zip(files / "submissions.zip", release), release)
    sheet = run_class(course, canvas_gradebook_export(files / "gradebook.csv"), archive, ["per-day", "--penalty", "10"])
    classroom(course, "export", "--format", "canvas", "--output", str(course / "canvas.csv"))
    return course, sheet, read_csv(course / "canvas.csv")


@pytest.fixture(scope="module")
def moodle_class(tmp_path_factory):
    course = toy_assignment.write_course(tmp_path_factory.mktemp("moodle"))
    files = tmp_path_factory.mktemp("moodle-files")
    classroom(course, "release", CHAPTER)
    archive = moodle_zip(files / "moodle.zip", course / "chapters" / CHAPTER / f"{CHAPTER}.ipynb")
    sheet = run_class(course, plain_roster(files / "roster.csv"), archive, ["cutoff"])
    classroom(course, "export", "--format", "moodle", "--output", str(course / "moodle.csv"))
    return course, sheet, read_csv(course / "moodle.csv")


def by_user(sheet):
    rows = {}
    for row in sheet:
        if row["assignment"] == CHAPTER:
            assert row["lms_user_id"] not in rows, f"two rows for one person: {row}"
            rows[row["lms_user_id"]] = row
    return rows


def test_canvas_every_roster_student_has_exactly_one_row(canvas_class):
    rows = by_user(canvas_class[1])
    assert {uid for _, _, uid, *_ in ROSTER} <= set(rows)
    nia = rows[ON_ROSTER_ONLY[2]]
    assert float(nia["score"]) == 0 and "no submission" in nia["problems"] and nia["file"] == ""
    stranger = rows["108"]
    assert "not on the roster" in stranger["problems"] and float(stranger["score"]) == float(stranger["max_score"])


def test_canvas_late_penalty_per_day_is_apart_from_the_score(canvas_class):
    rows = by_user(canvas_class[1])
    lee, ada = rows["105"], rows["101"]
    full = float(lee["max_score"])
    assert float(lee["score"]) == full, "the tests give the late work its full score"
    assert "2 days late" in lee["late"] and "marked late by the LMS" in lee["late"]
    assert float(lee["late_penalty"]) == pytest.approx(full * 0.10 * 2)
    assert float(lee["final_score"]) == pytest.approx(full - float(lee["late_penalty"]))
    assert float(ada["late_penalty"]) == 0 and ada["late"] == "" and float(ada["final_score"]) == full
    assert float(rows["106"]["score"]) == full, "Kim's newer resubmission is graded"


def test_canvas_export_follows_canvas_import_rules(canvas_class):
    _, sheet, table = canvas_class
    header, points, students = table[0], table[1], table[2:]
    assert header[:5] == CANVAS_IMPORT_COLUMNS and header[5:] == [CHAPTER], "identity columns, then assignments"
    assert points[0].strip() == "Points Possible" and float(points[5]) > 0
    ids = [row[1] for row in students]
    assert len(ids) == len(set(ids)), "one row per student"
    assert set(ids) == {uid for _, _, uid, *_ in ROSTER} | {"108"}, "every student, matched by Canvas user id"
    finals = {row["lms_user_id"]: row["final_score"] for row in sheet if row["assignment"] == CHAPTER}
    for row in students:
        assert row[1].isdigit(), "Canvas matches rows by its numeric user id"
        assert "," in row[0] or row[1] == "108", "a roster student's name as Canvas writes it: Last, First"
        assert float(row[5]) == float(finals[row[1]]), "the score after the late penalty"
    sis = {row[1]: row[2] for row in students}
    assert sis["102"] == "S002"


def test_moodle_cutoff_gives_late_work_zero_and_the_export_follows_moodle_import_rules(moodle_class):
    _, sheet, table = moodle_class
    rows = by_user(sheet)
    lee = rows["505"]
    assert float(lee["late_penalty"]) == float(lee["score"]) > 0 and float(lee["final_score"]) == 0
    assert rows["503"]["student"] != rows["504"]["student"], "two people named Jo Smith, two rows"
    header, students = table[0], table[1:]
    assert header == ["Email address", CHAPTER], "Moodle maps the e-mail column to useremail"
    emails = [row[0] for row in students]
    assert sorted(emails) == sorted(email for *_, email, _ in ROSTER)
    scores = dict(students)
    assert float(scores["lee@uni.example"]) == 0 and float(scores[ON_ROSTER_ONLY[4]]) == 0
    assert float(scores["ada@uni.example"]) == float(rows["501"]["max_score"])
