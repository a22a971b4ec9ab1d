"""Grade a classroom's notebooks with nbgrader, from the files students sent to a grade sheet.

    classroom release [CHAPTER ...]     regenerate chapters/ and register them in the gradebook
    classroom roster FILE               the class list (Canvas's or Moodle's export, or id,name,email)
    classroom collect INBOX             place the files students sent (a folder, or an LMS's zip) into submitted/
    classroom due CHAPTER TIME          a chapter's due date and late policy (course_tools.classroom.late)
    classroom repair [CHAPTER ...]      restore what Colab and students break (grade does it too)
    classroom grade [CHAPTER ...]       autograde every submission, write feedback per student
    classroom report [CHAPTER ...]      print scores and every problem found, per student and chapter
    classroom export [--format F]       the same as CSV (grades.csv), or as Canvas's or Moodle's import

Every command takes ``--course DIR`` (default: this repository) and works on every chapter found in
``solutions/`` (release) or ``chapters/`` (the others) unless chapters are named.

The gradebook is the course's ``gradebook.db`` (SQLite) unless the course's nbgrader_config.py names a database
server: ``c.CourseDirectory.db_url = "postgresql://..."`` (course_tools.classroom.log.db_url; README: A gradebook
on PostgreSQL). Each step that uses the gradebook first checks that it can be reached, and stops with the
address (its password hidden) and what to check when it cannot.

collect
    INBOX is an LMS's bulk download (the zip or its unpacked folder; Canvas, Moodle and Google Classroom
    are recognised by their naming, see course_tools.classroom.lms, or named with ``--lms``), or a folder
    of the files as students sent them. In a plain folder, each folder directly inside INBOX belongs to the student it
    is named after; a file directly inside INBOX belongs to the student whose id starts (or ends) its name,
    e.g. ``ada_01_linear_models.ipynb``. A student id is the name case-folded (Unicode NFC), with letters of
    any alphabet, digits, ``.``, ``-`` and ``_`` kept and other characters replaced by ``_`` ("Zoë" and
    "Zoé" stay two students). Two different names that still give one id ("Ada Lovelace", "ada_lovelace")
    are never merged: the later one gets a suffix from its name's hash, reported with its submission, and
    ids are remembered from one collect to the next. The chapter is found in the file name, ignoring case,
    spaces/dashes/underscores, "Copy of", " (1)" and "-Copy1"; a notebook whose name names no chapter
    (``Untitled0.ipynb``) is recognised by its locked cells. Each notebook is *copied* to
    ``submitted/<student>/<chapter>/<chapter>.ipynb``; INBOX is never changed.
    Several files of one student for one chapter: the rule is that a file that reads as a notebook beats
    one that does not, then the most recently modified file wins, then the highest copy number ("(2)"
    beats "(1)" beats none), then the name that sorts last. The others are listed as problems.
    Files that are not notebooks, notebooks of no known chapter and files without a student are reported.

repair
    Upgrades old notebook formats, restores nbgrader's cell metadata from the release version where it is
    missing or partial (cells are matched by nbgrader id, then by unchanged content, then by position and
    similarity), puts back deleted answer, test and other locked cells (a blank answer scores 0), drops
    nbgrader metadata from copies of graded cells, sets the kernel to the release's, clears outputs, and
    reports edited test cells (nbgrader restores them from the gradebook while grading).

grade
    One ``nbgrader autograde --student`` per submission, each running the notebook in its own kernel. The
    kernel runs in a bubblewrap sandbox (course_tools.sandbox): it sees the Python environment and the
    staged data read-only and its own working folder, not the course folder, other students' work, your
    home or the network; limits on memory (``--memory-limit``), processes (``--max-processes``) and files
    written (``--disk-limit``) stop it, and no process outlives it. Without bubblewrap, ``grade`` refuses
    unless ``--no-sandbox`` is given. Each kernel also has a per-cell timeout (``--timeout``, default
    nbgrader_config.py's), a limit on each output (``--max-output-chars``) and a wall-clock limit per
    notebook (``--notebook-timeout``); ``--jobs`` submissions are graded at a time, or each on a worker of a Dask
    cluster with ``--scheduler ADDRESS`` (course_tools.classroom.cluster). A cell that kills its
    kernel (or is stopped at a sandbox limit) is
    disabled and the notebook graded again (course_tools.guards). A submission that cannot be graded at
    all (unreadable file, nbgrader failure, wall-clock limit) is recorded with score 0 and a problem that says
    why, so every submission has exactly one score; the other students are graded regardless.
    Then ``nbgrader generate_feedback`` writes feedback/<student>/<chapter>/<chapter>.html, with no line of
    the hidden tests in it whatever the student's code printed; submissions that watch the tests or replace
    what they call are flagged for review (course_tools.classroom.integrity).
    The log is saved after each graded submission with its sha256: run again (after an interruption, or after
    some students resubmitted), ``grade`` grades only what is new or changed and says how many it skipped;
    ``--force`` grades everything again. On a terminal one line shows graded, failed, left and the time left.

roster, due, export
    See course_tools.classroom.roster, .late and .export.

What each step found is kept in ``submitted/.classroom.json`` (the report reads it with the gradebook).
"""

import argparse
from pathlib import Path

from course_tools import layout
from course_tools.classroom.collect import collect
from course_tools.classroom.export import FORMATS, export
from course_tools.classroom.grade import grade, release
from course_tools.classroom.late import POLICIES, set_due
from course_tools.classroom.limits import Limits, sandbox_default
from course_tools.classroom.lms import LMS_NAMES
from course_tools.classroom.log import check_gradebook
from course_tools.classroom.repair import repair
from course_tools.classroom.report import print_report
from course_tools.classroom.roster import import_roster
from course_tools.guards import LimitOutputSize
from course_tools.sandbox import GIB

