"""What the integration tests take from the maintainers' package course_tools (the tests never import
benchmarks/, nor benchmarks the tests): chapters, nbgrader's CLI, solution code, throwaway courses; and what
the tests share: scores in a gradebook, errors in an executed notebook, lines printed past pytest's capture."""

import hashlib
import io
import os
import re
import sys
import threading
import zipfile
from pathlib import Path

import nbformat

from course_tools import layout
from course_tools.classroom import log as classroom_log
from course_tools.layout import ROOT, chapter_ids  # noqa: F401  (re-exported for the tests)
from course_tools.notebooks import fill_release, grade_id, make_course, solution_sources  # noqa: F401
from course_tools.processes import run

_ECHO_LOCK = threading.Lock()


def nbgrader(*args, cwd):
    """Run the real nbgrader CLI in ``cwd``; return the CompletedProcess (stdout and stderr merged)."""
    return layout.nbgrader(args, cwd)


def echo_for(request, prefix="colab"):
    """A function that prints lines, each after ``[prefix]``, to the terminal at once, past pytest's output
    capture (thread-safe: the Colab environments are built, and the chapters run, two at a time)."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def echo(text):
        with _ECHO_LOCK:
            if reporter is None or capture is None:
                print(text)
                return
            with capture.global_and_fixture_disabled():
                reporter.ensure_newline()
                for line in text.splitlines():
                    reporter.write_line(f"[{prefix}] {line}")

    return echo


def scores(course, chapter, student):
    """(score, max score, {test cell: (score, max score)}) of ``student``'s ``chapter`` in ``course``'s gradebook."""
    with classroom_log.gradebook(Path(course)) as book:
        submission = book.find_submission(chapter, student)
        grades = {
            grade.name: (grade.score, grade.max_score)
            for notebook in submission.notebooks
            for grade in notebook.grades
            if grade.cell_type == "code"
        }
        return submission.score, submission.max_score, grades


def cell_errors(path):
    """What went wrong in an executed notebook (e.g. one nbgrader autograded): one entry per code cell that
    did not run or raised, with its source and traceback. Empty is nbval --nbval-lax's criterion of success
    (no cell raises; the chapters compare no outputs)."""
    problems = []
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        if cell.execution_count is None:
            problems.append(f"cell {index} did not run:\n{cell.source[:300]}")
        for output in cell.outputs:
            if output.output_type == "error":
                traceback = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(output.get("traceback", [])))
                problems.append(
                    f"cell {index} raised {output.ename}: {output.evalue}\n{cell.source[:300]}\n{traceback[-2000:]}"
                )
    return problems


def synthetic_zip(path, members=("synthetic.txt",)):
    """Write a tiny zip archive (not data: made up only to fail a checksum) whose members are short text files;
    return its sha256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in members:
            archive.writestr(member, "synthetic test content, not MNIST\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return hashlib.sha256(buffer.getvalue()).hexdigest()


# Seconds the book build may take (its chapters' outputs come from the graded runs: nothing executes).
BOOK_TIMEOUT = 600


def build_book(output, solutions, ledger, *options):
    """Build the book into ``output`` (``python -m course_tools.book``) with or without the solutions; keep what
    it printed in ``output/build.log`` (jupyter-book's own output is in ``output/_build/logs/book.log``); enter
    each chapter it executed in ``ledger``; return ``output/_build``."""
    env = {**os.environ, "COURSE_BOOK_SOLUTIONS": "1" if solutions else "0"}
    result = run(
        [sys.executable, "-m", "course_tools.book", "--output", output, *options], env=env, timeout=BOOK_TIMEOUT
    )
    (output / "build.log").write_text(result.stdout, encoding="utf-8")
    book_log = output / "_build" / "logs" / "book.log"
    for line in book_log.read_text(encoding="utf-8").splitlines() if book_log.is_file() else []:
        for chapter in chapter_ids():
            if "Executing notebook" in line and f"{chapter}.ipynb" in line:
                ledger.record(chapter, "book build", "full", "executed by Jupyter Book")
    assert result.returncode is not None, f"the book build took longer than {BOOK_TIMEOUT} s:\n{result.stdout[-6000:]}"
    assert result.returncode == 0, result.stdout[-6000:]
    return output / "_build"
