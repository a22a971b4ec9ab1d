"""How the test session runs, and what it cost (a pytest plugin, registered by tests/conftest.py).

Phases: ``unit`` (everything not marked slow: no notebook executed, no book built, no browser), ``notebooks``
(the other slow tests: chapters and small notebooks executed in kernels), ``book`` (the book built and read)
and ``browser`` (the built book in Chromium). The fast tests come first, so that a mistake shows in seconds.
The chapters run in the background from the session's start (tests/chapter_runs.py), so the tests run in the
order that keeps both cores busy (``ORDER``): the notebooks tests that read no chapter run (the classroom's
toy classes) while the chapters run, then the book, built from the Colab-CPU runs' outputs, and the browser
while the sandbox runs go on, and last the tests that read the chapter runs.

Honest markers: a test that uses a fixture which executes chapters, builds the book or starts a browser
(SLOW_FIXTURES) and is not marked ``slow`` stops the session at collection, so that ``pytest -m "not slow"``
stays the inner loop it claims to be.

Time limits (pytest-timeout): UNIT_TIMEOUT per fast test and SLOW_TIMEOUT per slow test, each unless the test
sets its own; inside, every kernel has a time limit per cell and every subprocess one of its own.

At the end the session prints what it cost: the machine's speed (GFLOP/s, course_tools.speed) at its start and
end, the wall time per phase (and the setup before pytest started, when ``make test`` says when it began),
and how often each chapter was executed, in which environment (``Ledger``).
"""

import os
import time
from collections import defaultdict
from dataclasses import dataclass, field

import pytest

from course_tools.speed import machine_speed

PHASES = ("unit", "notebooks", "book", "browser")
# The order the tests run in: a test's phase, except that the notebooks tests reading chapter runs come last.
ORDER = ("unit", "notebooks", "book", "browser", "chapter runs")
# Test modules of the last two phases (every other slow test is in "notebooks").
PHASE_OF_MODULE = {"test_book.py": "book", "test_browser.py": "browser", "test_accessibility.py": "browser"}
SLOW_FIXTURES = frozenset(
    {
        "chapter_runs",
        "colab_envs",
        "cpu_env",
        "tpu_env",
        "executed_chapters",
        "book_site",
        "book_site_without_solutions",
        "server",
        "edition_server",
        "browser",
        "classroom_run",
        "serial_run",
        "serial_scores",
        "killed_worker_run",
    }
)
UNIT_TIMEOUT, SLOW_TIMEOUT = 120, 900  # seconds per test
# Set by `make test`: the time (seconds since the epoch) at which it started installing what the tests need.
STARTED_ENV = "COURSE_SUITE_STARTED"
SPEED_SECONDS = 1.0


@dataclass
class Ledger:
    """Every execution of a chapter in this session: (chapter, environment) -> list of (kind, what, seconds),
    kind "full" (every cell of the chapter) or "partial" (a blank submission, some cells)."""

    runs: dict = field(default_factory=lambda: defaultdict(list))

    def record(self, chapter, environment, kind, what, seconds=None):
        assert kind in ("full", "partial"), kind
        self.runs[chapter, environment].append((kind, what, seconds))

    def count(self, chapter, environment, kind):
        return sum(entry[0] == kind for entry in self.runs.get((chapter, environment), []))


def phase_of(item):
    if item.get_closest_marker("slow") is None:
        return "unit"
    return PHASE_OF_MODULE.get(item.path.name, "notebooks")


def order_of(item):
    """The place of ``item`` in ``ORDER``: its phase's, or last for a notebooks test that reads chapter runs."""
    phase = phase_of(item)
    if phase == "notebooks" and "chapter_runs" in getattr(item, "fixturenames", ()):
        return ORDER.index("chapter runs")
    return ORDER.index(phase)


def unmarked_slow_tests(items):
    """Node ids of the tests that use a slow fixture but are not marked slow."""
    return [
        item.nodeid
        for item in items
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("slow") is None
    ]


def _minutes(seconds):
    return f"{int(seconds // 60)}:{int(round(seconds % 60)):02d}"


def executions_table(ledger, chapters, environments):
    """Markdown rows: per chapter, per environment, "full + partial" execution counts."""
    lines = ["| chapter | " + " | ".join(environments) + " |", "| --- |" + " --- |" * len(environments)]
    for chapter in chapters:
        cells = []
        for environment in environments:
            full, partial = (ledger.count(chapter, environment, kind) for kind in ("full", "partial"))
            cells.append("-" if not full + partial else f"{full}" + (f" + {partial} partial" if partial else ""))
        lines.append(f"| {chapter} | " + " | ".join(cells) + " |")
    return lines


class SuiteSession:
    """The plugin's state for one session: the phase of each test, the time spent per phase, the ledger."""

    def __init__(self):
        self.ledger = Ledger()
        self.phase = {}
        self.seconds, self.tests = defaultdict(float), defaultdict(int)
        self.started, self.speeds = time.time(), [machine_speed(SPEED_SECONDS)]

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, items):
        unmarked = unmarked_slow_tests(items)
        if unmarked:
            raise pytest.UsageError(
                "tests that execute notebooks, build the book or start a browser must be "
                "marked slow (@pytest.mark.slow):\n" + "\n".join(unmarked)
            )
        items.sort(key=order_of)  # stable: the order within a phase stays
        for item in items:
            self.phase[item.nodeid] = phase_of(item)
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(UNIT_TIMEOUT if phase_of(item) == "unit" else SLOW_TIMEOUT))

    def pytest_runtest_logreport(self, report):
        phase = self.phase.get(report.nodeid, "unit")
        self.seconds[phase] += report.duration
        self.tests[phase] += report.when == "call"

    def pytest_terminal_summary(self, terminalreporter):
        self.speeds.append(machine_speed(SPEED_SECONDS))
        write = terminalreporter.write_line
        terminalreporter.section("what this session cost")
        write(
            f"machine speed: {self.speeds[0]:.0f} GFLOP/s at the start, {self.speeds[1]:.0f} at the end "
            "(float32 matrix products in NumPy, course_tools.speed)"
        )
        total = time.time() - self.started
        if os.environ.get(STARTED_ENV):
            setup = self.started - float(os.environ[STARTED_ENV])
            write(f"{'setup':10} {_minutes(setup):>7}   (make test: environment, data, system packages)")
            total += setup
        for phase in PHASES:
            if self.tests[phase]:
                write(f"{phase:10} {_minutes(self.seconds[phase]):>7}   ({self.tests[phase]} tests)")
        write(f"{'total':10} {_minutes(total):>7}")
        chapters = sorted({chapter for chapter, _ in self.ledger.runs})
        if chapters:
            environments = sorted({environment for _, environment in self.ledger.runs})
            write("chapter executions (full runs of every cell, + partial runs such as blank submissions):")
            for line in executions_table(self.ledger, chapters, environments):
                write(line)


PLUGIN_NAME = "course-suite"


def register(config):
    """Start this session's plugin (tests/conftest.py calls it from ``pytest_configure``)."""
    config.pluginmanager.register(SuiteSession(), PLUGIN_NAME)


def ledger(config):
    """This session's ``Ledger``."""
    return config.pluginmanager.get_plugin(PLUGIN_NAME).ledger
