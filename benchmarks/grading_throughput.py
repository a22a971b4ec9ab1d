"""Grading throughput: how many chapter-1 submissions per minute `classroom grade` grades on this machine,
serially, with --jobs, and on a local Dask cluster.

    .venv/bin/python benchmarks/grading_throughput.py [--submissions 50] [--jobs 1 2] [--full]
    .venv/bin/python benchmarks/grading_throughput.py --jobs 2 1 --submissions 50 10   (a shorter serial run)
    .venv/bin/python benchmarks/grading_throughput.py --jobs 2 --submissions 10 --sandbox both
    .venv/bin/python benchmarks/grading_throughput.py --jobs 1 --cluster 1 2 --sandbox on --submissions 40
    .venv/bin/python benchmarks/grading_throughput.py --jobs 1 --cluster 2 --sandbox on --submissions 40 \
        --db-url "postgresql://$USER@/postgres?host=/tmp/pg" --kill-worker

``--cluster 1 2`` grades the same class, in the same run, through ``classroom grade --scheduler`` on a Dask
``LocalCluster`` of 1 and of 2 worker processes (1 thread each): the table shows the speed-up against the
serial local run (``--jobs 1``) and the scheduler's overhead per submission, measured as the round trip of
a task that carries a submission's notebook and does nothing (submit, run on a worker, result back).
``--db-url`` grades the clusters' runs into PostgreSQL: the address of a server's maintenance database; each
cluster run gets a fresh database on that server (created, and dropped at the end), set as the course's
gradebook (``c.CourseDirectory.db_url`` in its nbgrader_config.py). The local runs (``--jobs``) keep the
default SQLite gradebook, so that the check below compares a cluster grading into PostgreSQL with a serial
SQLite run. ``--kill-worker`` kills one worker of each cluster
halfway through the class (when half the submissions are graded); the check that every student has exactly
one score, equal to the first run's, then covers the retried submissions.

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
from cluster_bench import drop_databases, fresh_database, killer, round_trip

from course_tools import layout
from course_tools.classroom.log import db_url
from course_tools.notebooks import fill_release, make_course, solution_sources
from course_tools.speed import machine_speed

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


def classroom(course, *args, on_line=None):
    """Run the classroom command on ``course``; ``on_line(line)`` sees each line it prints as it prints it."""
    command = [sys.executable, "-m", "course_tools.classroom", "--course", str(course), *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if on_line:
                on_line(line)
        process.wait()
    if process.returncode != 0:
        raise SystemExit("".join(lines)[-5000:])
    return "".join(lines)


def new_course(folder, database=None):
    """A fresh course in ``folder`` with the chapter released; its gradebook at ``database`` if given."""
    make_course(folder)
    if database:
        with open(folder / "nbgrader_config.py", "a", encoding="utf-8") as config:
            config.write(f"\nc.CourseDirectory.db_url = {database!r}\n")
        if not db_url(folder).startswith("postgresql"):
            raise SystemExit("this checkout's classroom does not read c.CourseDirectory.db_url: --db-url needs it")
    classroom(folder, "release", CHAPTER)
    return folder


def gradebook_scores(course, students):
    """{student: score}; raises if a submission is missing or has no score for some test."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url(course)) as gb:
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


def grade_class(tmp, name, size, grading, database=None, on_line=None):
    """Make a fresh course and class of ``size``, grade it with ``grading`` (classroom grade's options);
    return (plan, course, seconds)."""
    course = new_course(tmp / f"course-{name}", database)
    inbox = tmp / f"inbox-{name}"
    plan = make_class(inbox, course / "chapters" / CHAPTER / f"{CHAPTER}.ipynb", size)
    classroom(course, "collect", str(inbox))
    started = time.monotonic()
    classroom(course, "grade", CHAPTER, "--timeout", "120", *grading, on_line=on_line)
    return plan, course, time.monotonic() - started


def cluster_runs(args, tmp, size, database_for, payload):
    """Grade the class on a LocalCluster of each ``--cluster`` size; yield (label, sandbox, plan, course,
    seconds, round trip seconds, killed worker)."""
    from distributed import Client, LocalCluster

    for workers in args.cluster:
        with (
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as lc,
            Client(lc) as client,
        ):
            trip = round_trip(client, payload)
            for run, sandbox in enumerate(args.modes):
                name = f"cluster{workers}-{run}-{'sandbox' if sandbox else 'plain'}"
                on_line = killer(client, size) if args.kill_worker and workers > 1 else None
                grading = ["--scheduler", lc.scheduler_address, *([] if sandbox else ["--no-sandbox"])]
                plan, course, seconds = grade_class(tmp, name, size, grading, database_for(name), on_line)
                killed = on_line.killed if on_line else []
                yield f"cluster of {workers}", sandbox, plan, course, seconds, trip, killed


