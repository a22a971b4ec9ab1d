"""repair: restore what Colab and students break in a submission, before grading.

Cells are aligned with the release version (``align_cells``: by nbgrader id, then unchanged content, then
position and similarity); nbgrader metadata is restored, deleted graded cells are put back where they
belong, copies of graded cells lose their metadata, the kernel is reset and outputs cleared.
"""

import difflib
import hashlib
import itertools
import uuid
from copy import deepcopy
from pathlib import Path
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode

from course_tools import layout
from course_tools.classroom.collect import normal_source as _normal
from course_tools.classroom.collect import read_notebook
from course_tools.classroom.log import (
    SEPARATOR,
    cell_label,
    entry,
    load_log,
    nbgrader_meta,
    save_log,
)


def _gid(cell: NotebookNode) -> Any:
    return nbgrader_meta(cell).get("grade_id")


def _similarity(release_cell: NotebookNode, cell: NotebookNode) -> float | None:
    if release_cell.cell_type != cell.cell_type:
        return None
    ratio = difflib.SequenceMatcher(None, _normal(release_cell.source), _normal(cell.source), autojunk=False).ratio()
    if release_cell.metadata.get("nbgrader", {}).get("solution"):
        ratio += 0.5  # an answer rarely resembles the blank "YOUR CODE HERE" it replaced
    return ratio if ratio >= 0.3 else None


def _fuzzy(
    release_cells: list[NotebookNode], cells: list[NotebookNode], rel_idx: list[int], sub_idx: list[int]
) -> dict[int, int]:
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


def align_cells(release_cells: list[NotebookNode], cells: list[NotebookNode]) -> dict[int, int]:
    """Match release cells to submitted cells, keeping order: {release index: submitted index}.

    First by nbgrader grade_id, then, between those anchors, by identical content, then, in what is left,
    by cell type, position and similarity.
    """
    first_by_id: dict[Any, int] = {}
    for j, cell in enumerate(cells):
        if _gid(cell):
            first_by_id.setdefault(_gid(cell), j)
    pairs: dict[int, int] = {}
    last = -1
    for i, cell in enumerate(release_cells):
        found = first_by_id.get(_gid(cell)) if _gid(cell) else None
        if found is not None and found > last:
            pairs[i], last = found, found
    anchors = [(-1, -1)] + sorted(pairs.items()) + [(len(release_cells), len(cells))]
    for (i0, j0), (i1, j1) in itertools.pairwise(anchors):
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
        for (a0, b0), (a1, b1) in itertools.pairwise(inner):
            r, s = list(range(a0 + 1, a1)), list(range(b0 + 1, b1))
            if r and s:
                pairs.update(_fuzzy(release_cells, cells, r, s))
    return pairs


def _restore_metadata(
    nb: NotebookNode, release_nb: NotebookNode, pairs: dict[int, int], graded: list[int]
) -> tuple[list[str], list[str]]:
    """Give each matched cell its release cell's nbgrader metadata and take it from cells matched to none;
    return (problems, problems about locked cells the student edited)."""
    restored, edited, matched_sub = 0, [], set()
    for i in graded:
        release_cell, j = release_nb.cells[i], pairs.get(i)
        if j is None:
            continue
        meta, cell = release_cell.metadata["nbgrader"], nb.cells[j]
        matched_sub.add(j)
        if cell.metadata.get("nbgrader") != meta:
            restored += 1
            cell.metadata["nbgrader"] = deepcopy(meta)
        if meta.get("locked") and not meta.get("solution") and _normal(cell.source) != _normal(release_cell.source):
            what = ("test cell " if meta.get("grade") else "locked cell ") + meta["grade_id"]
            edited.append(f"the {what} was edited by the student; the original is restored for grading")
    problems = (
        [
            (
                f"nbgrader metadata was missing or changed on {restored} of {len(graded)} graded cells (usual "
                "after editing in Colab); restored from the release version"
            )
        ]
        if restored
        else []
    )
    for j, cell in enumerate(nb.cells):
        if "nbgrader" in cell.metadata and j not in matched_sub:
            problems.append(
                f"{cell_label(cell, j)} carried nbgrader metadata but is not a graded cell of the "
                "release (a copy?); it is graded as an ordinary cell"
            )
            del cell.metadata["nbgrader"]
    return problems, edited


