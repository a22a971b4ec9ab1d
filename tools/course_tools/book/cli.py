"""Build the HTML book into <output>/_build/html (default: the repository's own _build/html).

    course-book [--output DIR] [--all] [--no-solutions] [--execution-cache DIR] [--executed DIR]

Steps:
1. Write the book's source tree into <output>/_build/book-source: the pages listed in _toc.yml, where
   each chapter page ``chapters/<id>/<id>.ipynb`` is made from ``solutions/<id>/<id>.ipynb`` with the
   hidden tests removed (nbgrader's own ClearHiddenTests) and the solution markers dropped. The page
   keeps the student notebook's path, so the book's "Open in Colab" button opens the student version.
   Files are only rewritten when their content changed, so that a rebuild with nothing changed reads
   nothing again.
2. Install MathJax 3 from the npm registry (once, into _build/npm) and serve it from the book's own
   ``_static/mathjax`` (copied to <source>/_vendor/mathjax): the pages typeset their equations without reaching
   a CDN.
3. Run ``jupyter-book build`` on it with warnings as errors. Notebooks are executed by a real kernel;
   Jupyter Book's cache (<output>/_build/.jupyter_cache) skips chapters whose code did not change.
   ``--executed DIR`` first stores in that cache the chapters already executed elsewhere (``DIR/<id>.ipynb``,
   e.g. nbgrader's autograded notebooks of the solutions; see ``course_tools.book.executed``): those pages
   take their outputs and are not run again. The test suite builds the book this way from the chapters it
   has just graded in Colab's CPU package set.

Solutions: ``COURSE_BOOK_SOLUTIONS=0`` (or ``--no-solutions``) builds an edition without them. The
notebooks still run in full (so plots and results stay on the page, from the same execution cache), but
each exercise cell shows what the learner's notebook shows (``# YOUR CODE HERE``) with a note instead of
the solution and its output, and the notebook offered for download is the student notebook from chapters/.
"""

import argparse
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from course_tools.book.executed import fill_cache
from course_tools.book.source import write_source
from course_tools.layout import BIN, BOOK_SOLUTIONS_ENV, BUILD, DATA_DIR_ENV, ROOT, env_flag, use_staged_data

SOLUTIONS_SETTING = BOOK_SOLUTIONS_ENV
# jupyter-book's whole output goes to <output>/_build/logs/book.log; the terminal gets what a person needs
# (``progress_line``).
LOG = Path(BUILD) / "logs" / "book.log"
_CHAPTER_PAGE = re.compile(r"chapters/([^/\s]+)/\1\.ipynb")
_SECONDS = re.compile(r"Executed notebook in ([\d.]+) seconds")


def solutions_wanted(value: object = None) -> bool:
    """Read the solutions setting: ``value`` or else $COURSE_BOOK_SOLUTIONS (unset or empty: with solutions).

    Returns True for "1"/"true"/"yes"/"on", False for "0"/"false"/"no"/"off" (any case); raises ValueError
    for anything else, so that a typo cannot publish the solutions by accident (``layout.env_flag``).
    """
    environ = None if value is None else {SOLUTIONS_SETTING: str(value)}
    return env_flag(SOLUTIONS_SETTING, True, environ)


