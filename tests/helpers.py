"""What the integration tests take from the maintainers' package course_tools (the tests never import
benchmarks/, nor benchmarks the tests): chapters, nbgrader's CLI, solution code, throwaway courses; and what
the tests share about running kernels in Colab's environments (course_tools.colab)."""

import re
import threading
import time

import nbformat
import pytest

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


def released_course(folder, chapter, wrong=None):
    """A throwaway course in ``folder`` with ``chapter`` released and submitted by "perfect" (the solutions
    typed into the student version), "blank" (the student version untouched) and, if ``wrong`` is a pair
    (solution cell, source), "one_wrong" (the solutions with that one answer replaced). Returns the course."""
    course = make_course(folder)
    result = nbgrader("generate_assignment", chapter, "--force", cwd=course)
    assert result.returncode == 0, result.stdout
    release = course / "chapters" / chapter / f"{chapter}.ipynb"
    answers = solution_sources(ROOT / "solutions" / chapter / f"{chapter}.ipynb")
    submissions = {"perfect": fill_release(release, answers), "blank": nbformat.read(release, as_version=4)}
    if wrong:
        submissions["one_wrong"] = fill_release(release, {**answers, wrong[0]: wrong[1]})
    for student, nb in submissions.items():
        target = course / "submitted" / student / chapter
        target.mkdir(parents=True)
        nbformat.write(nb, target / f"{chapter}.ipynb")
    return course


def autograde_in_colab(runtime, chapter, course, colab_kernels, built, request, *args):
    """``nbgrader autograde chapter *args`` in ``runtime``'s Colab kernel (``Execute.kernel_name`` overrides the
    kernel the notebooks name and also reaches the grading guards, subclasses of Execute); echoes the time,
    asserts exit 0 and that every kernel ran in the runtime's environment. Returns the CompletedProcess."""
    before, start = len(colab.kernel_launches(colab_kernels, runtime)), time.monotonic()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in colab.kernel_environ(colab_kernels, runtime).items():
            patch.setenv(name, value)
        result = nbgrader("autograde", chapter, f"--Execute.kernel_name={runtime.kernel_name}", *args, cwd=course)
    echo_for(request)(f"nbgrader autograde {chapter} {' '.join(args)} in the {runtime.kernel_name} kernel: "
                      f"exit {result.returncode} in {time.monotonic() - start:.0f} s")
    assert result.returncode == 0, f"{built}\n{result.stdout[-5000:]}"
    assert_kernels_started(runtime, colab_kernels, before, built, result.stdout)
    return result


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
