"""A class's submissions of the toy assignment as each LMS's bulk download delivers them, built from the naming
each LMS documents (course_tools.classroom.lms; the README names the documentation), with Unicode names, two
students of one name, a late mark and a resubmission; and the LMS files the roster and export tests read."""

import csv
import zipfile
from datetime import datetime

import nbformat

from classroom_inbox import CHAPTER, student_notebook

DUE = datetime(2026, 3, 2, 12, 0)  # the toy assignment's due date in these tests (UTC)
EARLY = datetime(2026, 3, 1, 9, 30)
NOTEBOOK = f"{CHAPTER}.ipynb"


def notebook_bytes(release, **changes):
    return nbformat.writes(student_notebook(release, **changes)).encode("utf-8")


def write_zip(path, entries):
    """A zip at ``path`` of {name: (bytes, datetime)}, each entry with that time (what an LMS's zip carries)."""
    with zipfile.ZipFile(path, "w") as zipped:
        for name, (data, when) in entries.items():
            zipped.writestr(zipfile.ZipInfo(name, when.timetuple()[:6]), data)
    return path


def canvas_name(sortable, user_id, submission_id, original, late=False):
    """Canvas's name of a submitted file: name[_LATE]_userid_submissionid_original."""
    return f"{sortable}{'_LATE' if late else ''}_{user_id}_{submission_id}_{original}"


def moodle_folder(full_name, participant_id):
    """Moodle's folder of one participant's files: Full Name_id_assignsubmission_file_."""
    return f"{full_name}_{participant_id}_assignsubmission_file_"


# The class: (full name, sortable name as Canvas writes it, Canvas user id, SIS id, e-mail, Moodle id)
CLASS = [
    ("Ada Lovelace", "lovelaceada", "101", "S001", "ada@uni.example", "501"),
    ("Zoë Müller", "müllerzoë", "102", "S002", "zoe@uni.example", "502"),
    ("Jo Smith", "smithjo", "103", "S003", "jo.smith@uni.example", "503"),
    ("Jo Smith", "smithjo", "104", "S004", "jo.smith2@uni.example", "504"),
    ("Lee Chen", "chenlee", "105", "S005", "lee@uni.example", "505"),
    ("Kim Park", "parkkim", "106", "S006", "kim@uni.example", "506"),
]
ON_ROSTER_ONLY = ("Nia Okafor", "okafornia", "107", "S007", "nia@uni.example", "507")


def canvas_zip(path, release):
    """Canvas's download of the class: Lee late; Kim resubmitted (the newer file, ``-1``, is right; the older
    one answers the softmax wrongly); Jo Smith twice (two people); a PDF beside a notebook."""
    wrong = notebook_bytes(release, softmax_solution="def softmax(logits):\n    return logits")
    right = notebook_bytes(release)
    late = datetime(2026, 3, 4, 8, 0)
    entries = {}
    for number, (name, sortable, user_id, *_) in enumerate(CLASS[:5]):
        is_late = name == "Lee Chen"
        entries[canvas_name(sortable, user_id, 9000 + number, NOTEBOOK, is_late)] = (right, late if is_late else EARLY)
    entries[canvas_name("parkkim", "106", 9010, NOTEBOOK)] = (wrong, EARLY)
    entries[canvas_name("parkkim", "106", 9010, f"{CHAPTER}-1.ipynb")] = (right, datetime(2026, 3, 1, 10, 0))
    entries[canvas_name("lovelaceada", "101", 9000, "notes.pdf")] = (b"%PDF-1.4\n", EARLY)
    return write_zip(path, entries)


def moodle_zip(path, release):
    """Moodle's download, in folders: everyone on time except Lee; Zoë saved a Colab copy."""
    entries = {}
    for name, _, _, _, _, pid in CLASS:
        original = f"Copy of {NOTEBOOK}" if name.startswith("Zoë") else NOTEBOOK
        when = datetime(2026, 3, 4, 8, 0) if name == "Lee Chen" else EARLY
        entries[f"{moodle_folder(name, pid)}/{original}"] = (notebook_bytes(release), when)
    return write_zip(path, entries)


def google_zip(path, release):
    """Google Classroom's Drive folder, zipped: ``Name - file``; one file named Untitled0 (found by content)."""
    entries = {
        f"{name} - {'Untitled0.ipynb' if name == 'Zoë Müller' else NOTEBOOK}": (notebook_bytes(release), EARLY)
        for name, *_ in CLASS[:2]
    }
    return write_zip(path, entries)


def canvas_gradebook_export(path, people=(*CLASS, ON_ROSTER_ONLY)):
    """Canvas's gradebook export (Grades > Export) of the class: the roster `classroom roster` reads."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Quiz 1 (555)"])
        writer.writerow(["    Points Possible", "", "", "", "", "10"])
        for name, _, user_id, sis, email, _ in people:
            first, last = name.split(" ", 1)
            writer.writerow([f"{last}, {first}", user_id, sis, email.split("@")[0], "Section A", "7"])
        writer.writerow(["Student, Test", "999", "", "", "Section A", ""])
    return path


def plain_roster(path, people=(*CLASS, ON_ROSTER_ONLY)):
    """A plain roster (id,name,email) with Moodle's participant ids, which Moodle's grade export lacks."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "email"])
        writer.writerows([moodle_id, name, email] for name, _, _, _, email, moodle_id in people)
    return path


def moodle_grade_export(path, people=(*CLASS, ON_ROSTER_ONLY)):
    """Moodle's grade export (CSV) of the class."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "First name",
                "Last name",
                "ID number",
                "Institution",
                "Department",
                "Email address",
                "Assignment: Toy (Real)",
                "Last downloaded from this course",
            ]
        )
        for name, _, _, sis, email, _ in people:
            first, last = name.split(" ", 1)
            writer.writerow([first, last, sis, "Uni", "CS", email, "-", "1700000000"])
    return path


def stranger_in_canvas_zip(archive, release):
    """Add a submission from someone not on the roster to a Canvas download."""
    with zipfile.ZipFile(archive, "a") as zipped:
        zipped.writestr(
            zipfile.ZipInfo(canvas_name("doejane", "108", 9020, NOTEBOOK), EARLY.timetuple()[:6]),
            notebook_bytes(release),
        )
    return archive
