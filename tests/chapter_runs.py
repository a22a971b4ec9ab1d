"""Each chapter executed once per environment, for the whole test session: the notebook phase of `make test`.

Every run goes through nbgrader's real CLI, on a copy of a throwaway course in which the chapter was released
once (``nbgrader generate_assignment``, registering it in the course's gradebook):

``colab-cpu``
    the solutions typed into the student version ("perfect"), ``nbgrader autograde`` in the colab-cpu kernel
    (Colab's CPU package versions), then ``nbgrader generate_feedback``. The round trip checks full marks and
    that no cell raised; the book takes its pages' outputs from these notebooks (``course-book --executed``).
``sandbox``
    "one_wrong" (the solutions with the one wrong answer of tests/roundtrip/<id>.json) and "blank" (the
    student version untouched), as an instructor grades them: ``classroom collect`` and ``classroom grade``
    (repair, then nbgrader autograde with the dev environment's kernel in the bubblewrap sandbox, under the
    classroom command's own default limits). The first chapter's one_wrong arrives whole, as Colab saves a
    copy ("Copy of <id>.ipynb", nbgrader's metadata gone), so that a real chapter is repaired too. Every other
    one_wrong stops after the test cell that catches the wrong answer (``stopped_after``): the later exercises
    unanswered and the later lesson code deleted, as a student who stopped there sends it. No later test cell
    can score differently because of the wrong answer (tests/cell_flow.py follows its names through the later
    cells), so the rest of the chapter would only repeat the solutions' run; the round trip checks both.
``colab-tpu``
    chapter 5's "perfect" and "blank" in the colab-tpu kernel (Keras on JAX, 8 virtual devices, no TensorFlow),
    sharing JAX's persistent compilation cache: on a CPU, compiling dominates, and the blank's lesson cells
    reuse what the solutions' run compiled (the same programs: 13 s instead of 39 s on 2 idle cores).

The runs go two at a time on a thread pool (two chapters on two cores take about 1.6 times less wall time
than one after the other): the TPU run first, then Colab's CPU runs, which the book is built from, then the
sandbox, later chapters first in each (``starting_order``); a test waits only for the run it reads
(``ChapterRuns.get``). Each nbgrader or classroom process has a wall-clock limit (RUN_TIMEOUT) and each cell a
time limit (CELL_TIMEOUT), so that a hung kernel ends as failed tests with nbgrader's output, not a stuck
suite.
"""

import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from classroom_inbox import classroom, strip_nbgrader_metadata, write
from course_tools import colab, layout
from course_tools.notebooks import fill_release, make_course, solution_sources
from helpers import scores
from wrong_answers import stopped_after, wrong_answer

COLAB_CPU, SANDBOX, COLAB_TPU = "colab-cpu", "sandbox", "colab-tpu"
ENVIRONMENTS = {
    COLAB_CPU: "Colab's CPU package versions (nbgrader, colab-cpu kernel)",
    SANDBOX: "the dev environment in the grading sandbox (classroom grade)",
    COLAB_TPU: "Colab's TPU package versions, Keras on JAX (nbgrader, colab-tpu kernel)",
}
# Seconds per cell: the slowest cell of a chapter takes about 25 s in quick mode on 2 idle cores.
CELL_TIMEOUT = 300
# Seconds per nbgrader or classroom process: a whole chapter takes 15 s to about 2 minutes in quick mode on 2
# idle cores; one process may grade two submissions (perfect and blank), and a busy hour is 2 to 4 times slower
# (seen: chapter 5's two TPU gradings needed more than 900 s while the suite's other runs shared the cores).
RUN_TIMEOUT = 1800
WORKERS = 2


@dataclass
class Run:
    """One environment's run of one chapter: the course it graded, what nbgrader printed, how long it took."""

    environment: str
    chapter: str
    course: Path
    students: tuple
    stopped_after: str | None = None  # the test cell after which one_wrong stops (None: it runs whole)
    seconds: float = 0.0
    output: str = ""
    kernels: list = field(default_factory=list)  # the environments of the kernels started (colab runs)

    def notebook(self, student):
        return layout.notebook(self.course, layout.AUTOGRADED, self.chapter, student)

    def feedback(self, student):
        return layout.notebook(self.course, layout.FEEDBACK, self.chapter, student)

    def scores(self, student):
        """(score, max score, {test cell: (score, max score)}) of ``student`` in this run's gradebook."""
        return scores(self.course, self.chapter, student)

    @property
    def partial(self):
        """The students whose notebooks run only part of the chapter: the blank, and a stopped one_wrong."""
        return tuple(s for s in self.students if s == "blank" or (s == "one_wrong" and self.stopped_after))

    def describe(self):
        return f"{self.chapter} in {ENVIRONMENTS[self.environment]} ({', '.join(self.students)}: {self.seconds:.0f} s)"


