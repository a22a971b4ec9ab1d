"""Grading throughput: how many chapter-1 submissions per minute `classroom grade` grades on this machine.

    .venv/bin/python benchmarks/grading_throughput.py [--submissions 50] [--jobs 1 2] [--full]
    .venv/bin/python benchmarks/grading_throughput.py --jobs 2 1 --submissions 50 10   (a shorter serial run)
    .venv/bin/python benchmarks/grading_throughput.py --jobs 2 --submissions 10 --sandbox both

Each class is graded with the bubblewrap sandbox of course_tools.sandbox and without it (``--sandbox
both``, the default), the two runs one after the other on the same submissions, so the table shows what the
sandbox costs.

Generates a class of submissions from the chapter's own solutions: 56 % correct, 24 % partly wrong (one
or two wrong answers), 20 % broken (Colab-stripped metadata, a syntax error, a deleted test cell, a kernel
that kills itself, an unreadable file), collects them from an inbox, and grades the whole class once per
``--jobs`` value, each in a fresh course folder (serial = 1 job, parallel = several students at a time).
Afterwards it checks the gradebook: every submission has exactly one score, and the scores do not depend
on the number of jobs. Quick mode (COURSE_QUICK=1, 2,000 training images) unless ``--full``.
Prints a Markdown table.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from course_tools import layout
from course_tools.notebooks import fill_release, make_course, solution_sources

CHAPTER = "01_linear_models"


def make_class(inbox, release, count):
    """Write ``count`` submissions into ``inbox``; return {student: kind}."""
    answers = solution_sources(layout.solution_notebook(CHAPTER))
    wrong = {
        "softmax_solution": "import numpy as np\ndef softmax(logits):\n    return np.zeros_like(logits)",
        "accuracy_solution": "def accuracy(labels, probabilities):\n    return 0.5",
        "output_choice_solution": (
            'ANSWER_OUTPUTS = {"signs": "sigmoid", "xray": "sigmoid", "boxes": "softmax", "market": "sigmoid"}'
        ),
    }
    kinds = (
        ["correct"] * 14
        + ["one wrong"] * 3
        + ["two wrong"] * 3
        + ["stripped metadata", "syntax error", "deleted test", "kills kernel", "unreadable"]
    )
    plan = {}
    for index in range(count):
        student = f"s{index:03d}"
        kind = kinds[index * 7 % len(kinds)]  # spread the kinds over any class size
        plan[student] = kind
        folder = inbox / student
        folder.mkdir(parents=True)
        target = folder / f"Copy of {CHAPTER}.ipynb"
        if kind == "unreadable":
            target.write_text('{"cells": [', encoding="utf-8")
            continue
        changes = dict(answers)
        if kind == "one wrong":
            changes["accuracy_solution"] = wrong["accuracy_solution"]
        elif kind == "two wrong":
            changes.update(
                softmax_solution=wrong["softmax_solution"], output_choice_solution=wrong["output_choice_solution"]
            )
        elif kind == "syntax error":
            changes["softmax_solution"] = "def softmax(logits)\n    return logits"
        elif kind == "kills kernel":
            changes["param_count_solution"] = "import os\nos._exit(1)"
        nb = fill_release(release, changes)
        if kind == "stripped metadata":
            for cell in nb.cells:
                cell.metadata.pop("nbgrader", None)
        elif kind == "deleted test":
            nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "scale_tests"]
        nbformat.write(nb, target)
    return plan


def classroom(course, *args):
    result = subprocess.run(
        [sys.executable, "-m", "course_tools.classroom", "--course", str(course), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(result.stdout[-5000:])
    return result.stdout


def new_course(folder):
    make_course(folder)
    classroom(folder, "release", CHAPTER)
    return folder


def gradebook_scores(course, students):
    """{student: score}; raises if a submission is missing or has no score for some test."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / layout.GRADEBOOK}") as gb:
        submitted = [s.student.id for s in gb.find_assignment(CHAPTER).submissions]
        assert sorted(submitted) == sorted(students), "every student must have exactly one submission"
        scores = {}
        for student in students:
            submission = gb.find_submission(CHAPTER, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    assert grade.auto_score is not None or grade.manual_score is not None, (student, grade.name)
            scores[student] = submission.score
        return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--submissions",
        type=int,
        nargs="+",
        default=[50],
        help="class size per run (one value, or one per --jobs value)",
    )
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--full", action="store_true", help="full data instead of quick mode")
    parser.add_argument(
        "--sandbox",
        choices=["both", "on", "off"],
        default="both",
        help="grade in the bubblewrap sandbox, without it, or both one after the other (default)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per mode; with --sandbox both the order alternates, so that a change in the "
        "machine's load affects both modes alike",
    )
    args = parser.parse_args()
    os.environ[layout.QUICK_ENV] = "0" if args.full else "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    layout.use_staged_data()

    modes = {"both": [True, False], "on": [True], "off": [False]}[args.sandbox]
    modes = [m for rep in range(args.repeat) for m in (modes if rep % 2 == 0 else modes[::-1])]
    results, reference, plain_seconds = [], None, {}
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        tmp = Path(tmp)
        sizes = args.submissions * len(args.jobs) if len(args.submissions) == 1 else args.submissions
        for jobs, size in zip(args.jobs, sizes, strict=True):
            for run, sandbox in enumerate(modes):
                name = f"{jobs}-{run}-{'sandbox' if sandbox else 'plain'}"
                course = new_course(tmp / f"course-{name}")
                inbox = tmp / f"inbox-{name}"
                plan = make_class(inbox, course / "chapters" / CHAPTER / f"{CHAPTER}.ipynb", size)
                classroom(course, "collect", str(inbox))
                started = time.monotonic()
                classroom(
                    course,
                    "grade",
                    CHAPTER,
                    "--jobs",
                    str(jobs),
                    "--timeout",
                    "120",
                    *([] if sandbox else ["--no-sandbox"]),
                )
                seconds = time.monotonic() - started
                scores = gradebook_scores(course, list(plan))
                common = set(scores) & set(reference or {})
                consistent = "yes" if all(scores[s] == reference[s] for s in common) else "NO: scores differ"
                reference = reference or scores
                full = sum(1 for s in scores.values() if s == max(scores.values()))
                if not sandbox:
                    plain_seconds.setdefault(jobs, []).append(seconds)
                results.append((jobs, sandbox, len(plan), seconds, full, consistent))
                print(f"jobs={jobs} sandbox={'on' if sandbox else 'off'}: {seconds:.0f} s", flush=True)

    mode = "full data" if args.full else "quick mode (COURSE_QUICK=1)"
    print(
        f"\nGrading generated submissions of {CHAPTER}, {mode}, {os.cpu_count()} CPU cores, load average "
        f"{os.getloadavg()[0]:.1f} at the end (repair + autograde + feedback, `classroom grade`)\n"
    )
    print(
        "| jobs | sandbox | submissions | seconds | submissions per minute | time against no sandbox (mean) "
        "| full marks | gradebook: one score each, same scores as the first run (common students) |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for jobs, sandbox, count, seconds, full, consistent in results:
        plain = sum(plain_seconds.get(jobs, [])) / max(len(plain_seconds.get(jobs, [])), 1)
        cost = f"{(seconds / plain - 1) * 100:+.0f} %" if sandbox and plain else ""
        print(
            f"| {jobs} | {'on' if sandbox else 'off'} | {count} | {seconds:.0f} | {count / seconds * 60:.1f} "
            f"| {cost} | {full} | {consistent} |"
        )


if __name__ == "__main__":
    main()
