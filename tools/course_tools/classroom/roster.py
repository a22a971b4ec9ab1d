"""roster: the class list, from the LMS's gradebook export or a plain CSV, into nbgrader's gradebook and the log.

* Canvas's gradebook export (Grades > Export): columns ``Student`` ("Last, First"), ``ID`` (Canvas's user id,
  the number in its download's file names), ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per
  assignment; a second row ``Points Possible`` (and Canvas's own "Student, Test") are skipped.
* Moodle's grade export (CSV): ``First name``, ``Last name``, ``ID number``, ``Email address``, ...; it has no
  participant id, so Moodle's download is matched to it by name (or give a plain roster with those ids).
* A plain CSV with a header ``id,name,email`` (``id``: the LMS's user id where its download has one).

Each person gets a student id by the rules of ``students`` (the LMS user id decides, names never merge) and is
written to the gradebook (nbgrader's student table: names, e-mail, LMS user id) and to the log's ``roster``.
"""

import csv
from pathlib import Path
from typing import Any

from course_tools.classroom.log import gradebook, load_log, save_log
from course_tools.classroom.students import assign_student_id

CANVAS_FIELDS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_SKIPPED = ("Points Possible", "Student, Test")
MOODLE_FIELDS = ("First name", "Last name", "Email address")
PLAIN_FIELDS = ("id", "name", "email")


def _person(name: str, user_id: str = "", email: str = "", **extra: str) -> dict[str, str]:
    return {
        "name": name.strip(),
        "user_id": user_id.strip(),
        "email": email.strip(),
        **{key: value.strip() for key, value in extra.items()},
    }


def _canvas(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    people = []
    for row in rows:
        if row["Student"].strip() in CANVAS_SKIPPED or not row["ID"].strip():
            continue
        last, _, first = row["Student"].partition(",")
        people.append(
            _person(
                f"{first.strip()} {last.strip()}".strip(),
                row["ID"],
                "",
                sortable_name=row["Student"],
                sis_user_id=row["SIS User ID"],
                sis_login_id=row["SIS Login ID"],
                section=row["Section"],
            )
        )
    return people


def _moodle(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [
        _person(
            f"{row['First name'].strip()} {row['Last name'].strip()}",
            "",
            row["Email address"],
            id_number=row.get("ID number", ""),
        )
        for row in rows
        if row["Email address"].strip()
    ]


def _plain(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    lower = [{key.strip().lower(): value for key, value in row.items() if key} for row in rows]
    return [_person(row["name"], row["id"], row["email"]) for row in lower if row["name"].strip()]


def read_roster(path: Path) -> tuple[str, list[dict[str, str]]]:
    """(format, people) of a roster file: "canvas", "moodle" or "plain" (see the module doc). Raises
    SystemExit naming the columns expected when the file is none of them."""
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        fields = [name.strip() for name in reader.fieldnames or []]
        rows = list(reader)
    if all(name in fields for name in CANVAS_FIELDS):
        return "canvas", _canvas(rows)
    if all(name in fields for name in MOODLE_FIELDS):
        return "moodle", _moodle(rows)
    if all(name in [f.lower() for f in fields] for name in PLAIN_FIELDS):
        return "plain", _plain(rows)
    raise SystemExit(
        f"{path}: not a roster this tool reads (columns found: {', '.join(fields) or 'none'}). Give "
        f"Canvas's gradebook export ({', '.join(CANVAS_FIELDS)}, ...), Moodle's grade export "
        f"({', '.join(MOODLE_FIELDS)}, ...) or a CSV with the header {','.join(PLAIN_FIELDS)}"
    )


def import_roster(course: Path, path: Path) -> dict[str, Any]:
    """Read the roster at ``path`` into the gradebook and the log (replacing an earlier roster); return the log."""
    kind, people = read_roster(path)
    log = load_log(course)
    known = log.setdefault("students", {})
    roster: dict[str, dict[str, str]] = {}
    for person in people:
        student, problem = assign_student_id(person["name"], known, person["user_id"])
        if not student:
            print(f"  {person['name']}: not on the roster: {problem or 'the name gives no id'}")
            continue
        roster[student] = person
    with gradebook(course) as gb:
        for student, person in roster.items():
            first, _, last = person["name"].partition(" ")
            gb.update_or_create_student(
                student,
                first_name=first,
                last_name=last,
                email=person["email"] or None,
                lms_user_id=person["user_id"] or None,
            )
    log["roster"] = roster
    save_log(course, log)
    print(f"roster: {len(roster)} students from {Path(path).name} ({kind})")
    return log
