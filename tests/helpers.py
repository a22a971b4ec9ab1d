"""What the integration tests take from the maintainers' package course_tools (the tests never import
benchmarks/, nor benchmarks the tests): chapters, nbgrader's CLI, solution code, throwaway courses; and what
the tests share about running kernels in Colab's environments (course_tools.colab)."""

import re
import threading

import nbformat

from course_tools import colab
from course_tools import layout
from course_tools.layout import ROOT, chapter_ids  # noqa: F401  (re-exported for the tests)
from course_tools.notebooks import fill_release, grade_id, make_course, solution_sources  # noqa: F401

_ECHO_LOCK = threading.Lock()


def nbgrader(*args, cwd):
    """Run the real nbgrader CLI in ``cwd``; return the CompletedProcess (stdout and stderr merged)."""
    return layout.nbgrader(args, cwd)


def echo_for(request):
    """A function that prints lines to the terminal at once, past pytest's output capture (thread-safe:
    the two Colab environments are built at the same time)."""
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
                    reporter.write_line(f"[colab] {line}")
    return echo


def assert_kernels_started(runtime, colab_kernels, before, built, output):
    """Kernels were started from ``runtime``'s spec since ``before`` launches, all in its environment."""
    started = colab.kernel_launches(colab_kernels, runtime)[before:]
    assert started and set(started) == {str(runtime.venv)}, (
        f"{built}\nexpected kernels in {runtime.venv}, started: {started}\n{output[-3000:]}")


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
                problems.append(f"cell {index} raised {output.ename}: {output.evalue}\n{cell.source[:300]}\n"
                                f"{traceback[-2000:]}")
    return problems
