"""collect: place the files students sent (an inbox) into submitted/<student>/<chapter>/<chapter>.ipynb.

Student ids from folder and file names (stable across runs, never merging two names), the chapter from the
file name or the notebook's locked cells, and the rule that picks one of several files (see ``cli``).
"""

import hashlib
import json
import re
import shutil
import unicodedata
from pathlib import Path

import nbformat

from course_tools import layout
from course_tools.classroom.log import entry, load_log, save_log

JUNK_PARTS = ("__MACOSX", ".ipynb_checkpoints")


def _squash(text):
    return re.sub(r"[\s_\-.]+", "_", text.lower()).strip("_")


def student_name_key(text):
    """The form in which two spellings of one name are the same: Unicode NFC, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def clean_student_id(text):
    """A student id nbgrader can use as a folder name: case-folded letters (any alphabet) and digits, ``.``,
    ``-`` and ``_``; every other run of characters becomes ``_``; no leading dot."""
    return re.sub(r"[^\w.-]+", "_", student_name_key(text)).strip("_.")


def assign_student_id(name, known):
    """The id of the student called ``name`` (a folder or file-name part), stable across runs.

    ``known`` maps name keys (``student_name_key``) to the ids given so far and is updated. A name whose
    clean id is already another name's gets the id plus ``-`` and six hex digits of its name's hash, so two
    students are never merged. Returns (id, problem or None); id is ``""`` when no distinct id exists.
    """
    key = student_name_key(name)
    if key in known:
        return known[key], None
    base = clean_student_id(name)
    if not base:
        return "", None
    taken = set(known.values())
    student = base if base not in taken else f"{base}-{hashlib.sha1(key.encode()).hexdigest()[:6]}"
    if student in taken:
        return "", f"its student name '{name}' gives the id '{base}', which another name already has"
    known[key] = student
    problem = None if student == base else (f"the student name '{name}' reads as '{base}', the id of another "
                                            f"student, so it was given the id '{student}'")
    return student, problem


def copy_number(name):
    """The number a browser or Jupyter appended to a duplicate file name: "x (2).ipynb" -> 2, "x-Copy1" -> 1."""
    found = re.findall(r"\((\d+)\)|copy(\d+)", name.lower())
    return max((int(a or b) for a, b in found), default=0)


def match_chapter_name(filename, chapters):
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
            rest = (name[: match.start()] + "_" + name[match.end():]).strip("_")
            return chapter, rest
    return None, None


def _normal(source):
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def read_notebook(path):
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
    except Exception as error:  # nbformat raises many kinds of errors for broken notebooks
        return None, None, f"the file is not a readable Jupyter notebook: {error}"
    return nb, data.get("nbformat"), None


def match_chapter_content(nb, course, chapters):
    """The chapter whose locked cells a notebook mostly contains, or None."""
    sources = {_normal(cell.source) for cell in nb.cells}
    best, best_share = None, 0.5
    for chapter in chapters:
        release_nb = nbformat.read(layout.notebook(course, layout.RELEASE, chapter), as_version=4)
        locked = [_normal(c.source) for c in release_nb.cells if c.metadata.get("nbgrader", {}).get("locked")]
        share = sum(s in sources for s in locked) / max(len(locked), 1)
        if share >= best_share:
            best, best_share = chapter, share
    return best


def collect(course, inbox, chapters=None):
    """Copy the notebooks in ``inbox`` to submitted/<student>/<chapter>/<chapter>.ipynb (see the module doc)."""
    course, inbox = Path(course), Path(inbox).resolve()
    if not inbox.is_dir():
        raise SystemExit(f"{inbox} is not a folder")
    chapters = chapters or layout.chapter_ids(course, layout.RELEASE)
    log = load_log(course)
    known_ids = log.setdefault("students", {})  # name key -> id, kept from one collect to the next
    candidates, id_problems = {}, {}

    def student_of(name, rel, chapter=""):
        """The id of the student called ``name``; reports a name that cannot get an id of its own."""
        student, problem = assign_student_id(name, known_ids) if name else ("", None)
        if problem and not student:
            inbox_problem(rel, f"not graded: {problem}; rename the folder or file", "", chapter)
            return None
        if problem:
            id_problems[student] = problem
        return student

    def inbox_problem(rel, text, student="", chapter=""):
        log["inbox"][str(inbox / rel)] = {"file": str(rel), "student": student, "chapter": chapter,
                                          "problem": text}
        print(f"  {rel}: {text}")

    for path in sorted(p for p in inbox.rglob("*") if p.is_file()):
        rel = path.relative_to(inbox)
        if any(part.startswith(".") or part in JUNK_PARTS for part in rel.parts):
            continue
        log["inbox"].pop(str(path), None)
        folder_name = rel.parts[0] if len(rel.parts) > 1 else ""
        folder_student = student_of(folder_name, rel) if folder_name else ""
        if folder_student is None:
            continue
        if path.suffix.lower() != ".ipynb":
            inbox_problem(rel, "not a notebook (.ipynb), not graded", folder_student)
            continue
        nb, _, unreadable = read_notebook(path)
        chapter, rest = match_chapter_name(path.name, chapters)
        if chapter is None and nb is not None:
            chapter = match_chapter_content(nb, course, chapters)
            rest = ""
        if chapter is None:
            why = unreadable or "it matches no chapter in chapters/ by name or content"
            inbox_problem(rel, f"unknown assignment: {why}, not graded", folder_student)
            continue
        student = folder_student or student_of(rest or "", rel, chapter)
        if student is None:
            continue
        if not student:
            inbox_problem(rel, "no student: put each student's files in a folder named after the student, "
                               "or start the file name with the student id, not graded", "", chapter)
            continue
        stat = path.stat()
        candidates.setdefault((chapter, student), []).append(
            {"path": path, "rel": str(rel), "readable": nb is not None, "mtime": stat.st_mtime,
             "copy": copy_number(path.name)})

    for (chapter, student), files in sorted(candidates.items()):
        files.sort(key=lambda f: (f["readable"], f["mtime"], f["copy"], f["rel"]), reverse=True)
        chosen, others = files[0], files[1:]
        target = layout.notebook(course, layout.SUBMITTED, chapter, student)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.chmod(0o644)
        shutil.copyfile(chosen["path"], target)
        problems = [id_problems[student]] if student in id_problems else []
        if others:
            names = ", ".join(f"'{f['rel']}'" for f in others)
            problems.append(f"{len(files)} files received for this chapter: graded '{chosen['rel']}' "
                            f"(rule: readable, then newest, then highest copy number), ignored {names}")
        item = entry(log, chapter, student)
        item.clear()
        item.update({"chapter": chapter, "student": student, "file": chosen["rel"],
                     "inbox": str(inbox), "collect": problems})
        print(f"{student}/{chapter}: '{chosen['rel']}'" + (f" ({len(others)} duplicate(s) ignored)" if others else ""))
    save_log(course, log)
    return log
