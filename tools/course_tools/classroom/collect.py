"""collect: place the files students sent (an inbox: a folder, or an LMS's bulk-download zip or its unpacked
folder) into submitted/<student>/<chapter>/<chapter>.ipynb.

Student ids from folder and file names or the LMS's naming (``lms``; ids in ``students``), the chapter from the
file name or the notebook's locked cells, and the rule that picks one of several files (see ``cli``).
"""

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode

from course_tools import layout
from course_tools.classroom import intake, lms
from course_tools.classroom.log import entry, load_log, save_log
from course_tools.classroom.students import (  # noqa: F401
    assign_student_id,
    clean_student_id,
    student_name_key,
)

# What nbformat raises for JSON that has a notebook's "nbformat" key but not a notebook's structure (an unknown
# version, cells that are not lists or dicts, missing keys): a damaged or hand-made file, not a bug of ours.
NOTEBOOK_STRUCTURE_ERRORS = (ValueError, KeyError, TypeError, AttributeError)


def _squash(text: str) -> str:
    return re.sub(r"[\s_\-.]+", "_", text.lower()).strip("_")


def copy_number(name: str) -> int:
    """The number a browser or Jupyter appended to a duplicate file name: "x (2).ipynb" -> 2, "x-Copy1" -> 1."""
    found = re.findall(r"\((\d+)\)|copy(\d+)", name.lower())
    return max((int(a or b) for a, b in found), default=0)


def match_chapter_name(filename: str, chapters: list[str]) -> tuple[str, str] | tuple[None, None]:
    """Find the chapter a file name refers to.

    Returns (chapter, rest): ``rest`` is what surrounds the chapter id in the name once "Copy of", "(1)"
    and "-Copy1" are removed (a student id, or ""); (None, None) if no chapter id occurs in the name.
    """
    stem = filename[: -len(".ipynb")] if filename.lower().endswith(".ipynb") else filename
    name = _squash(re.sub(r"\(\d+\)", " ", stem))
    name = re.sub(r"(^|_)copy_of(_|$)", r"\1", name)
    name = re.sub(r"_copy\d*$", "", name).strip("_")
    for chapter in sorted(chapters, key=len, reverse=True):
        key = _squash(chapter)
        match = re.search(rf"(^|_){re.escape(key)}(_|$)", name)
        if match:
            rest = (name[: match.start()] + "_" + name[match.end() :]).strip("_")
            return chapter, rest
    return None, None


def normal_source(source: str) -> str:
    """A cell's source without trailing spaces and blank lines at either end: how two copies are compared."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


_normal = normal_source


def read_notebook(path: Path) -> tuple[NotebookNode | None, int | None, str | None]:
    """Return (notebook as nbformat 4, original major version, problem or None) for any file."""
    raw = Path(path).read_bytes()
    if not raw.strip():
        return None, None, "the file is empty"
    try:
        data = json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError as error:
        return None, None, f"the file is not valid JSON, so not a readable notebook (damaged download?): {error}"
    if not isinstance(data, dict) or "nbformat" not in data:
        return None, None, "the file is JSON but not a Jupyter notebook"
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except NOTEBOOK_STRUCTURE_ERRORS as error:
        return None, None, f"the file is not a readable Jupyter notebook: {type(error).__name__}: {error}"
    version = data.get("nbformat")
    return nb, version if isinstance(version, int) else None, None


def match_chapter_content(nb: NotebookNode, course: Path, chapters: list[str]) -> str | None:
    """The chapter whose locked cells a notebook mostly contains, or None."""
    sources = {normal_source(cell.source) for cell in nb.cells}
    best, best_share = None, 0.5
    for chapter in chapters:
        release_nb = nbformat.read(layout.notebook(course, layout.RELEASE, chapter), as_version=4)
        locked = [normal_source(c.source) for c in release_nb.cells if c.metadata.get("nbgrader", {}).get("locked")]
        share = sum(s in sources for s in locked) / max(len(locked), 1)
        if share >= best_share:
            best, best_share = chapter, share
    return best


@dataclass
class Collection:
    """The state of one ``collect``: the log, the ids known, and the files found per (chapter, student)."""

    course: Path
    source: Path  # the inbox as given (folder or zip): where the report says a file came from
    chapters: list[str]
    lms_name: str | None
    log: dict[str, Any]
    candidates: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    id_problems: dict[str, str] = field(default_factory=dict)

    def problem(self, rel: PurePosixPath, text: str, student: str = "", chapter: str = "") -> None:
        """Record (and print) a file of the inbox that is not graded, and why."""
        self.log["inbox"][str(self.source / rel)] = {
            "file": str(rel),
            "student": student,
            "chapter": chapter,
            "problem": text,
        }
        print(f"  {rel}: {text}")

    def student(self, name: str, rel: PurePosixPath, chapter: str = "", user_id: str = "") -> str | None:
        """The id of the student called ``name``; None (reported) when it cannot get an id of its own."""
        student, problem = assign_student_id(name, self.log.setdefault("students", {}), user_id)
        if problem and not student:
            self.problem(rel, f"not graded: {problem}; rename the folder or file", "", chapter)
            return None
        if problem:
            self.id_problems[student] = problem
        return student


def _who(c: Collection, file: intake.InboxFile) -> tuple[lms.Delivery | None, str, str] | None:
    """(the LMS's delivery or None, the student's name, the file name that names the chapter); None when a
    forced LMS's rule does not fit the file (reported)."""
    if c.lms_name:
        delivery = lms.parse(c.lms_name, file.rel)
        if delivery is None:
            c.problem(file.rel, f"not named as {c.lms_name.title()} names the files of its download, not graded")
            return None
        return delivery, delivery.name, PurePosixPath(delivery.original).name
    return None, file.rel.parts[0] if len(file.rel.parts) > 1 else "", file.rel.name


