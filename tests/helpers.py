"""Shared helpers for the integration tests: chapters, nbgrader commands, notebook surgery."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def chapter_ids(root=ROOT):
    """Chapter ids: the folders of solutions/ that hold a notebook of the same name."""
    return sorted(p.parent.name for p in Path(root, "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)


def nbgrader(*args, cwd):
    """Run the real nbgrader CLI in ``cwd``; return the CompletedProcess (stdout and stderr merged)."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # nbgrader calls `alembic`
    return subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


def make_course(folder, tools=("grading_safety.py", "grading_sandbox.py")):
    """Fill ``folder`` with a throwaway copy of the course as nbgrader sees it: solutions/, the committed
    nbgrader_config.py, and the named files of tools/ (grading_safety.py is what the config loads and
    grading_sandbox.py the sandbox, so the copy grades exactly as instructors do). Returns ``folder``."""
    shutil.copytree(ROOT / "solutions", folder / "solutions", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    (folder / "tools").mkdir()
    for name in tools:
        shutil.copy(ROOT / "tools" / name, folder / "tools")
    return folder


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def solution_sources(solution_path):
    """Map each solution cell's grade_id to its code without the nbgrader markers (what a student types)."""
    nb = nbformat.read(solution_path, as_version=4)
    answers = {}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            lines = [line for line in cell.source.split("\n") if line.strip() not in SOLUTION_MARKERS]
            answers[grade_id(cell)] = "\n".join(lines)
    return answers


def fill_release(release_path, answers):
    """Return the student notebook with the given solution cells answered (grade_id -> source)."""
    nb = nbformat.read(release_path, as_version=4)
    for cell in nb.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return nb