def _check(result, what, run):
    run.output += result.stdout
    if result.returncode is None:
        raise AssertionError(f"{what} ran longer than {RUN_TIMEOUT} s and was stopped:\n{result.stdout[-5000:]}")
    if result.returncode != 0:
        raise AssertionError(f"{what} failed (exit {result.returncode}):\n{result.stdout[-5000:]}")


def _submit(course, chapter, submissions):
    for student, nb in submissions.items():
        target = layout.notebook(course, layout.SUBMITTED, chapter, student)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)


def released_course(folder, chapter):
    """A throwaway course in ``folder`` with ``chapter`` released and registered in its gradebook (nbgrader
    generate_assignment), to be copied by each run of the chapter. Returns ``folder``."""
    course = make_course(folder)
    result = layout.nbgrader(["generate_assignment", chapter, "--force"], course, timeout=RUN_TIMEOUT)
    if result.returncode != 0:
        raise AssertionError(f"nbgrader generate_assignment {chapter} failed:\n{result.stdout[-3000:]}")
    return course


def run_in_colab(runtime, chapter, course, folder, students):
    """Grade ``students`` ("perfect" and/or "blank") of ``chapter`` in ``course`` (released) with nbgrader in
    ``runtime``'s kernel; ``folder`` takes the kernel specs (their launch log) and JAX's cache."""
    kernels = colab.write_kernelspecs(folder / "kernels", [runtime])  # this run's own launch log
    run = Run(COLAB_CPU if runtime.name == "cpu" else COLAB_TPU, chapter, course, tuple(students))
    release = layout.release_notebook(chapter, course)
    answers = solution_sources(layout.solution_notebook(chapter))
    made = {"perfect": lambda: fill_release(release, answers), "blank": lambda: nbformat.read(release, as_version=4)}
    _submit(course, chapter, {student: made[student]() for student in students})
    env = colab.kernel_environ(kernels, runtime)
    if runtime.name == "tpu":
        env.update(JAX_COMPILATION_CACHE_DIR=str(folder / "jax-cache"), JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0")
    # No output limits: the book shows these outputs (a model summary is longer than the grader keeps); the
    # sandbox runs grade with the limits.
    autograde = [
        "autograde",
        chapter,
        f"--Execute.kernel_name={runtime.kernel_name}",
        f"--Execute.timeout={CELL_TIMEOUT}",
        "--LimitOutput.max_lines=-1",
        "--LimitOutputSize.max_chars=-1",
    ]
    _check(layout.nbgrader(autograde, course, timeout=RUN_TIMEOUT, env=env), f"nbgrader autograde {chapter}", run)
    _check(
        layout.nbgrader(["generate_feedback", chapter], course, timeout=RUN_TIMEOUT), "nbgrader generate_feedback", run
    )
    run.kernels = colab.kernel_launches(kernels, runtime)
    return run


def run_in_sandbox(chapter, course, folder, colab_copy=False):
    """Grade "one_wrong" and "blank" of ``chapter`` in ``course`` (released) as an instructor does, with the
    classroom command; ``folder`` takes the inbox.

    ``colab_copy``: one_wrong arrives whole, as Colab's "Copy of <id>.ipynb" without nbgrader's metadata;
    otherwise it stops after the test cell that catches the wrong answer (``stopped_after``)."""
    release = layout.release_notebook(chapter, course)
    wrong_cell, wrong_source, catching_test = wrong_answer(chapter)
    answers = {**solution_sources(layout.solution_notebook(chapter)), wrong_cell: wrong_source}
    inbox = folder / "inbox"
    run = Run(SANDBOX, chapter, course, ("one_wrong", "blank"), None if colab_copy else catching_test)
    if colab_copy:
        write(inbox / "one_wrong" / f"Copy of {chapter}.ipynb", strip_nbgrader_metadata(fill_release(release, answers)))
    else:
        write(inbox / "one_wrong" / f"{chapter}.ipynb", stopped_after(release, answers, catching_test))
    write(inbox / "blank" / f"{chapter}.ipynb", nbformat.read(release, as_version=4))
    run.output += classroom(course, "collect", inbox, timeout=RUN_TIMEOUT)
    run.output += classroom(
        course,
        "grade",
        chapter,
        "--timeout",
        CELL_TIMEOUT,
        "--notebook-timeout",
        RUN_TIMEOUT,
        timeout=2 * RUN_TIMEOUT + 300,
    )
    return run


def starting_order(wanted, chapters):
    """The runs of ``wanted`` ((environment, chapter) pairs) in the order they should start: the TPU run (the
    longest), then Colab's CPU runs, whose outputs the book is built from (tests/suite.py builds and reads the
    book while the sandbox runs go on), then the sandbox; in each environment later chapters first, as they
    take longest, so that the two workers finish close together."""
    environments = (COLAB_TPU, COLAB_CPU, SANDBOX)
    return sorted(set(wanted), key=lambda run: (environments.index(run[0]), -chapters.index(run[1])))


def runs_wanted(items, chapters, tpu_chapter=layout.TPU_CHAPTER):
    """The runs that the selected tests ``items`` read: of the tests that use the ``chapter_runs`` fixture (also
    through another fixture), each test module names the environments whose runs it reads in ``CHAPTER_RUNS``;
    a test parametrized with a ``chapter`` reads that chapter's, any other test every chapter's (Colab's TPU
    runtime runs ``tpu_chapter`` only)."""
    wanted = set()
    for item in items:
        if "chapter_runs" not in getattr(item, "fixturenames", ()):
            continue
        environments = getattr(getattr(item, "module", None), "CHAPTER_RUNS", ())
        callspec = getattr(item, "callspec", None)
        chosen = [callspec.params["chapter"]] if callspec and "chapter" in callspec.params else chapters
        wanted |= {
            (environment, chapter)
            for environment in environments
            for chapter in chosen
            if environment != COLAB_TPU or chapter == tpu_chapter
        }
    return starting_order(wanted, chapters)


class ChapterRuns:
    """The session's runs: those ``wanted`` start on a thread pool at construction (in ``starting_order``),
    any other on the first ``get``, which waits for a run to finish."""

    def __init__(self, folder, wanted, first_chapter, colab_ready=None, echo=print):
        """``colab_ready``: a function that returns once Colab's environments are built (runs in them call it
        first); ``echo`` says on the terminal how long each run took, the first time a test reads it."""
        self.folder, self._echo, self._reported = Path(folder), echo, set()
        self._colab_ready = colab_ready or (lambda: None)
        self._released, self._release_lock = {}, threading.Lock()
        self._first = first_chapter  # its one_wrong arrives as a Colab copy
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="chapter-run")
        self._futures = {}
        for key in wanted:
            self._start(*key)

    def _start(self, environment, chapter):
        if (environment, chapter) not in self._futures:
            self._futures[environment, chapter] = self._pool.submit(self._timed, environment, chapter)
        return self._futures[environment, chapter]

    def _course(self, chapter, target):
        """A copy of the course with ``chapter`` released, at ``target`` (the chapter is released once)."""
        with self._release_lock:
            lock = self._released.setdefault(chapter, threading.Lock())
        with lock:
            template = self.folder / "released" / chapter
            if not template.exists():
                released_course(template, chapter)
        return Path(shutil.copytree(template, target))

    def _timed(self, environment, chapter):
        folder = self.folder / f"{environment}-{chapter}"
        folder.mkdir(parents=True)
        if environment != SANDBOX:
            self._colab_ready()
        start = time.monotonic()  # the run, not the wait for the environment
        course = self._course(chapter, folder / "course")
        if environment == SANDBOX:
            run = run_in_sandbox(chapter, course, folder, colab_copy=chapter == self._first)
        else:
            students = ["perfect"] if environment == COLAB_CPU else ["perfect", "blank"]
            runtime = colab.RUNTIMES["cpu" if environment == COLAB_CPU else "tpu"]
            run = run_in_colab(runtime, chapter, course, folder, students)
        run.seconds = time.monotonic() - start
        return run

    def get(self, environment, chapter):
        """The finished ``Run``; re-raises what made it fail (every test that reads it fails with that).
        The first time, says on the terminal how long it took."""
        future = self._start(environment, chapter)
        try:
            run = future.result()
        finally:
            if (environment, chapter) not in self._reported and future.done():
                self._reported.add((environment, chapter))
                self._echo(
                    future.result().describe()
                    if future.exception() is None
                    else f"{chapter} in {ENVIRONMENTS[environment]}: FAILED"
                )
        return run

    def finished(self):
        """The runs that finished without an error, in starting order."""
        return [
            future.result()
            for future in self._futures.values()
            if future.done() and not future.cancelled() and future.exception() is None
        ]

    def close(self):
        """Cancel the runs not yet started and wait for the running ones (each has its own time limit)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def colab_built(work, timeout=3600):
    """Wait for the build of Colab's environments that ``background`` started (or build them now); return
    {name: stamp}."""
    if work["colab"] is None:
        return colab.build_all(echo=work["messages"].append)
    return work["colab"].result(timeout=timeout)