def _chapter(c: Collection, file: intake.InboxFile, filename: str, nb: NotebookNode | None) -> tuple[str | None, str]:
    """(chapter or None, what else the file name says: a student id or "")."""
    chapter, rest = match_chapter_name(filename, c.chapters)
    if chapter is None and nb is not None:
        return match_chapter_content(nb, c.course, c.chapters), ""
    return chapter, rest or ""


def consider(c: Collection, file: intake.InboxFile) -> None:
    """Add one file of the inbox to the candidates of its (chapter, student), or report why it is not graded."""
    who = _who(c, file)
    if who is None:
        return
    delivery, name, filename = who
    user_id = delivery.user_id if delivery else ""
    named = c.student(name, file.rel, "", user_id) if name else ""
    if named is None:
        return
    if not filename.lower().endswith(".ipynb"):
        c.problem(file.rel, "not a notebook (.ipynb), not graded", named)
        return
    nb, _, unreadable = read_notebook(file.path)
    chapter, rest = _chapter(c, file, filename, nb)
    if chapter is None:
        why = unreadable or "it matches no chapter in chapters/ by name or content"
        c.problem(file.rel, f"unknown assignment: {why}, not graded", named)
        return
    student = named if named or not rest else c.student(rest, file.rel, chapter)
    if student is None:
        return
    if not student:
        c.problem(
            file.rel,
            "no student: put each student's files in a folder named after the student, or start "
            "the file name with the student id, not graded",
            "",
            chapter,
        )
        return
    c.candidates.setdefault((chapter, student), []).append(
        {
            "path": file.path,
            "rel": str(file.rel),
            "readable": nb is not None,
            "mtime": file.submitted,
            "submitted_at": file.submitted_iso() if delivery else "",
            "copy": copy_number(filename),
            "name": name or rest,
            "lms": delivery.lms if delivery else "",
            "lms_user_id": user_id,
            "lms_late": delivery.late if delivery else None,
        }
    )


def place(c: Collection, chapter: str, student: str, files: list[dict[str, Any]]) -> None:
    """Copy the file that counts among ``files`` to submitted/ and record it (and the others) in the log."""
    files.sort(key=lambda f: (f["readable"], f["mtime"], f["copy"], f["rel"]), reverse=True)
    chosen, others = files[0], files[1:]
    target = layout.notebook(c.course, layout.SUBMITTED, chapter, student)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.chmod(0o644)
    shutil.copyfile(chosen["path"], target)
    stamp = target.parent / layout.SUBMISSION_TIMESTAMP
    stamp.unlink(missing_ok=True)
    if chosen["submitted_at"]:  # nbgrader reads it: the gradebook then knows how late the submission was
        stamp.write_text(chosen["submitted_at"], encoding="utf-8")
    problems = [c.id_problems[student]] if student in c.id_problems else []
    if others:
        names = ", ".join(f"'{f['rel']}'" for f in others)
        problems.append(
            f"{len(files)} files received for this chapter: graded '{chosen['rel']}' "
            f"(rule: readable, then newest, then highest copy number), ignored {names}"
        )
    item = entry(c.log, chapter, student)
    item.clear()
    item.update(
        {
            "chapter": chapter,
            "student": student,
            "file": chosen["rel"],
            "inbox": str(c.source),
            "collect": problems,
            **{k: chosen[k] for k in ("name", "submitted_at", "lms", "lms_user_id", "lms_late")},
        }
    )
    print(f"{student}/{chapter}: '{chosen['rel']}'" + (f" ({len(others)} duplicate(s) ignored)" if others else ""))


def collect(
    course: Path, inbox: Path, chapters: list[str] | None = None, lms_name: str | None = None
) -> dict[str, Any]:
    """Copy the notebooks of ``inbox`` (a folder or a zip) to submitted/<student>/<chapter>/<chapter>.ipynb
    (see the module doc). ``lms_name`` (one of ``lms.LMS_NAMES``) reads every file by that LMS's naming rule;
    None detects it (or reads the plain rules). Returns the log, which is saved."""
    course, source = Path(course), Path(inbox).resolve()
    log = load_log(course)
    c = Collection(course, source, chapters or layout.chapter_ids(course, layout.RELEASE), lms_name, log)
    with intake.opened(source) as folder:
        found = intake.files(folder)
        if c.lms_name is None:
            c.lms_name = lms.detect([f.rel for f in found])
        kind = f"{c.lms_name.title()}'s download" if c.lms_name else "a folder of files students sent"
        print(f"{source.name}: read as {kind}")
        for file in found:
            log["inbox"].pop(str(source / file.rel), None)
            consider(c, file)
        for (chapter, student), files in sorted(c.candidates.items()):
            place(c, chapter, student, files)
    save_log(course, log)
    return log
