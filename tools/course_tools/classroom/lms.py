"""How each learning management system (LMS) names the files of its bulk download of an assignment.

* Canvas, "Download Submissions": one flat zip, each file named ``name[_LATE]_userid_submissionid_original``:
  ``name`` is the student's sortable name in lower case without spaces or punctuation (``lovelaceada``),
  ``_LATE`` marks a submission after the due date, then Canvas's numeric user id and submission id, then the
  file name as uploaded (a resubmitted file gets ``-1``, ``-2`` before its extension).
* Moodle, "Download all submissions": one folder per participant, ``Full Name_id_assignsubmission_file_``
  (``id`` is Moodle's participant id; with blind marking the name is "Participant"), holding the files as
  uploaded; without "download submissions in folders" the same prefix starts each file's name instead.
* Google Classroom (the assignment's Google Drive folder, downloaded as a zip): one flat folder, each file
  named ``Student Name - original``.

The README's *For instructors* names the documentation these rules follow.
"""

import re
from dataclasses import dataclass
from pathlib import PurePath

LMS_NAMES = ("canvas", "moodle", "google")

_CANVAS = re.compile(
    r"(?P<name>[^_/]+?)(?P<late>_late)?_(?P<user>\d+)_(?P<submission>\d+)_(?P<original>.+)", re.IGNORECASE
)
_MOODLE = re.compile(r"(?P<name>.+)_(?P<user>\d+)_assignsubmission_(?:file|onlinetext)_(?P<original>.*)")
_GOOGLE = re.compile(r"(?P<name>.+?) - (?P<original>.+)")


@dataclass(frozen=True)
class Delivery:
    """What an LMS's file name says about a file: who sent it and how it was called when uploaded."""

    lms: str  # one of LMS_NAMES
    name: str  # the student's name as the LMS wrote it
    user_id: str  # the LMS's user id ("" when its download gives none)
    original: str  # the file name as the student uploaded it
    late: bool | None  # the LMS marked it late (None: the LMS's download does not say)
    submission_id: str = ""


def canvas(rel: PurePath) -> Delivery | None:
    """A file of Canvas's download (``rel``: its path inside the download), or None if not named so."""
    match = _CANVAS.fullmatch(rel.name) if len(rel.parts) == 1 else None
    if match is None:
        return None
    return Delivery(
        "canvas", match["name"], match["user"], match["original"], match["late"] is not None, match["submission"]
    )


def moodle(rel: PurePath) -> Delivery | None:
    """A file of Moodle's download (in a participant's folder or with the participant's prefix), or None."""
    match = _MOODLE.fullmatch(rel.parts[0])
    if match is None:
        return None
    original = "/".join(rel.parts[1:]) if len(rel.parts) > 1 else match["original"]
    if not original:
        return None
    return Delivery("moodle", match["name"], match["user"], original, None)


def google(rel: PurePath) -> Delivery | None:
    """A file of Google Classroom's Drive folder (``Name - file``), or None."""
    match = _GOOGLE.fullmatch(rel.name) if len(rel.parts) == 1 else None
    if match is None:
        return None
    return Delivery("google", match["name"], "", match["original"], None)


PARSERS = {"canvas": canvas, "moodle": moodle, "google": google}


def parse(lms: str, rel: PurePath) -> Delivery | None:
    """The delivery ``rel`` is by ``lms``'s naming rule (``lms`` one of LMS_NAMES), or None."""
    if lms not in PARSERS:
        raise ValueError(f"unknown LMS {lms!r}: choose one of {', '.join(LMS_NAMES)}")
    return PARSERS[lms](rel)


def detect(rels: list[PurePath]) -> str | None:
    """The LMS whose naming rule every file of ``rels`` follows (Moodle, then Canvas, then Google are
    tried), or None: the files are then read by the plain rules (folders and file names of students)."""
    if not rels:
        return None
    for lms in ("moodle", "canvas", "google"):
        if all(PARSERS[lms](rel) is not None for rel in rels):
            return lms
    return None
