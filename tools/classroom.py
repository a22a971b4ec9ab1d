"""Grade a classroom's notebooks with nbgrader, from the files students sent to a grade sheet.

    python tools/classroom.py release [CHAPTER ...]     regenerate chapters/ and register them in gradebook.db
    python tools/classroom.py collect INBOX             place the files students sent into submitted/
    python tools/classroom.py repair [CHAPTER ...]      restore what Colab and students break (grade does it too)
    python tools/classroom.py grade [CHAPTER ...]       autograde every submission, write feedback per student
    python tools/classroom.py report [CHAPTER ...]      print scores and every problem found, per submission
    python tools/classroom.py export [--output FILE]    the same as CSV (default grades.csv)

Every command takes ``--course DIR`` (default: this repository) and works on every chapter found in
``solutions/`` (release) or ``chapters/`` (the others) unless chapters are named.

collect
    INBOX holds the files as students sent them. Each folder directly inside INBOX belongs to the student it
    is named after; a file directly inside INBOX belongs to the student whose id starts (or ends) its name,
    e.g. ``ada_01_linear_models.ipynb``. A student id is the name case-folded (Unicode NFC), with letters of
    any alphabet, digits, ``.``, ``-`` and ``_`` kept and other characters replaced by ``_`` ("Zoë" and
    "Zoé" stay two students). Two different names that still give one id ("Ada Lovelace", "ada_lovelace")
    are never merged: the later one gets a suffix from its name's hash, reported with its submission, and
    ids are remembered from one collect to the next. The chapter is found in the file name, ignoring case,
    spaces/dashes/underscores, "Copy of", " (1)" and "-Copy1"; a notebook whose name names no chapter
    (``Untitled0.ipynb``) is recognised by its locked cells. Each notebook is *copied* to
    ``submitted/<student>/<chapter>/<chapter>.ipynb``; INBOX is never changed.
    Several files of one student for one chapter: the rule is that a file that reads as a notebook beats
    one that does not, then the most recently modified file wins, then the highest copy number ("(2)"
    beats "(1)" beats none), then the name that sorts last. The others are listed as problems.
    Files that are not notebooks, notebooks of no known chapter and files without a student are reported.

repair
    Upgrades old notebook formats, restores nbgrader's cell metadata from the release version where it is
    missing or partial (cells are matched by nbgrader id, then by unchanged content, then by position and
    similarity), puts back deleted answer, test and other locked cells (a blank answer scores 0), drops
    nbgrader metadata from copies of graded cells, sets the kernel to the release's, clears outputs, and
    reports edited test cells (nbgrader restores them from the gradebook while grading).

grade
    One ``nbgrader autograde --student`` per submission, each running the notebook in its own kernel. The
    kernel runs in a bubblewrap sandbox (tools/grading_sandbox.py): it sees the Python environment and the
    staged data read-only and its own working folder, not the course folder, other students' work, your
    home or the network; limits on memory (``--memory-limit``), processes (``--max-processes``) and files
    written (``--disk-limit``) stop it, and no process outlives it. Without bubblewrap, ``grade`` refuses
    unless ``--no-sandbox`` is given. Each kernel also has a per-cell timeout (``--timeout``, default
    nbgrader_config.py's), a limit on each output (``--max-output-chars``) and a wall-clock limit per
    notebook (``--notebook-timeout``); ``--jobs`` submissions are graded at a time. A cell that kills its
    kernel (or is stopped at a sandbox limit) is
    disabled and the notebook graded again (tools/grading_safety.py). A submission that cannot be graded at
    all (unreadable file, nbgrader failure, wall-clock limit) is recorded with score 0 and a problem that says
    why, so every submission has exactly one score; the other students are graded regardless.
    Then ``nbgrader generate_feedback`` writes feedback/<student>/<chapter>/<chapter>.html.

What each step found is kept in ``submitted/.classroom.json`` (the report reads it with the gradebook).
"""

import argparse
import csv
import difflib
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
import uuid
from concurrent.futures import ThreadPoolExecutor
from copy import deepcopy
from pathlib import Path

