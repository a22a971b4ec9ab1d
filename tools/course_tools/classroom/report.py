"""report and export: scores from the gradebook and every problem from the log, per submission."""

import csv
from pathlib import Path

from course_tools import layout
from course_tools.classroom.log import SEPARATOR, gradebook, load_log

FIELDS = ["student", "assignment", "score", "max_score", "problems", "failed_tests", "file"]


def rows(course, chapters=None):
    """One dict per submission (and per file that could not be placed), with the fields of FIELDS."""
    from nbgrader.api import MissingEntry

    course = Path(course)
    log = load_log(course)
    result = []
    with gradebook(course) as gb:
        names = chapters or sorted({a.name for a in gb.assignments}
                                   | {item["chapter"] for item in log["submissions"].values()})
        for chapter in names:
            students = set(layout.students(course, chapter))
            try:
                students |= {s.student.id for s in gb.find_assignment(chapter).submissions}
            except MissingEntry:
                pass
            for student in sorted(students):
                item = log["submissions"].get(f"{chapter}/{student}", {})
                row = {"student": student, "assignment": chapter, "score": "", "max_score": "",
                       "failed_tests": "", "file": item.get("file", "")}
                try:
                    submission = gb.find_submission(chapter, student)
                    row["score"], row["max_score"] = round(submission.score, 2), round(submission.max_score, 2)
                    lost = [f"{g.name} {g.score:g}/{g.max_score:g}" for nb in submission.notebooks
                            for g in nb.grades if g.score < g.max_score]
                    row["failed_tests"] = "; ".join(lost)
                except MissingEntry:
                    pass
                problems = item.get("collect", []) + item.get("repair", []) + item.get("grade", [])
                if not row["score"] and row["score"] != 0:
                    problems.append("not graded yet")
                row["problems"] = SEPARATOR.join(problems)
                result.append(row)
    for path, problem in sorted(log["inbox"].items()):
        if chapters and problem["chapter"] and problem["chapter"] not in chapters:
            continue
        result.append({"student": problem["student"], "assignment": problem["chapter"], "score": "",
                       "max_score": "", "problems": problem["problem"], "failed_tests": "", "file": problem["file"]})
    return result


def print_report(course, chapters=None):
    for row in rows(course, chapters):
        score = f"{row['score']}/{row['max_score']}" if row["score"] != "" else "-"
        print(f"{row['student'] or '?':<16} {row['assignment'] or '?':<20} {score:>9}  file: {row['file']}")
        for problem in filter(None, row["problems"].split(SEPARATOR)):
            print(f"{'':<16}   - {problem}")
        if row["failed_tests"]:
            print(f"{'':<16}   lost points: {row['failed_tests']}")


def export(course, output, chapters=None):
    output = Path(output)
    with output.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows(course, chapters))
    print(f"wrote {output}")
    return output