# The steps that read or write the gradebook (collect and repair work on files only).
GRADEBOOK_COMMANDS = ("release", "grade", "report", "export", "roster", "due")


def _grading_options(p: argparse.ArgumentParser) -> None:
    """The options of ``grade``: parallel jobs, time and output limits, the sandbox's limits."""
    p.add_argument("--jobs", type=int, default=1, help="submissions graded at the same time (default 1)")
    p.add_argument(
        "--scheduler",
        help="grade on a Dask cluster: its scheduler's address (tcp://host:port) or scheduler file (README: "
        "Grading on a cluster); --jobs is then ignored",
    )
    p.add_argument(
        "--worker-course",
        type=Path,
        help="the course folder as the workers see it (default: --course, right for a shared file system)",
    )
    p.add_argument(
        "--force", action="store_true", help="grade every submission again, also those unchanged since graded"
    )
    # Defaults: nbgrader_config.py's settings and the traits of the guards and the sandbox, written once there.
    p.add_argument(
        "--timeout",
        type=int,
        help=f"seconds per cell (default: nbgrader_config.py's Execute.timeout, {layout.CELL_TIMEOUT})",
    )
    p.add_argument("--notebook-timeout", type=int, default=1800, help="seconds per notebook (default 1800)")
    chars = LimitOutputSize.class_traits()["max_chars"].default_value
    p.add_argument(
        "--max-output-chars",
        type=int,
        help=f"characters kept of each output (default: LimitOutputSize.max_chars, {chars:,})",
    )
    p.add_argument(
        "--memory-limit",
        help="memory per submission's kernel, e.g. 4G (default: "
        f"SandboxedKernelManager.memory_limit, {sandbox_default('memory_limit') / GIB:g}G)",
    )
    p.add_argument(
        "--max-processes", type=int, help=f"processes per submission (default {sandbox_default('max_processes')})"
    )
    p.add_argument(
        "--disk-limit",
        help=f"files a submission may write, e.g. 512M (default {sandbox_default('disk_limit') / GIB:g}G)",
    )
    p.add_argument("--bwrap", help=f"the bubblewrap program (default: {sandbox_default('bwrap')} on PATH)")
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run student code with your rights, without bubblewrap (not safe: see README)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``classroom`` command's parser: one subcommand per step (see the module doc)."""
    parser = argparse.ArgumentParser(
        prog="classroom", description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--course", type=Path, default=layout.ROOT, help="course folder (default: this repository)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="regenerate chapters/ and register them in the gradebook")
    p.add_argument("chapters", nargs="*")
    p = sub.add_parser("collect", help="place students' files into submitted/")
    p.add_argument("inbox", type=Path, help="a folder, or the zip of an LMS's bulk download")
    p.add_argument("--lms", choices=LMS_NAMES, help="read every file by this LMS's naming (default: detected)")
    p = sub.add_parser("repair", help="restore nbgrader metadata and deleted cells")
    p.add_argument("chapters", nargs="*")
    p = sub.add_parser("grade", help="autograde and write feedback")
    p.add_argument("chapters", nargs="*")
    _grading_options(p)
    p = sub.add_parser("report", help="print scores and problems")
    p.add_argument("chapters", nargs="*")
    p = sub.add_parser("export", help="write the grade sheet as CSV, or as an LMS's gradebook import")
    p.add_argument("chapters", nargs="*")
    p.add_argument("--format", choices=FORMATS, default="csv", help="csv (every field), canvas or moodle")
    p.add_argument("--output", type=Path, help="file to write (default: grades.csv, grades-canvas.csv, ...)")
    p = sub.add_parser("roster", help="import the class list (Canvas's or Moodle's export, or id,name,email)")
    p.add_argument("file", type=Path)
    p = sub.add_parser("due", help="set a chapter's due date and late policy")
    p.add_argument("chapter")
    p.add_argument("due", help="ISO 8601 date and time, e.g. 2026-03-02T23:59 (UTC) or 2026-03-02T23:59+01:00")
    p.add_argument("--policy", choices=POLICIES, default="none", help="what lateness costs (default none)")
    p.add_argument("--penalty", type=float, default=0.0, help="per-day: percent of the maximum off per day late")
    p.add_argument("--cutoff", default="", help="cutoff: 0 after this time (default: the due date)")
    return parser


def main(argv: list[str] | None = None) -> None:
    """Run the ``classroom`` command with ``argv`` (default: the command line)."""
    args = build_parser().parse_args(argv)
    course = args.course.resolve()
    if args.command in GRADEBOOK_COMMANDS:
        check_gradebook(course)  # before anything is written: a clear message when the database is out of reach
    if args.command == "release":
        release(course, args.chapters)
    elif args.command == "collect":
        collect(course, args.inbox, lms_name=args.lms)
    elif args.command == "repair":
        repair(course, args.chapters)
    elif args.command == "grade":
        limits = None if args.no_sandbox else Limits(args.memory_limit, args.max_processes, args.disk_limit, args.bwrap)
        grade(
            course,
            args.chapters,
            args.jobs,
            args.timeout,
            args.notebook_timeout,
            args.max_output_chars,
            limits=limits,
            scheduler=args.scheduler,
            worker_course=args.worker_course,
            force=args.force,
        )
    elif args.command == "report":
        print_report(course, args.chapters)
    elif args.command == "export":
        default = "grades.csv" if args.format == "csv" else f"grades-{args.format}.csv"
        export(course, args.output or course / default, args.chapters, args.format)
    elif args.command == "roster":
        import_roster(course, args.file)
    elif args.command == "due":
        set_due(course, args.chapter, args.due, args.policy, args.penalty, args.cutoff)


if __name__ == "__main__":
    main()
