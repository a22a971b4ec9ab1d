"""nbgrader configuration for instructors. Run every nbgrader command from the repository root.

solutions/<chapter>/<chapter>.ipynb   the single source (nbgrader's "source")
chapters/<chapter>/<chapter>.ipynb    the student version, generated and committed ("release")
submitted/, autograded/, feedback/, gradebook.db   created while grading; never committed
"""

# The grading guards and the course's layout come from the maintainers' package course_tools (tools/ of this
# repository). Without it, grading would silently lose the guards, so the configuration stops instead.
try:
    from course_tools import guards, layout
except ImportError as error:
    raise SystemExit(
        f"nbgrader_config.py cannot load the grading guards ({error}): install the maintainers' package with "
        "`make venv`, or `pip install -e tools` in the course repository, into the Python that runs nbgrader."
    ) from error

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "image-classification-tensorflow"
c.CourseDirectory.source_directory = layout.SOURCE
c.CourseDirectory.release_directory = layout.RELEASE
# The gradebook: by default the SQLite file gradebook.db beside this file, which the graders of one machine share.
# For graders on several machines, a database server (README: A gradebook on PostgreSQL), e.g.
#   c.CourseDirectory.db_url = "postgresql://grader@db.example.org/grades"
# Every classroom step and every nbgrader command run here uses this setting (course_tools.classroom.log.db_url).

# Training cells take longer than nbgrader's default of 30 s per cell.
c.Execute.timeout = layout.CELL_TIMEOUT
# Long outputs are cut in the graded copy and the feedback.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
# Deleted graded cells are put back by one mechanism only: `classroom grade`'s repair step
# (course_tools.classroom.repair, see CONTRIBUTING.md), not nbgrader's OverwriteCells.add_missing_cells (left off,
# its default). A plain `nbgrader autograde` scores a deleted test cell 0, as the gradebook holds a grade for it.

# Feedback shows each test cell's visible tests and the outcome; the code of the hidden tests is left
# out, so that they stay useful in the next term (a failing hidden test still shows its traceback).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]

# A cell that kills its kernel, or leaves it silent after a timeout, is disabled and the notebook graded
# again (nbgrader alone fails the whole notebook, also when output arrives late on a busy machine), and
# each output is also cut by characters (one line of megabytes passes a line limit): course_tools.guards.
c.Autograde.autograde_preprocessors = guards.autograde_preprocessors()
# Their limits are traits with defaults (course_tools.guards.LimitOutputSize.max_chars,
# course_tools.sandbox.SandboxedKernelManager.memory_limit, ...): set them here to change them for every command.