def _put_back(nb: NotebookNode, release_nb: NotebookNode, pairs: dict[int, int], graded: list[int]) -> list[str]:
    """Insert the graded cells that are gone, each after the cell that precedes it in the release; problems."""
    problems = []
    gone = "is missing (deleted, or changed beyond recognition)"
    for i in [i for i in graded if i not in pairs]:
        release_cell = deepcopy(release_nb.cells[i])
        before = [pairs[k] for k in pairs if k < i]
        position = max(before) + 1 if before else 0
        nb.cells.insert(position, release_cell)
        for k, j in pairs.items():
            if j >= position:
                pairs[k] = j + 1
        pairs[i] = position
        meta = release_cell.metadata["nbgrader"]
        if meta.get("solution"):
            problems.append(f"the answer cell {meta['grade_id']} {gone}; a blank one was put back (scores 0)")
        else:
            problems.append(
                f"the {'test' if meta.get('grade') else 'locked'} cell {meta['grade_id']} {gone}; it was put back"
            )
    return problems


def _normalise(nb: NotebookNode, release_nb: NotebookNode) -> list[str]:
    """The release's kernel, no outputs (recomputed while grading), unique cell ids (nbformat 4.5); problems."""
    problems = []
    if nb.metadata.get("kernelspec", {}).get("name") != release_nb.metadata["kernelspec"]["name"]:
        problems.append("the notebook asked for a different kernel; graded with the course's Python 3 kernel")
    nb.metadata["kernelspec"] = deepcopy(release_nb.metadata["kernelspec"])
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


def repair_notebook(nb: NotebookNode, release_nb: NotebookNode) -> list[str]:
    """Restore nbgrader metadata and deleted graded cells in ``nb`` (changed in place); return problems."""
    pairs = align_cells(release_nb.cells, nb.cells)
    graded = [i for i, c in enumerate(release_nb.cells) if "nbgrader" in c.metadata]
    problems, edited = _restore_metadata(nb, release_nb, pairs, graded)
    problems += _put_back(nb, release_nb, pairs, graded)
    return problems + edited + _normalise(nb, release_nb)


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def repair(
    course: Path, chapters: list[str] | None = None, quiet: bool = False, log: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Repair every submission of the chapters in submitted/ (already repaired files are left alone).

    With ``log`` (the log of a running ``grade``) the findings are recorded there and not saved; without,
    the log is loaded and saved here. Returns the log."""
    chapters = chapters or layout.chapter_ids(course, layout.RELEASE)
    own_log = log is None
    log = load_log(course) if log is None else log
    for chapter in chapters:
        release_nb = nbformat.read(layout.notebook(course, layout.RELEASE, chapter), as_version=4)
        for student in layout.students(course, chapter):
            path = layout.notebook(course, layout.SUBMITTED, chapter, student)
            item = entry(log, chapter, student)
            if item.get("repaired_sha") == _sha(path):
                continue
            nb, version, unreadable = read_notebook(path)
            if nb is not None:
                problems = [] if version == 4 else [f"old notebook format (nbformat {version}), upgraded to 4"]
                problems += repair_notebook(nb, release_nb)
                try:
                    nbformat.validate(nb)
                except nbformat.ValidationError as error:
                    problems.append(f"the notebook breaks the notebook format ({error.message}), graded as is")
                nbformat.write(nb, path)
            if nb is None:
                item.update(repair=[unreadable], readable=False)
                item.pop("repaired_sha", None)
            else:
                item.update(repair=problems, readable=True, repaired_sha=_sha(path))
            if not quiet:
                print(f"{student}/{chapter}: " + (SEPARATOR.join(item["repair"]) or "nothing to repair"))
    if own_log:
        save_log(course, log)
    return log