def build(
    output: str | Path = ROOT,
    extra_args: Sequence[str] = (),
    solutions: bool | None = None,
    execution_cache: str | Path | None = None,
    executed: str | Path | None = None,
) -> int:
    """Write the source tree and run jupyter-book; return its exit code.

    ``solutions`` None reads $COURSE_BOOK_SOLUTIONS; ``execution_cache`` None keeps Jupyter Book's default
    (<output>/_build/.jupyter_cache); ``executed`` is a folder of executed chapters to fill that cache from
    (``course_tools.book.executed``)."""
    target = Path(output).resolve()
    solutions = solutions_wanted() if solutions is None else bool(solutions)
    source_dir = target / BUILD / "book-source"
    pages = write_source(source_dir, solutions=solutions, execution_cache=execution_cache)
    print(f"book source: {len(pages)} pages in {source_dir} ({'with' if solutions else 'without'} solutions)")
    if executed is not None:
        cache_dir = Path(execution_cache) if execution_cache else target / BUILD / ".jupyter_cache"
        stored = fill_cache(cache_dir, pages, executed)
        print(
            f"{len(stored)} chapters take their outputs from the executed notebooks in {executed}: "
            + ", ".join(page.stem for page in stored)
        )
    command = [
        str(BIN / "jupyter-book"),
        "build",
        str(source_dir),
        "--path-output",
        str(output),
        "-W",
        "--keep-going",
        *extra_args,
    ]
    # A non-interactive MPLBACKEND (set by some test runners) would stop the kernel's inline figures.
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    if DATA_DIR_ENV not in env and use_staged_data(env):  # what `make data` staged
        print(f"{DATA_DIR_ENV} is unset: the chapters read the data staged in {env[DATA_DIR_ENV]}")
    log = target / LOG
    print(f"jupyter-book build (its whole output: {log})", flush=True)
    return run_logged(command, env, log)


def progress_line(line: str) -> str | None:
    """What a person needs to see of one line of jupyter-book's output: a chapter starting to execute, the
    seconds it took, a chapter taken from the execution cache, a warning or error, the build's result; else
    ``None``."""
    text = line.strip()
    page = _CHAPTER_PAGE.search(text)
    chapter = page.group(1) if page else None
    seconds = _SECONDS.search(text)
    if chapter and "Executing notebook" in text:
        return f"  executing {chapter} ..."
    if chapter and seconds:
        return f"  {chapter} executed in {float(seconds.group(1)):.0f} s"
    if chapter and "Using cached notebook" in text:
        return f"  {chapter}: outputs from the execution cache"
    if "WARNING" in text or "ERROR" in text or text.startswith(("build succeeded", "build finished")):
        return text
    return None


def run_logged(command: Sequence[str], env: Mapping[str, str], log: Path) -> int:
    """Run ``command`` with its output (stdout and stderr) written to the file ``log`` as it comes, and the
    lines ``progress_line`` keeps printed; return its exit code. On failure the log's last lines are printed."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as handle:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in process.stdout or ():
            handle.write(line)
            shown = progress_line(line)
            if shown:
                print(shown, flush=True)
        code = process.wait()
    if code != 0:
        print(f"jupyter-book failed (exit {code}); the end of {log}:")
        print("".join(log.read_text(encoding="utf-8").splitlines(keepends=True)[-40:]))
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """The ``course-book`` command; returns its exit status."""
    parser = argparse.ArgumentParser(
        prog="course-book", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--output", default=str(ROOT), help="folder that receives _build/ (default: the repo)")
    parser.add_argument("--all", action="store_true", help="rebuild every page (jupyter-book --all)")
    parser.add_argument(
        "--no-solutions", action="store_true", help=f"leave the solutions out (same as {SOLUTIONS_SETTING}=0)"
    )
    parser.add_argument(
        "--execution-cache",
        default=None,
        help="folder of Jupyter Book's execution cache (default: <output>/_build/.jupyter_cache)",
    )
    parser.add_argument(
        "--executed",
        default=None,
        metavar="DIR",
        help="folder of executed chapters (<id>.ipynb) whose outputs the pages take instead of running",
    )
    args = parser.parse_args(argv)
    solutions = False if args.no_solutions else solutions_wanted()
    code = build(
        args.output,
        ["--all"] if args.all else [],
        solutions=solutions,
        execution_cache=args.execution_cache,
        executed=args.executed,
    )
    if code == 0:
        print(f"\nThe book is ready: open {Path(args.output).resolve() / BUILD / 'html' / 'index.html'}")
    return code
