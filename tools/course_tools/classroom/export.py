"""export: the grade sheet in the form an LMS's gradebook import takes as it is.

* ``csv``: every field of the report (``report.FIELDS``), one row per student and chapter.
* ``canvas``: Canvas's gradebook CSV: ``Student`` ("Last, First"), ``ID`` (Canvas's user id, which the import
  matches), ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per chapter holding the final score
  (after any late penalty); the second row, ``Points Possible``, gives each chapter's maximum. A column whose
  name is not an assignment's makes Canvas create that assignment on import (rename the column to match one).
* ``moodle``: Moodle's grade import CSV: ``Email address`` (map it to "useremail" on import) or, with no e-mail
  on the roster, ``ID number`` ("useridnumber"), then one column per chapter with the final score.

One row per student in the LMS formats; a student without the key the LMS matches on (no Canvas user id, no
e-mail or ID number) cannot be imported and is named on the screen (the ``csv`` format keeps everyone).
"""

import csv
from pathlib import Path
from typing import Any

from course_tools.classroom.report import FIELDS, rows

FORMATS = ("csv", "canvas", "moodle")
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "    Points Possible"  # how Canvas writes the row in its own export


def _people(sheet: list[dict[str, Any]], roster: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    """{student: {"person": roster entry or what the submissions say, chapter: final score}} from the rows."""
    people: dict[str, dict[str, Any]] = {}
    for row in sheet:
        if not row["student"] or not row["assignment"]:
            continue
        person = people.setdefault(
            row["student"],
            {"person": roster.get(row["student"]) or {"name": row["name"], "user_id": row["lms_user_id"]}},
        )
        person[row["assignment"]] = row["final_score"]
    return people


def _sortable(person: dict[str, str]) -> str:
    if person.get("sortable_name"):
        return person["sortable_name"]
    first, _, last = person.get("name", "").rpartition(" ")
    return f"{last}, {first}" if first else last


def _canvas(
    people: dict[str, dict[str, Any]], chapters: list[str], maxima: dict[str, Any]
) -> tuple[list[list[Any]], list[str]]:
    table: list[list[Any]] = [
        CANVAS_COLUMNS + chapters,
        [POINTS_POSSIBLE, "", "", "", ""] + [maxima[c] for c in chapters],
    ]
    missing = []
    for student, entry in sorted(people.items()):
        person = entry["person"]
        if not person.get("user_id"):
            missing.append(student)
            continue
        table.append(
            [
                _sortable(person),
                person["user_id"],
                person.get("sis_user_id", ""),
                person.get("sis_login_id", ""),
                person.get("section", ""),
            ]
            + [entry.get(c, "") for c in chapters]
        )
    return table, missing


def _moodle(people: dict[str, dict[str, Any]], chapters: list[str]) -> tuple[list[list[Any]], list[str]]:
    use_email = any(entry["person"].get("email") for entry in people.values())
    key = "email" if use_email else "id_number"
    table: list[list[Any]] = [["Email address" if use_email else "ID number"] + chapters]
    missing = []
    for student, entry in sorted(people.items()):
        if not entry["person"].get(key):
            missing.append(student)
            continue
        table.append([entry["person"][key]] + [entry.get(c, "") for c in chapters])
    return table, missing


def export(course: Path, output: Path, chapters: list[str] | None = None, kind: str = "csv") -> Path:
    """Write the grade sheet of ``course`` to ``output`` in the format ``kind`` (one of FORMATS); return it."""
    from course_tools.classroom.log import load_log

    if kind not in FORMATS:
        raise SystemExit(f"unknown export format {kind!r}: choose one of {', '.join(FORMATS)}")
    sheet, output = rows(course, chapters), Path(output)
    with output.open("w", newline="", encoding="utf-8") as handle:
        if kind == "csv":
            writer = csv.DictWriter(handle, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(sheet)
        else:
            names = sorted({row["assignment"] for row in sheet if row["student"] and row["assignment"]})
            people = _people(sheet, load_log(course).get("roster", {}))
            maxima = {row["assignment"]: row["max_score"] for row in sheet if row["max_score"] != ""}
            table, missing = _canvas(people, names, maxima) if kind == "canvas" else _moodle(people, names)
            csv.writer(handle).writerows(table)
            if missing:
                print(
                    f"not in {output.name} ({kind.title()} could not match them; see the csv export): "
                    + ", ".join(missing)
                )
    print(f"wrote {output}")
    return output
