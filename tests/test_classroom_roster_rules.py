"""The rules of the roster and of late work, checked without grading: each LMS's roster export read as the LMS
writes it, and what each late policy takes off."""

import pytest

from course_tools.classroom.late import LatePolicy
from course_tools.classroom.roster import read_roster
from lms_archives import (
    CLASS,
    ON_ROSTER_ONLY,
    canvas_gradebook_export,
    moodle_grade_export,
    plain_roster,
)

ROSTER = [*CLASS, ON_ROSTER_ONLY]


def test_canvas_gradebook_export_skips_points_possible_and_the_test_student(tmp_path):
    kind, people = read_roster(canvas_gradebook_export(tmp_path / "grades.csv"))
    assert kind == "canvas"
    assert [p["user_id"] for p in people] == [uid for _, _, uid, *_ in ROSTER]
    zoe = people[1]
    assert zoe["name"] == "Zoë Müller" and zoe["sortable_name"] == "Müller, Zoë" and zoe["sis_user_id"] == "S002"


def test_moodle_grade_export_and_plain_roster(tmp_path):
    kind, people = read_roster(moodle_grade_export(tmp_path / "moodle.csv"))
    assert kind == "moodle" and [p["email"] for p in people] == [email for *_, email, _ in ROSTER]
    assert people[0]["id_number"] == "S001" and people[0]["user_id"] == ""
    kind, people = read_roster(plain_roster(tmp_path / "plain.csv"))
    assert kind == "plain" and [p["user_id"] for p in people] == [pid for *_, pid in ROSTER]


def test_a_file_that_is_no_roster_says_which_columns_are_expected(tmp_path):
    (tmp_path / "x.csv").write_text("who,what\nada,1\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="columns found: who, what.*id,name,email"):
        read_roster(tmp_path / "x.csv")


@pytest.mark.parametrize(
    "policy,submitted,penalty",
    [
        (LatePolicy("2026-03-02T12:00+00:00"), "2026-03-09T12:00+00:00", 0),
        (LatePolicy("2026-03-02T12:00+00:00", "per-day", 10), "2026-03-02T11:59+00:00", 0),
        (LatePolicy("2026-03-02T12:00+00:00", "per-day", 10), "2026-03-02T12:01+00:00", 1),
        (LatePolicy("2026-03-02T12:00+00:00", "per-day", 10), "2026-03-04T08:00+00:00", 2),
        (LatePolicy("2026-03-02T12:00+00:00", "per-day", 40), "2026-03-09T08:00+00:00", 8),  # never below 0
        (LatePolicy("2026-03-02T12:00+00:00", "cutoff"), "2026-03-02T12:00:01+00:00", 8),
        (LatePolicy("2026-03-02T12:00+00:00", "cutoff", cutoff="2026-03-03T12:00+00:00"), "2026-03-03T11:00+00:00", 0),
        (LatePolicy("2026-03-02T12:00+01:00", "cutoff"), "2026-03-02T11:30+00:00", 8),  # time zones compared
        (LatePolicy("2026-03-02T12:00+00:00", "per-day", 10), "", 0),  # no submission time: nothing off
    ],
)
def test_late_policies(policy, submitted, penalty):
    assert policy.penalty(submitted, score=8, max_score=10) == pytest.approx(penalty)


def test_a_per_day_policy_needs_a_penalty():
    with pytest.raises(SystemExit, match="percent of the maximum"):
        LatePolicy("2026-03-02T12:00", "per-day", 0)