def local_runs(args, tmp, sizes):
    """Grade the class with each ``--jobs`` value here; yield the same tuples as ``cluster_runs``."""
    for jobs, size in zip(args.jobs, sizes, strict=True):
        for run, sandbox in enumerate(args.modes):
            name = f"{jobs}-{run}-{'sandbox' if sandbox else 'plain'}"
            grading = ["--jobs", str(jobs), *([] if sandbox else ["--no-sandbox"])]
            plan, course, seconds = grade_class(tmp, name, size, grading)  # SQLite, the default gradebook
            yield f"jobs={jobs}", sandbox, plan, course, seconds, None, []


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--submissions",
        type=int,
        nargs="+",
        default=[50],
        help="class size per run (one value, or one per --jobs value; a cluster grades the first)",
    )
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--cluster", type=int, nargs="*", default=[], help="also on LocalClusters of these sizes")
    parser.add_argument("--db-url", help="a PostgreSQL server's address: each cluster run grades into a new database")
    parser.add_argument("--kill-worker", action="store_true", help="kill a worker halfway (clusters of 2+)")
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
    modes = {"both": [True, False], "on": [True], "off": [False]}[args.sandbox]
    args.modes = [m for rep in range(args.repeat) for m in (modes if rep % 2 == 0 else modes[::-1])]
    return args


def print_table(args, results, gflops):
    mode = "full data" if args.full else "quick mode (COURSE_QUICK=1)"
    gradebook = "SQLite for local runs, PostgreSQL for clusters" if args.db_url else "SQLite"
    print(
        f"\nGrading generated submissions of {CHAPTER}, {mode}, {os.cpu_count()} CPU cores, {gflops[0]:.0f} GFLOP/s "
        f"at the start and {gflops[1]:.0f} at the end (course_tools.speed), load average {os.getloadavg()[0]:.1f} "
        f"at the end, gradebook in {gradebook} (repair + autograde + feedback, `classroom grade`)\n"
    )
    print(
        "| grading | sandbox | submissions | seconds | submissions per minute | speed-up against jobs=1 "
        "| time against no sandbox (mean) | scheduler round trip per submission | full marks "
        "| gradebook: one score each, same scores as the first run (common students) |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    serial = {sandbox: seconds / count for label, sandbox, count, seconds, *_ in results if label == "jobs=1"}
    plain = {}
    for label, sandbox, _count, seconds, *_ in results:
        if not sandbox:
            plain.setdefault(label, []).append(seconds)
    for label, sandbox, count, seconds, trip, full, consistent in results:
        mean_plain = sum(plain.get(label, [])) / max(len(plain.get(label, [])), 1)
        cost = f"{(seconds / mean_plain - 1) * 100:+.0f} %" if sandbox and plain.get(label) else ""
        speedup = f"{serial[sandbox] * count / seconds:.2f}x" if sandbox in serial else ""
        trip_text = f"{trip * 1000:.0f} ms" if trip is not None else ""
        print(
            f"| {label} | {'on' if sandbox else 'off'} | {count} | {seconds:.0f} | {count / seconds * 60:.1f} "
            f"| {speedup} | {cost} | {trip_text} | {full} | {consistent} |"
        )


def main():
    args = parse_args()
    os.environ[layout.QUICK_ENV] = "0" if args.full else "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    layout.use_staged_data()
    gflops, results, reference, databases = [machine_speed()], [], None, []

    def database_for(name):
        if not args.db_url:
            return None
        databases.append(f"grading_bench_{name}".replace("-", "_"))
        return fresh_database(args.db_url, databases[-1])

    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        tmp = Path(tmp)
        sizes = args.submissions * len(args.jobs) if len(args.submissions) == 1 else args.submissions
        payload = layout.notebook(layout.ROOT, layout.RELEASE, CHAPTER).read_bytes()
        runs = [local_runs(args, tmp, sizes), cluster_runs(args, tmp, sizes[0], database_for, payload)]
        try:
            for label, sandbox, plan, course, seconds, trip, killed in (run for group in runs for run in group):
                scores = gradebook_scores(course, list(plan))
                common = set(scores) & set(reference or {})
                consistent = "yes" if all(scores[s] == reference[s] for s in common) else "NO: scores differ"
                consistent += f" (worker {killed[0]} killed halfway)" if killed else ""
                reference = reference or scores
                full = sum(1 for s in scores.values() if s == max(scores.values()))
                results.append((label, sandbox, len(plan), seconds, trip, full, consistent))
                print(f"{label} sandbox={'on' if sandbox else 'off'}: {seconds:.0f} s", flush=True)
        finally:
            if databases:
                drop_databases(args.db_url, databases)
    gflops.append(machine_speed())
    print_table(args, results, gflops)


if __name__ == "__main__":
    main()
