"""Intake as the LMS delivers it: `classroom collect` on Canvas's, Moodle's and Google Classroom's bulk downloads
(the zip, or its unpacked folder) of the toy assignment, built by tests/lms_archives.py from each LMS's documented
naming: who sent each file (the LMS's user id, two people of one name kept apart, names in any alphabet), the
LMS's late mark, the submission time from the zip entry, and the newest of a resubmission graded."""

import calendar
import json
import os
import shutil
import zipfile
from datetime import UTC
from pathlib import PurePosixPath

import pytest

import toy_assignment
from classroom_inbox import CHAPTER, classroom
from course_tools.classroom import lms
from lms_archives import EARLY, canvas_zip, google_zip, moodle_zip


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A throwaway course with the toy assignment released (once for the module)."""
    course = toy_assignment.write_course(tmp_path_factory.mktemp("lms"))
    classroom(course, "release", CHAPTER)
    return course, course / "chapters" / CHAPTER / f"{CHAPTER}.ipynb"


def fresh_course(released, tmp_path):
    """A copy of the released course with nothing collected yet."""
    course = tmp_path / "course"
    shutil.copytree(released[0], course)
    return course


def submissions(course):
    log = json.loads((course / "submitted" / ".classroom.json").read_text(encoding="utf-8"))
    return {item["student"]: item for item in log["submissions"].values()}, log


@pytest.mark.slow  # the classroom CLI and nbgrader, started several times
def test_canvas_zip_keeps_user_ids_late_marks_times_and_the_newest_resubmission(released, tmp_path):
    course = fresh_course(released, tmp_path)
    archive = canvas_zip(tmp_path / "submissions.zip", released[1])
    output = classroom(course, "collect", str(archive))
    assert "read as Canvas's download" in output
    found, log = submissions(course)
    by_user = {item["lms_user_id"]: item for item in found.values()}
    assert sorted(by_user) == ["101", "102", "103", "104", "105", "106"]
    assert by_user["102"]["student"] == "müllerzoë", "a name in any alphabet stays as it is"
    assert by_user["103"]["student"] != by_user["104"]["student"], "two people named Jo Smith stay two students"
    assert {item["lms_late"] for uid, item in by_user.items() if uid != "105"} == {False}
    assert by_user["105"]["lms_late"] is True
    assert by_user["101"]["submitted_at"] == EARLY.replace(tzinfo=UTC).isoformat()
    stamp = course / "submitted" / by_user["101"]["student"] / CHAPTER / "timestamp.txt"
    assert stamp.read_text(encoding="utf-8") == by_user["101"]["submitted_at"], "nbgrader's record of the time"
    assert by_user["106"]["file"].endswith(f"{CHAPTER}-1.ipynb"), "the newer file of a resubmission counts"
    assert "2 files received" in by_user["106"]["collect"][0]
    assert all(item["lms"] == "canvas" for item in found.values())
    assert any(
        "notes.pdf" in problem["file"] and "not a notebook" in problem["problem"] for problem in log["inbox"].values()
    )
    for student in found:
        assert (course / "submitted" / student / CHAPTER / f"{CHAPTER}.ipynb").is_file()


@pytest.mark.slow  # the classroom CLI and nbgrader, started several times
def test_an_unpacked_canvas_folder_gives_the_same_students_and_times(released, tmp_path):
    archive = canvas_zip(tmp_path / "submissions.zip", released[1])
    zipped_course, folder_course = fresh_course(released, tmp_path / "a"), fresh_course(released, tmp_path / "b")
    classroom(zipped_course, "collect", str(archive))
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            zipped.extract(info, folder)  # like unzip, which keeps each entry's time as the file's time
            seconds = calendar.timegm((*info.date_time, 0, 0, 0))
            os.utime(folder / info.filename, (seconds, seconds))
    classroom(folder_course, "collect", str(folder))
    keep = ("student", "lms_user_id", "lms_late", "submitted_at", "file")
    from_zip, from_folder = submissions(zipped_course)[0], submissions(folder_course)[0]
    assert {s: [i[k] for k in keep] for s, i in from_zip.items()} == {
        s: [i[k] for k in keep] for s, i in from_folder.items()
    }


@pytest.mark.slow  # the classroom CLI and nbgrader, started several times
def test_moodle_zip_one_folder_per_participant(released, tmp_path):
    course = fresh_course(released, tmp_path)
    output = classroom(course, "collect", str(moodle_zip(tmp_path / "moodle.zip", released[1])))
    assert "read as Moodle's download" in output
    found, _ = submissions(course)
    by_user = {item["lms_user_id"]: item for item in found.values()}
    assert sorted(by_user) == ["501", "502", "503", "504", "505", "506"]
    assert by_user["502"]["student"] == "zoë_müller" and by_user["502"]["name"] == "Zoë Müller"
    assert by_user["503"]["student"] == "jo_smith" and by_user["504"]["student"].startswith("jo_smith-")
    assert all(item["lms_late"] is None for item in found.values()), "Moodle's download does not mark late work"


@pytest.mark.slow  # the classroom CLI and nbgrader, started several times
def test_google_classroom_names_and_a_notebook_found_by_its_content(released, tmp_path):
    course = fresh_course(released, tmp_path)
    output = classroom(course, "collect", str(google_zip(tmp_path / "drive.zip", released[1])))
    assert "read as Google's download" in output
    found, _ = submissions(course)
    assert sorted(found) == ["ada_lovelace", "zoë_müller"]
    assert found["zoë_müller"]["file"] == "Zoë Müller - Untitled0.ipynb"


@pytest.mark.slow  # the classroom CLI and nbgrader, started several times
def test_a_forced_lms_reports_files_it_does_not_name(released, tmp_path):
    course = fresh_course(released, tmp_path)
    classroom(course, "collect", "--lms", "canvas", str(moodle_zip(tmp_path / "moodle.zip", released[1])))
    found, log = submissions(course)
    assert not found
    assert len(log["inbox"]) == 6
    assert all("not named as Canvas names" in problem["problem"] for problem in log["inbox"].values())


@pytest.mark.parametrize(
    "lms_name,path,expected",
    [
        ("canvas", "lovelaceada_101_9001_00_toy.ipynb", ("lovelaceada", "101", "00_toy.ipynb", False, "9001")),
        (
            "canvas",
            "chenlee_LATE_105_9005_Copy of 00_toy (1).ipynb",
            ("chenlee", "105", "Copy of 00_toy (1).ipynb", True, "9005"),
        ),
        (
            "moodle",
            "Ada Lovelace_501_assignsubmission_file_/sub/00_toy.ipynb",
            ("Ada Lovelace", "501", "sub/00_toy.ipynb", None, ""),
        ),
        (
            "moodle",
            "Ada Lovelace_501_assignsubmission_file_00_toy.ipynb",
            ("Ada Lovelace", "501", "00_toy.ipynb", None, ""),
        ),
        ("google", "Zoë Müller - Copy of 00_toy.ipynb", ("Zoë Müller", "", "Copy of 00_toy.ipynb", None, "")),
        ("canvas", "ada/00_toy.ipynb", None),
        ("canvas", "ada_00_toy.ipynb", None),
        ("moodle", "Ada Lovelace/00_toy.ipynb", None),
        ("google", "ada_00_toy.ipynb", None),
    ],
)
def test_each_lms_naming_rule(lms_name, path, expected):
    delivery = lms.parse(lms_name, PurePosixPath(path))
    found = (
        None
        if delivery is None
        else (delivery.name, delivery.user_id, delivery.original, delivery.late, delivery.submission_id)
    )
    assert found == expected


def test_detection_needs_every_file_to_follow_one_rule():
    canvas = [PurePosixPath("lovelaceada_101_9001_00_toy.ipynb"), PurePosixPath("chenlee_LATE_105_9005_x.pdf")]
    assert lms.detect(canvas) == "canvas"
    assert lms.detect([*canvas, PurePosixPath("ada/00_toy.ipynb")]) is None
    assert lms.detect([PurePosixPath("Ada_501_assignsubmission_file_/a.ipynb")]) == "moodle"
    assert lms.detect([]) is None