import nbformat

from grading_sandbox import bwrap_problem, kill_tree  # tools/, beside this file

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOG_NAME = ".classroom.json"
JUNK_PARTS = ("__MACOSX", ".ipynb_checkpoints")
DISABLED_MARKER = "The grader disabled this cell"  # same text as tools/grading_safety.py
CUT_MARKER = "... output cut by the grader"


# ----------------------------------------------------------------------------------------------------------
# course layout and the log of problems

def release_chapters(course):
    """Chapter ids with a source notebook: ``solutions/<id>/<id>.ipynb``."""
    return sorted(p.parent.name for p in Path(course, "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)


def released_chapters(course):
    """Chapter ids with a student version: ``chapters/<id>/<id>.ipynb``."""
    return sorted(p.parent.name for p in Path(course, "chapters").glob("*/*.ipynb") if p.stem == p.parent.name)


def release_path(course, chapter):
    return Path(course, "chapters", chapter, f"{chapter}.ipynb")


def submission_path(course, student, chapter):
    return Path(course, "submitted", student, chapter, f"{chapter}.ipynb")


def submissions(course, chapter):
    """Students with a submission of ``chapter`` in submitted/, sorted."""
    return sorted(p.parent.parent.name for p in Path(course, "submitted").glob(f"*/{chapter}/{chapter}.ipynb"))


def db_url(course):
    # a generous sqlite busy timeout: several graders may write to the gradebook at the same time
    return f"sqlite:///{Path(course).resolve() / 'gradebook.db'}?timeout=300"


def load_log(course):
    path = Path(course, "submitted", LOG_NAME)
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"inbox": {}, "submissions": {}}


def save_log(course, log):
    path = Path(course, "submitted", LOG_NAME)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(log, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def entry(log, chapter, student):
    return log["submissions"].setdefault(f"{chapter}/{student}", {"chapter": chapter, "student": student})


def nbgrader_meta(cell):
    """A cell's nbgrader metadata as a dict ({} when missing or not a dict)."""
    meta = cell.get("metadata", {})
    meta = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return meta if isinstance(meta, dict) else {}


def cell_label(cell, index):
    gid = nbgrader_meta(cell).get("grade_id")
    return gid if gid else f"cell {index + 1}"


# ----------------------------------------------------------------------------------------------------------
# release

def nbgrader(args, course, timeout=None):
    """Run the nbgrader CLI in ``course``; return (returncode, output). returncode None means: timed out."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # nbgrader calls alembic
    proc = subprocess.Popen([str(BIN / "nbgrader"), *args], cwd=course, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
        return proc.returncode, output
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)  # kernels run in their own session, so killpg would miss them
        output, _ = proc.communicate()
        return None, output


def release(course, chapters):
    """Regenerate chapters/<id>/ from solutions/<id>/ and register the chapter in gradebook.db."""
    for chapter in chapters or release_chapters(course):
        code, output = nbgrader(["generate_assignment", chapter, "--force", f"--db={db_url(course)}"], course)
        if code != 0:
            raise SystemExit(f"nbgrader generate_assignment {chapter} failed:\n{output[-3000:]}")
        print(f"released {chapter}: chapters/{chapter}/{chapter}.ipynb, registered in gradebook.db")


# ----------------------------------------------------------------------------------------------------------
# collect

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
        release_nb = nbformat.read(release_path(course, chapter), as_version=4)
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
    chapters = chapters or released_chapters(course)
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
        target = submission_path(course, student, chapter)
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


# ----------------------------------------------------------------------------------------------------------
# repair

def _gid(cell):
    return nbgrader_meta(cell).get("grade_id")


def _similarity(release_cell, cell):
    if release_cell.cell_type != cell.cell_type:
        return None
    ratio = difflib.SequenceMatcher(None, _normal(release_cell.source), _normal(cell.source), autojunk=False).ratio()
    if release_cell.metadata.get("nbgrader", {}).get("solution"):
        ratio += 0.5  # an answer rarely resembles the blank "YOUR CODE HERE" it replaced
    return ratio if ratio >= 0.3 else None


def _fuzzy(release_cells, cells, rel_idx, sub_idx):
    """Best monotone matching of two short runs of cells by similarity (dynamic programming)."""
    n, m = len(rel_idx), len(sub_idx)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            options = [best[i + 1][j], best[i][j + 1]]
            sim = _similarity(release_cells[rel_idx[i]], cells[sub_idx[j]])
            if sim is not None:
                options.append(sim + best[i + 1][j + 1])
            best[i][j] = max(options)
    pairs, i, j = {}, 0, 0
    while i < n and j < m:
        sim = _similarity(release_cells[rel_idx[i]], cells[sub_idx[j]])
        if sim is not None and abs(best[i][j] - (sim + best[i + 1][j + 1])) < 1e-9:
            pairs[rel_idx[i]] = sub_idx[j]
            i, j = i + 1, j + 1
        elif abs(best[i][j] - best[i + 1][j]) < 1e-9:
            i += 1
        else:
            j += 1
    return pairs


def align_cells(release_cells, cells):
    """Match release cells to submitted cells, keeping order: {release index: submitted index}.

    First by nbgrader grade_id, then, between those anchors, by identical content, then, in what is left,
    by cell type, position and similarity.
    """
    first_by_id = {}
    for j, cell in enumerate(cells):
        if _gid(cell):
            first_by_id.setdefault(_gid(cell), j)
    pairs, last = {}, -1
    for i, cell in enumerate(release_cells):
        j = first_by_id.get(_gid(cell)) if _gid(cell) else None
        if j is not None and j > last:
            pairs[i], last = j, j
    anchors = [(-1, -1)] + sorted(pairs.items()) + [(len(release_cells), len(cells))]
    for (i0, j0), (i1, j1) in zip(anchors, anchors[1:]):
        rel_idx, sub_idx = list(range(i0 + 1, i1)), list(range(j0 + 1, j1))
        if not rel_idx or not sub_idx:
            continue
        keys_r = [(release_cells[i].cell_type, _normal(release_cells[i].source)) for i in rel_idx]
        keys_s = [(cells[j].cell_type, _normal(cells[j].source)) for j in sub_idx]
        matcher = difflib.SequenceMatcher(None, keys_r, keys_s, autojunk=False)
        exact = {}
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                exact[rel_idx[block.a + k]] = sub_idx[block.b + k]
        pairs.update(exact)
        inner = [(i0, j0)] + sorted(exact.items()) + [(i1, j1)]
        for (a0, b0), (a1, b1) in zip(inner, inner[1:]):
            r, s = list(range(a0 + 1, a1)), list(range(b0 + 1, b1))
            if r and s:
                pairs.update(_fuzzy(release_cells, cells, r, s))
    return pairs


def repair_notebook(nb, release_nb):
    """Restore nbgrader metadata and deleted graded cells in ``nb`` (changed in place); return problems."""
    problems = []
    pairs = align_cells(release_nb.cells, nb.cells)
    graded = [i for i, c in enumerate(release_nb.cells) if "nbgrader" in c.metadata]
    restored, edited = 0, []
    matched_sub = set()
    for i in graded:
        release_cell = release_nb.cells[i]
        meta = release_cell.metadata["nbgrader"]
        j = pairs.get(i)
        if j is None:
            continue
        cell = nb.cells[j]
        matched_sub.add(j)
        if cell.metadata.get("nbgrader") != meta:
            restored += 1
            cell.metadata["nbgrader"] = deepcopy(meta)
        if meta.get("locked") and not meta.get("solution") and _normal(cell.source) != _normal(release_cell.source):
            edited.append(("test cell " if meta.get("grade") else "locked cell ") + meta["grade_id"])
    for j, cell in enumerate(nb.cells):
        if "nbgrader" in cell.metadata and j not in matched_sub:
            problems.append(f"{cell_label(cell, j)} carried nbgrader metadata but is not a graded cell of the "
                            "release (a copy?); it is graded as an ordinary cell")
            del cell.metadata["nbgrader"]
    # put back graded cells that are gone, each after the cell that precedes it in the release
    missing = [i for i in graded if i not in pairs]
    for i in missing:
        release_cell = deepcopy(release_nb.cells[i])
        before = [pairs[k] for k in pairs if k < i]
        position = max(before) + 1 if before else 0
        nb.cells.insert(position, release_cell)
        for k in pairs:
            if pairs[k] >= position:
                pairs[k] += 1
        pairs[i] = position
        meta = release_cell.metadata["nbgrader"]
        gone = "is missing (deleted, or changed beyond recognition)"
        if meta.get("solution"):
            problems.append(f"the answer cell {meta['grade_id']} {gone}; a blank one was put back (scores 0)")
        elif meta.get("grade"):
            problems.append(f"the test cell {meta['grade_id']} {gone}; it was put back")
        else:
            problems.append(f"the locked cell {meta['grade_id']} {gone}; it was put back")
    if restored:
        problems.insert(0, f"nbgrader metadata was missing or changed on {restored} of {len(graded)} graded cells "
                           "(usual after editing in Colab); restored from the release version")
    for what in edited:
        problems.append(f"the {what} was edited by the student; the original is restored for grading")
    if nb.metadata.get("kernelspec", {}).get("name") != release_nb.metadata["kernelspec"]["name"]:
        problems.append("the notebook asked for a different kernel; graded with the course's Python 3 kernel")
    nb.metadata["kernelspec"] = deepcopy(release_nb.metadata["kernelspec"])
    # outputs are recomputed while grading; ids must be present and unique for nbformat 4.5
    nb.nbformat, nb.nbformat_minor = 4, max(nb.get("nbformat_minor", 0), release_nb.nbformat_minor)
    seen = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if not cell.get("id") or cell.id in seen:
            cell.id = uuid.uuid4().hex[:8]
        seen.add(cell.id)
        if cell.cell_type != "markdown" and "attachments" in cell:
            del cell["attachments"]
    return problems


def _sha(path):
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def repair(course, chapters=None, quiet=False):
    """Repair every submission of the chapters in submitted/ (already repaired files are left alone)."""
    chapters = chapters or released_chapters(course)
    log = load_log(course)
    for chapter in chapters:
        release_nb = nbformat.read(release_path(course, chapter), as_version=4)
        for student in submissions(course, chapter):
            path = submission_path(course, student, chapter)
            item = entry(log, chapter, student)
            if item.get("repaired_sha") == _sha(path):
                continue
            nb, version, unreadable = read_notebook(path)
            if nb is not None:
                try:
                    problems = [] if version == 4 else [f"old notebook format (nbformat {version}), upgraded to 4"]
                    problems += repair_notebook(nb, release_nb)
                    try:
                        nbformat.validate(nb)
                    except nbformat.ValidationError as error:
                        problems.append(f"the notebook breaks the notebook format ({error.message}), graded as is")
                    nbformat.write(nb, path)
                except Exception as error:  # one strange notebook must not stop the others
                    nb, unreadable = None, f"the notebook could not be repaired ({type(error).__name__}: {error})"
            if nb is None:
                item.update(repair=[unreadable], readable=False)
                item.pop("repaired_sha", None)
            else:
                item.update(repair=problems, readable=True, repaired_sha=_sha(path))
            if not quiet:
                print(f"{student}/{chapter}: " + (SEPARATOR.join(item["repair"]) or "nothing to repair"))
    save_log(course, log)
    return log


# ----------------------------------------------------------------------------------------------------------
# grade

def _gradebook(course):
    from nbgrader.api import Gradebook

    return Gradebook(db_url(course))


def record_zero(course, chapter, student):
    """Give a submission that could not be graded a score of 0 for every test in the gradebook."""
    from nbgrader.api import MissingEntry

    with _gradebook(course) as gb:
        gb.update_or_create_student(student)
        try:
            submission = gb.find_submission(chapter, student)
        except MissingEntry:
            submission = gb.add_submission(chapter, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score, grade.manual_score, grade.needs_manual_grade = 0, None, False
        gb.db.commit()


def _write_plain_feedback(course, chapter, student, problems):
    path = Path(course, "feedback", student, chapter, f"{chapter}.html")
    path.parent.mkdir(parents=True, exist_ok=True)
    items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{chapter}</title></head><body>"
                    f"<h1>{html.escape(chapter)}: could not be graded automatically</h1><p>Score: 0</p>"
                    f"<ul>{items}</ul><p>Your instructor will look at your submission.</p></body></html>",
                    encoding="utf-8")


def grading_problems(autograded_nb, timeout):
    """Problems visible in a graded notebook's outputs, in an instructor's words."""
    problems = []
    for index, cell in enumerate(autograded_nb.cells):
        if cell.cell_type != "code":
            continue
        label, meta = cell_label(cell, index), cell.metadata.get("nbgrader", {})
        if DISABLED_MARKER in cell.source:
            limit = re.search(r"the grader stopped its kernel because (.*?)['\"]\)", cell.source)
            if limit:
                problems.append(f"{label} was stopped because {limit.group(1)}; "
                                "the grader disabled it and graded the rest")
            elif "stopped the Python kernel" in cell.source:
                problems.append(f"{label} stopped the Python kernel (os._exit, a crash or too much memory); "
                                "the grader disabled it and graded the rest")
            else:
                problems.append(f"{label} ran past the time limit and its kernel did not respond; "
                                "the grader disabled it and graded the rest")
            continue
        timed_out = any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", []))
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.output_type == "stream" else ""
            if CUT_MARKER in text or "Output truncated" in text:
                problems.append(f"{label} printed too much output; it was cut")
            if output.output_type != "error":
                continue
            ename, evalue = output.get("ename", ""), str(output.get("evalue", ""))[:200]
            if ename == "CellTimeoutError":
                limit = f"{timeout} s" if timeout else "the time limit per cell"
                problems.append(f"{label} ran longer than {limit} and was stopped (an endless loop?)")
            elif ename == "KeyboardInterrupt" and timed_out:
                continue  # the interrupt that stopped a cell at its time limit
            elif ename == "SystemExit":
                problems.append(f"{label} called sys.exit(); the cell was stopped there")
            elif meta.get("solution") and ename == "NotImplementedError":
                problems.append(f"{label} was not answered")
            elif meta.get("solution") and ename in ("SyntaxError", "IndentationError", "TabError"):
                problems.append(f"{label} has a syntax error: {evalue}")
            elif meta.get("solution"):
                problems.append(f"{label} raised {ename}: {evalue}")
    return list(dict.fromkeys(problems))


def parse_size(text):
    """Bytes in a size such as ``"8G"``, ``"512M"`` or ``"1000000"`` (K, M, G: powers of 1024)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)i?B?\s*", str(text), flags=re.IGNORECASE)
    if not match:
        raise ValueError(f"{text!r} is not a size: write a number of bytes or e.g. 512M, 8G")
    return int(float(match.group(1)) * 1024 ** " KMG".index(match.group(2).upper() or " "))


class Limits:
    """What one sandboxed submission may use (see tools/grading_sandbox.py)."""

    def __init__(self, memory="8G", processes=64, disk="1G", bwrap="bwrap"):
        self.memory, self.disk = parse_size(memory), parse_size(disk)
        self.processes, self.bwrap = int(processes), bwrap
        if min(self.memory, self.disk, self.processes) <= 0:
            raise ValueError("sandbox limits must be positive")

    def nbgrader_args(self, course, chapter, student):
        """nbgrader options that start this submission's kernel in the sandbox."""
        km = "SandboxedKernelManager"
        args = [f"--Execute.kernel_manager_class=grading_sandbox.{km}",
                f"--{km}.work_dir={Path(course, 'autograded', student, chapter)}", f"--{km}.hidden={course}",
                f"--{km}.memory_limit={self.memory}", f"--{km}.max_processes={self.processes}",
                f"--{km}.disk_limit={self.disk}", f"--{km}.bwrap={self.bwrap}"]
        data = os.environ.get("COURSE_DATA_DIR", "").strip()
        if data:
            args.append(f"--{km}.read_only={Path(data).resolve()}")
        return args


def _grade_one(course, chapter, student, timeout, notebook_timeout, max_chars, limits=None):
    args = ["autograde", chapter, "--student", student, "--force", f"--db={db_url(course)}",
            f"--LimitOutputSize.max_chars={max_chars}"] + ([f"--Execute.timeout={timeout}"] if timeout else [])
    if limits is not None:
        args += limits.nbgrader_args(course, chapter, student)
    started = time.monotonic()
    code, output = nbgrader(args, course, timeout=notebook_timeout)
    graded = Path(course, "autograded", student, chapter, f"{chapter}.ipynb")
    if code is None:
        return f"grading took longer than {notebook_timeout} s and was stopped", time.monotonic() - started
    if code != 0 or not graded.is_file():
        errors = [line for line in output.splitlines() if "Error" in line or "error" in line]
        return (f"nbgrader could not grade it ({(errors or ['exit code %s' % code])[-1].strip()[:200]})",
                time.monotonic() - started)
    return None, time.monotonic() - started


def check_sandbox(course, limits):
    """Stop with a message when ``limits`` (a sandbox) is asked for but cannot be provided here."""
    if limits is None:
        print("grading WITHOUT a sandbox (--no-sandbox): student code runs with your rights and can read the "
              "hidden tests and change other students' files (README: What grading does and does not protect "
              "against)")
        return
    if not Path(course, "tools", "grading_sandbox.py").is_file():
        raise SystemExit(f"{course / 'tools' / 'grading_sandbox.py'} is missing: the sandbox cannot start. "
                         "Copy tools/ of the course repository there, or grade with --no-sandbox.")
    problem = bwrap_problem(limits.bwrap)
    if problem:
        raise SystemExit(f"cannot grade in a sandbox: {problem}")


def grade(course, chapters=None, jobs=1, timeout=None, notebook_timeout=1800, max_chars=20000, quiet=False,
          limits=Limits()):
    """Repair, autograde and write feedback for every submission of the chapters; return the log.

    ``limits`` (a ``Limits``) runs each submission's kernel in a sandbox; ``None`` runs it unprotected."""
    from nbgrader.api import MissingEntry

    course = Path(course).resolve()
    check_sandbox(course, limits)
    chapters = chapters or released_chapters(course)
    with _gradebook(course) as gb:
        known = {a.name for a in gb.assignments}
    for chapter in chapters:
        if chapter not in known:
            release(course, [chapter])
    repair(course, chapters, quiet=True)
    log = load_log(course)
    work = []
    for chapter in chapters:
        for student in submissions(course, chapter):
            item = entry(log, chapter, student)
            item["grade"] = []
            if item.get("readable") is False:
                item["grade"] = ["nothing to run: the file is not a readable notebook, recorded as 0"]
            else:
                work.append((chapter, student))
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {key: pool.submit(_grade_one, course, *key, timeout, notebook_timeout, max_chars, limits)
                   for key in work}
        results = {key: future.result() for key, future in futures.items()}
    elapsed = time.monotonic() - started
    for chapter in chapters:
        failed = []
        for student in submissions(course, chapter):
            item = entry(log, chapter, student)
            failure, seconds = results.get((chapter, student), (None, 0.0))
            item["grade_seconds"] = round(seconds, 1)
            if failure:
                item["grade"] = [f"{failure}, recorded as 0 - grade it by hand"]
            if item.get("readable") is False or failure:
                graded = Path(course, "autograded", student, chapter)
                if graded.exists():
                    _make_writable(graded)
                    shutil.rmtree(graded)
                record_zero(course, chapter, student)
                failed.append(student)
                continue
            graded_nb = nbformat.read(Path(course, "autograded", student, chapter, f"{chapter}.ipynb"), as_version=4)
            item["grade"] = grading_problems(graded_nb, timeout)
        if submissions(course, chapter):
            code, output = nbgrader(["generate_feedback", chapter, "--force", f"--db={db_url(course)}"], course)
            if code != 0:
                print(f"nbgrader generate_feedback {chapter} reported a problem:\n{output[-2000:]}")
        for student in failed:
            item = entry(log, chapter, student)
            _write_plain_feedback(course, chapter, student, item.get("repair", []) + item["grade"])
        for student in submissions(course, chapter):
            if not Path(course, "feedback", student, chapter, f"{chapter}.html").is_file():
                entry(log, chapter, student)["grade"].append("nbgrader could not write the feedback page")
        with _gradebook(course) as gb:
            for student in submissions(course, chapter):
                try:
                    gb.find_submission(chapter, student)
                except MissingEntry:
                    entry(log, chapter, student)["grade"].append("no score in the gradebook")
    log["last_grade"] = {"submissions": len(work), "seconds": round(elapsed, 1), "jobs": jobs}
    save_log(course, log)
    if not quiet:
        print(f"graded {len(work)} notebooks in {elapsed:.0f} s with {jobs} job(s)")
        print_report(course, chapters)
    return log


def _make_writable(folder):
    for path in [folder, *Path(folder).rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


# ----------------------------------------------------------------------------------------------------------
# report and export

FIELDS = ["student", "assignment", "score", "max_score", "problems", "failed_tests", "file"]
SEPARATOR = " | "  # between problems in one cell of the grade sheet


def rows(course, chapters=None):
    """One dict per submission (and per file that could not be placed), with the fields of FIELDS."""
    from nbgrader.api import MissingEntry

    course = Path(course)
    log = load_log(course)
    result = []
    with _gradebook(course) as gb:
        names = chapters or sorted({a.name for a in gb.assignments}
                                   | {item["chapter"] for item in log["submissions"].values()})
        for chapter in names:
            students = set(submissions(course, chapter))
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


# ----------------------------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course", type=Path, default=ROOT, help="course folder (default: this repository)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="regenerate chapters/ and register them in the gradebook")
    p.add_argument("chapters", nargs="*")
    p = sub.add_parser("collect", help="place students' files into submitted/")
    p.add_argument("inbox", type=Path)
    p = sub.add_parser("repair", help="restore nbgrader metadata and deleted cells")
    p.add_argument("chapters", nargs="*")
    p = sub.add_parser("grade", help="autograde and write feedback")
    p.add_argument("chapters", nargs="*")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded at the same time (default 1)")
    p.add_argument("--timeout", type=int, help="seconds per cell (default: nbgrader_config.py's, 600)")
    p.add_argument("--notebook-timeout", type=int, default=1800, help="seconds per notebook (default 1800)")
    p.add_argument("--max-output-chars", type=int, default=20000, help="characters kept of each output")
    p.add_argument("--memory-limit", default="8G", help="memory per submission's kernel (default 8G)")
    p.add_argument("--max-processes", type=int, default=64, help="processes per submission (default 64)")
    p.add_argument("--disk-limit", default="1G", help="files a submission may write (default 1G)")
    p.add_argument("--bwrap", default="bwrap", help="the bubblewrap program (default: bwrap on PATH)")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run student code with your rights, without bubblewrap (not safe: see README)")
    p = sub.add_parser("report", help="print scores and problems")
    p.add_argument("chapters", nargs="*")
    p = sub.add_parser("export", help="write the grade sheet as CSV")
    p.add_argument("chapters", nargs="*")
    p.add_argument("--output", type=Path, help="CSV file to write (default: grades.csv in the course folder)")
    args = parser.parse_args(argv)
    course = args.course.resolve()
    if args.command == "release":
        release(course, args.chapters)
    elif args.command == "collect":
        collect(course, args.inbox)
    elif args.command == "repair":
        repair(course, args.chapters)
    elif args.command == "grade":
        limits = None if args.no_sandbox else Limits(args.memory_limit, args.max_processes, args.disk_limit,
                                                     args.bwrap)
        grade(course, args.chapters, args.jobs, args.timeout, args.notebook_timeout, args.max_output_chars,
              limits=limits)
    elif args.command == "report":
        print_report(course, args.chapters)
    elif args.command == "export":
        export(course, args.output or course / "grades.csv", args.chapters)


if __name__ == "__main__":
    main()
