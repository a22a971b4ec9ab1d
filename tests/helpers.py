"""What the integration tests take from the maintainers' package course_tools (the tests never import
benchmarks/, nor benchmarks the tests): chapters, nbgrader's CLI, solution code, throwaway courses."""

from course_tools import layout
from course_tools.layout import ROOT, chapter_ids  # noqa: F401  (re-exported for the tests)
from course_tools.notebooks import fill_release, grade_id, make_course, solution_sources  # noqa: F401


def nbgrader(*args, cwd):
    """Run the real nbgrader CLI in ``cwd``; return the CompletedProcess (stdout and stderr merged)."""
    return layout.nbgrader(args, cwd)
